"""Emotion detector: 28 GoEmotions labels, Ekman and sentiment views, and the words behind them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
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
    WordGroups,
    collate,
    encode_texts,
    encoder_config,
    freeze_embeddings,
    length_sorted_batches,
    load_base_encoder,
    mean_pool,
)
from inference.formulas import formula_only
from inference.labels import (
    EKMAN_LABELS,
    EKMAN_MAPPING,
    GOEMOTIONS_LABELS,
    NEUTRAL,
    SENTIMENT_LABELS,
    SENTIMENT_MAPPING,
)
from inference.schema import EmotionReading, GroupedReading, Highlight

TOP_K = 3
MAX_HIGHLIGHTS = 5


class EmotionModel(nn.Module):
    """Base encoder, mean pooling and one linear layer giving 28 independent logits."""

    def __init__(self, encoder: nn.Module, num_labels: int = len(GOEMOTIONS_LABELS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder_config(encoder).hidden_size, num_labels)

    def encode(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(**batch).last_hidden_state
        return hidden, mean_pool(hidden, batch["attention_mask"])

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        _, pooled = self.encode(batch)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


def build_emotion_model(base_path: Path, dropout: float = 0.1) -> EmotionModel:
    encoder = load_base_encoder(base_path)
    freeze_embeddings(encoder)
    return EmotionModel(encoder, dropout=dropout)


_LABEL_INDEX = {label: i for i, label in enumerate(GOEMOTIONS_LABELS)}


def _grouped(
    probs: Sequence[float], labels_over: Sequence[str], mapping: dict[str, tuple[str, ...]], groups: Sequence[str]
) -> GroupedReading:
    """Group probability = max over members; a group is present when any member label is."""
    index = _LABEL_INDEX
    group_probs = {group: round(float(max(probs[index[m]] for m in mapping[group])), 4) for group in groups}
    present = {group for group in groups if any(m in labels_over for m in mapping[group])}
    # Ties (common once rounded) break in the groups' fixed order, not a set's hash order.
    ordered = sorted(present, key=lambda g: (-group_probs[g], groups.index(g))) or [NEUTRAL]
    return {"probs": group_probs, "labels": ordered}


def empty_emotion_result() -> EmotionReading:
    """What an empty text gets: certainly neutral, nothing to highlight."""
    probs = np.zeros(len(GOEMOTIONS_LABELS))
    probs[GOEMOTIONS_LABELS.index(NEUTRAL)] = 1.0
    return _result(probs, [NEUTRAL], {})


def _result(
    probs: np.ndarray,
    labels_over: list[str],
    highlights: dict[str, list[Highlight]],
    order: Sequence[int] | None = None,
    shown: list[str] | None = None,
) -> EmotionReading:
    if order is None:
        order = np.argsort(-probs, kind="stable").tolist()
    values = probs.tolist()  # Python floats: the same numbers, far cheaper to round one by one
    return {
        "probs": {label: round(values[i], 4) for i, label in enumerate(GOEMOTIONS_LABELS)},
        "labels": labels_over,
        "top": [[GOEMOTIONS_LABELS[i], round(values[i], 4)] for i in order[:TOP_K]],
        "ekman": _grouped(values, labels_over, EKMAN_MAPPING, EKMAN_LABELS),
        "sentiment": _grouped(values, labels_over, SENTIMENT_MAPPING, SENTIMENT_LABELS),
        "highlights": highlights,
        "shown": shown or [],
    }


class EmotionDetector(ServedModel):
    """Loaded once per process by the registry; ``analyse`` takes a whole batch of texts."""

    model: EmotionModel
    default_max_len = 128

    def __init__(
        self,
        model: EmotionModel,
        tokenizer: PreTrainedTokenizerBase,
        config: dict[str, Any],
        device: torch.device,
        *,
        version: str,
    ):
        super().__init__(model, tokenizer, config, device, version=version)
        self.thresholds = np.asarray(config.get("thresholds", [0.5] * len(GOEMOTIONS_LABELS)), dtype=float)
        # Chips for learners: precision-tuned thresholds (None: the label is never shown), apart from the
        # macro-F1 thresholds above, which evaluate_emotion scores.
        display = config.get("display_thresholds") or [None] * len(GOEMOTIONS_LABELS)
        self.display_thresholds = np.asarray([np.inf if t is None else float(t) for t in display], dtype=float)
        self.display_thresholds[GOEMOTIONS_LABELS.index(NEUTRAL)] = np.inf

    @classmethod
    def build(cls, encoder: nn.Module, config: dict[str, Any]) -> EmotionModel:
        return EmotionModel(encoder, num_labels=len(config["labels"]))

    def encode(self, texts: Sequence[str]) -> list[EncodedText]:
        return encode_texts(self.tokenizer, texts, self.max_len)

    def forward_encoded(
        self,
        items: Sequence[EncodedText],
        batch_size: int = 64,
        with_tokens: bool = True,
        pad_multiple: int = PAD_MULTIPLE,
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Probabilities (n, 28) and, per item, per-token logit contributions (tokens, 28).

        The contributions decompose each logit exactly: with mean pooling and a linear head,
        logit_k = sum_t (w_k . h_t) / T + b_k, so w_k . h_t / T is what token t adds to label k.
        That costs one small matmul on states we already have, where gradient x input would
        need a backward pass per label and occlusion a forward pass per word.
        """
        probs = np.zeros((len(items), len(GOEMOTIONS_LABELS)), dtype=np.float32)
        tokens: list[np.ndarray | None] = [None] * len(items)
        weight = self.model.head.weight
        with torch.inference_mode():
            for batch_index in length_sorted_batches([len(item) for item in items], batch_size):
                batch = collate([items[i] for i in batch_index], self.tokenizer.pad_token_id, self.device, pad_multiple)
                hidden, pooled = self.model.encode(batch)
                logits = self.model.head(pooled)
                probs[batch_index] = torch.sigmoid(logits).float().cpu().numpy()
                if with_tokens:
                    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    contrib = ((hidden @ weight.T) * mask / mask.sum(1, keepdim=True)).float().cpu().numpy()
                    for row, i in enumerate(batch_index):
                        tokens[i] = contrib[row, : len(items[i])]
        return probs, tokens

    def results(
        self, texts: Sequence[str], items: Sequence[EncodedText], probs: np.ndarray, tokens: Sequence[np.ndarray | None]
    ) -> list[EmotionReading]:
        out = []
        for i, text in enumerate(texts):
            if not text.strip():
                out.append(empty_emotion_result())
                continue
            row = probs[i]
            order = np.argsort(-row, kind="stable").tolist()
            passes = (row >= self.thresholds).tolist()
            over = [GOEMOTIONS_LABELS[j] for j in order if passes[j]]
            labels_over = over or [NEUTRAL]
            highlights: dict[str, list[Highlight]] = {}
            token_scores = tokens[i]
            if token_scores is not None:
                # "neutral" is the absence of emotion: no words drive it worth showing.
                shown = [j for j in order[:TOP_K] if GOEMOTIONS_LABELS[j] != NEUTRAL]
                if shown:
                    for j, spans in zip(shown, _highlights_many(text, items[i], token_scores, shown)):
                        highlights[GOEMOTIONS_LABELS[j]] = spans
            shows = (row >= self.display_thresholds).tolist()
            formulas = formula_only(text)
            chips = [GOEMOTIONS_LABELS[j] for j in order if shows[j] and GOEMOTIONS_LABELS[j] not in formulas]
            out.append(_result(row, labels_over, highlights, order, chips))
        return out

    def analyse(self, texts: Sequence[str], batch_size: int = 64, highlights: bool = True) -> list[EmotionReading]:
        """The "emotion" part of an analysis for each text, in input order."""
        texts = [text if isinstance(text, str) else str(text) for text in texts]
        items = self.encode(texts)
        probs, tokens = self.forward_encoded(items, batch_size=batch_size, with_tokens=highlights)
        return self.results(texts, items, probs, tokens)

    def predict_probs(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        probs, _ = self.forward_encoded(self.encode(texts), batch_size=batch_size, with_tokens=False)
        return probs


# Function words carry little emotion of their own but pick up context in the last layer; the UI
# should point at content words, so they are never highlighted.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "then",
        "than",
        "too",
        "very",
        "just",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "nor",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
        "name",
    ]
)


