"""Empathy scorer: EPITOME levels (ER, IP, EX) of a response, with the response spans behind them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import PreTrainedTokenizerBase

from inference.encoder import (
    PAD_MULTIPLE,
    EncodedText,
    ServedModel,
    collate,
    encode_pairs,
    encoder_config,
    freeze_embeddings,
    length_sorted_batches,
    load_base_encoder,
    mean_pool,
)
from inference.labels import EMPATHY_MECHANISMS
from inference.schema import EmpathyLevel, EmpathyReading, MechanismReading, Rationale

LEVELS = 3


class EmpathyModel(nn.Module):
    """Cross-encoder over (message answered, response) with three 3-way heads and a span tagger.

    The level heads read the mean of all tokens next to the mean of the response tokens, so the
    response is not drowned by a long post; the tagger scores every response token for each
    mechanism and is trained on the EPITOME rationales alongside the levels.
    """

    def __init__(self, encoder: nn.Module, dropout: float = 0.1):
        super().__init__()
        hidden = encoder_config(encoder).hidden_size
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.levels = nn.Linear(2 * hidden, len(EMPATHY_MECHANISMS) * LEVELS)
        self.tagger = nn.Linear(hidden, len(EMPATHY_MECHANISMS))

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"]
        response_mask = mask * batch["token_type_ids"]
        pooled = torch.cat([mean_pool(hidden, mask), mean_pool(hidden, response_mask)], dim=-1)
        level_logits = self.levels(self.dropout(pooled)).view(-1, len(EMPATHY_MECHANISMS), LEVELS)
        tag_logits = self.tagger(self.dropout(hidden))
        return level_logits, tag_logits


def build_empathy_model(base_path: Path, dropout: float = 0.1) -> EmpathyModel:
    encoder = load_base_encoder(base_path)
    freeze_embeddings(encoder)
    return EmpathyModel(encoder, dropout=dropout)


_SPAN_GLUE = re.compile(r"^[\s,;:'\"\-]*$")


def _tagged_spans_many(
    text: str, item: EncodedText, probs: np.ndarray, columns: Sequence[int], threshold: float
) -> list[list[Rationale]]:
    """Merge the response tokens tagged for each mechanism in ``columns`` (of ``probs``, tokens x
    mechanisms) into whole-word character spans of ``text``, all columns in one pass."""
    rows = np.asarray(probs)[:, list(columns)].tolist()  # Python floats, as float() gives them
    peaks: dict[int, list[float]] = {}
    bounds: dict[int, list[int]] = {}
    for position, span in enumerate(item.spans):
        if span is None:
            continue
        start, end, word = span
        row = rows[position]
        entry = bounds.get(word)
        if entry is None:
            bounds[word] = [start, end]
            peaks[word] = list(row)
            continue
        entry[0] = min(entry[0], start)
        entry[1] = max(entry[1], end)
        peak = peaks[word]
        for c, value in enumerate(row):
            peak[c] = max(peak[c], value)
    order = sorted(peaks)
    return [
        _merge(text, [bounds[word] for word in order if not peaks[word][c] < threshold]) for c in range(len(columns))
    ]


def _merge(text: str, words: Sequence[Sequence[int]]) -> list[Rationale]:
    """Character spans of the tagged words, (start, end) in word order, joined and trimmed."""
    spans: list[list[int]] = []
    for start, end in words:
        # Join neighbours separated only by spaces or light punctuation into one span.
        if spans and _SPAN_GLUE.match(text[spans[-1][1] : start]):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    result: list[Rationale] = []
    for start, end in spans:
        # A span starts at a word, not at the full stop of the sentence before.
        while start < end and not (text[start].isalnum() or text[start] in "\"'(“‘"):
            start += 1
        if any(ch.isalnum() for ch in text[start:end]):
            result.append({"start": start, "end": end, "text": text[start:end]})
    return result


def _empathy_reading(per_mechanism: Sequence[MechanismReading]) -> EmpathyReading:
    """The readings of ER, IP and EX (in ``EMPATHY_MECHANISMS`` order) as one dict, in that order."""
    er, ip, ex = per_mechanism
    return {"er": er, "ip": ip, "ex": ex}


def empty_empathy_result() -> EmpathyReading:
    return _empathy_reading([{"level": 0, "probs": [1.0, 0.0, 0.0], "rationales": []} for _ in EMPATHY_MECHANISMS])


class EmpathyScorer(ServedModel):
    """Loaded once per process by the registry; ``analyse`` scores a batch of (context, response)."""

    model: EmpathyModel
    default_max_len = 256

    def __init__(
        self,
        model: EmpathyModel,
        tokenizer: PreTrainedTokenizerBase,
        config: dict[str, Any],
        device: torch.device,
        *,
        version: str,
    ):
        super().__init__(model, tokenizer, config, device, version=version)
        self.tag_threshold = float(config.get("tag_threshold", 0.5))
        bias = config.get("level_bias") or {}
        self.level_bias = np.array([bias.get(m, [0.0, 0.0, 0.0]) for m in EMPATHY_MECHANISMS], dtype=np.float32)

    @classmethod
    def build(cls, encoder: nn.Module, config: dict[str, Any]) -> EmpathyModel:
        return EmpathyModel(encoder)

    def encode(self, contexts: Sequence[str], texts: Sequence[str]) -> list[EncodedText]:
        return encode_pairs(self.tokenizer, contexts, texts, self.max_len)

    def forward_encoded(
        self, items: Sequence[EncodedText], batch_size: int = 64, pad_multiple: int = PAD_MULTIPLE
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Level log-probabilities (n, 3, 3) before the tuned offsets, and tag probabilities per item."""
        log_probs = np.zeros((len(items), len(EMPATHY_MECHANISMS), LEVELS), dtype=np.float32)
        tags: list[np.ndarray] = [np.zeros((0, len(EMPATHY_MECHANISMS)))] * len(items)
        with torch.inference_mode():
            for batch_index in length_sorted_batches([len(item) for item in items], batch_size):
                batch = collate([items[i] for i in batch_index], self.tokenizer.pad_token_id, self.device, pad_multiple)
                level_logits, tag_logits = self.model(batch)
                log_probs[batch_index] = torch.log_softmax(level_logits.float(), -1).cpu().numpy()
                tag_probs = torch.sigmoid(tag_logits.float()).cpu().numpy()
                for row, i in enumerate(batch_index):
                    tags[i] = tag_probs[row, : len(items[i])]
        return log_probs, tags

    def levels(self, log_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Levels and probabilities after the per-level offsets tuned on dev."""
        adjusted = log_probs + self.level_bias[None]
        adjusted = adjusted - adjusted.max(-1, keepdims=True)
        probs = np.exp(adjusted)
        probs /= probs.sum(-1, keepdims=True)
        return probs.argmax(-1), probs

    def results(
        self, texts: Sequence[str], items: Sequence[EncodedText], log_probs: np.ndarray, tags: Sequence[np.ndarray]
    ) -> list[EmpathyReading]:
        levels, probs = self.levels(log_probs)
        out = []
        for i, text in enumerate(texts):
            if not text.strip():
                out.append(empty_empathy_result())
                continue
            row_levels: list[EmpathyLevel] = levels[i].tolist()  # argmax over the three levels
            row_probs: list[list[float]] = probs[i].tolist()
            tagged = [m for m in range(len(EMPATHY_MECHANISMS)) if row_levels[m] > 0]
            spans = _tagged_spans_many(text, items[i], tags[i], tagged, self.tag_threshold) if tagged else []
            rationales = dict(zip(tagged, spans))
            out.append(
                _empathy_reading(
                    [
                        {
                            "level": row_levels[m],
                            "probs": [round(p, 4) for p in row_probs[m]],
                            "rationales": rationales.get(m, []),
                        }
                        for m in range(len(EMPATHY_MECHANISMS))
                    ]
                )
            )
        return out

    def analyse(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None, batch_size: int = 64
    ) -> list[EmpathyReading]:
        """The "empathy" part of an analysis for each response, in input order."""
        contexts = list(contexts) if contexts is not None else [""] * len(texts)
        items = self.encode(contexts, texts)
        log_probs, tags = self.forward_encoded(items, batch_size=batch_size)
        return self.results(texts, items, log_probs, tags)