def _highlightable(word: str) -> bool:
    # A written word keeps its apostrophes ("I'm", "that's"): it is a function word when each part is.
    parts = re.split(r"['’]", word.lower())
    return any(any(ch.isalnum() for ch in part) and part not in _FUNCTION_WORDS for part in parts)


_highlightable_word = lru_cache(maxsize=16384)(_highlightable)  # words recur across texts and labels


def _highlights_many(text: str, item: EncodedText, scores: np.ndarray, labels: Sequence[int]) -> list[list[Highlight]]:
    """The content words that pushed each label in ``labels`` (columns of ``scores``, tokens x labels) up
    most, relative to the text's average word; the words are grouped once for all labels."""
    groups: WordGroups = item.word_groups(min(len(item.spans), len(scores)))
    if not len(groups):
        return [[] for _ in labels]
    texts = [text[start:end] for start, end in zip(groups.starts, groups.ends)]
    if _highlightable(text):
        keep = [w for w, word in enumerate(texts) if _highlightable_word(word)]
        if not keep:
            return [[] for _ in labels]
    else:
        keep = list(range(len(texts)))
    words = [(groups.starts[w], groups.ends[w], texts[w]) for w in keep]
    # (words, labels) sums, one contiguous row per label as np.array(list of floats) would give.
    sums = groups.sums(scores[:, list(labels)])
    kept = np.ascontiguousarray(sums[keep].T)
    return [_choose(np.ascontiguousarray(kept[k]), words) for k in range(len(labels))]


def _choose(raw: np.ndarray, words: Sequence[tuple[int, int, str]]) -> list[Highlight]:
    """The top words by weight centred on the mean, scaled by the best one; ``words`` are (start, end, text)."""
    centred = raw - raw.mean() if len(words) > 1 else raw
    top = centred.max()
    if top <= 0:
        return []
    chosen: list[Highlight] = []
    for k in np.argsort(-centred, kind="stable")[:MAX_HIGHLIGHTS]:
        weight = centred[k] / top
        if weight < 0.3 or raw[k] <= 0:
            continue
        start, end, word = words[k]
        chosen.append({"start": int(start), "end": int(end), "text": word, "weight": round(float(weight), 3)})
    return sorted(chosen, key=lambda w: w["start"])
