"""Empathy scorer: EPITOME levels (ER, IP, EX) of a response, with the response spans behind them,
and (for artefacts trained with a blocker head) the communication blockers a coach would name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import torch
from torch import nn
from transformers import PreTrainedTokenizerBase

from inference.encoder import (
    PAD_MULTIPLE,
    ArtefactError,
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
from inference.schema import (
    BLOCKER_CLASSES,
    BlockerName,
    BlockerSpan,
    EmpathyLevel,
    EmpathyReading,
    MechanismReading,
    Rationale,
)

LEVELS = 3


class EmpathyLogits(NamedTuple):
    levels: torch.Tensor  # (batch, mechanisms, levels): EPITOME's convention
    tags: torch.Tensor  # (batch, tokens, mechanisms)
    blockers: torch.Tensor | None  # (batch, blocker classes); None without a blocker head
    coaching_levels: torch.Tensor | None = None  # (batch, mechanisms, levels): the guide's; None without


class EmpathyModel(nn.Module):
    """Cross-encoder over (message answered, response) with three 3-way heads, a span tagger and,
    when ``blockers`` is set, a blocker head over that many classes (none and the seven).

    The level and blocker heads read the mean of all tokens next to the mean of the response
    tokens, so the response is not drowned by a long post; the tagger scores every response token
    for each mechanism and is trained on the EPITOME rationales alongside the levels.

    With ``coaching_levels`` a second set of level heads learns the role-play corpus while the
    first keeps learning EPITOME. The two label the same mechanisms by different conventions (the
    guide counts "that sounds hard" as an interpretation; EPITOME's annotators of Reddit replies
    mostly do not), and one set of heads fitted to both was worse on each than either alone.
    """

    def __init__(self, encoder: nn.Module, dropout: float = 0.1, blockers: int = 0, coaching_levels: bool = False):
        super().__init__()
        hidden = encoder_config(encoder).hidden_size
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.levels = nn.Linear(2 * hidden, len(EMPATHY_MECHANISMS) * LEVELS)
        self.tagger = nn.Linear(hidden, len(EMPATHY_MECHANISMS))
        self.blocker_head = nn.Linear(2 * hidden, blockers) if blockers else None
        self.coaching_levels = nn.Linear(2 * hidden, len(EMPATHY_MECHANISMS) * LEVELS) if coaching_levels else None

    def forward(self, batch: dict[str, torch.Tensor]) -> EmpathyLogits:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"]
        response_mask = mask * batch["token_type_ids"]
        pooled = self.dropout(torch.cat([mean_pool(hidden, mask), mean_pool(hidden, response_mask)], dim=-1))
        level_logits = self.levels(pooled).view(-1, len(EMPATHY_MECHANISMS), LEVELS)
        tag_logits = self.tagger(self.dropout(hidden))
        blocker_logits = self.blocker_head(pooled) if self.blocker_head is not None else None
        coaching_logits = (
            self.coaching_levels(pooled).view(-1, len(EMPATHY_MECHANISMS), LEVELS)
            if self.coaching_levels is not None
            else None
        )
        return EmpathyLogits(level_logits, tag_logits, blocker_logits, coaching_logits)


def build_empathy_model(
    base_path: Path, dropout: float = 0.1, blockers: int = 0, coaching_levels: bool = False
) -> EmpathyModel:
    encoder = load_base_encoder(base_path)
    freeze_embeddings(encoder)
    return EmpathyModel(encoder, dropout=dropout, blockers=blockers, coaching_levels=coaching_levels)


def level_probs(log_probs: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """Level probabilities (n, mechanisms, 3) from log-probabilities, after per-level ``bias``
    (mechanisms, 3) offsets when given."""
    adjusted = log_probs + bias[None] if bias is not None else log_probs
    adjusted = adjusted - adjusted.max(-1, keepdims=True)
    probs: np.ndarray = np.exp(adjusted)
    probs /= probs.sum(-1, keepdims=True)
    return probs


def confident_levels(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The level a learner is shown: the highest L whose P(level >= l) reaches t_l for every
    l <= L, so a doubt between two levels gives the lower one.

    ``probs`` is (n, mechanisms, 3) and ``thresholds`` (mechanisms, 2), t_1 and t_2 per mechanism.
    """
    at_least_one = probs[..., 1] + probs[..., 2]
    one = at_least_one >= thresholds[:, 0]
    two = one & (probs[..., 2] >= thresholds[:, 1])
    levels: np.ndarray = one.astype(np.int64) + two.astype(np.int64)
    return levels


# Where a reply splits into clauses: after a sentence's end, at a line break, a semicolon, a dash
# between words, or a comma before a turn (", but", ", so", ...). The separators belong to no clause.
_CLAUSE_BREAK = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u201d\u2019)]))\s+"
    r"|\s*\n\s*"
    r"|\s*;\s*"
    r"|\s+[\u2014\u2013-]{1,2}\s+|\s*\u2014\s*"
    r"|,?\s+but\s+"
    r"|,\s+(?:though|although|however|so|anyway|still)\s+",
    flags=re.IGNORECASE,
)
# What a clause is trimmed of at both ends: spaces and the glue between clauses.
_CLAUSE_GLUE = " \t\r\n,;:-\u2013\u2014"


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """The clauses of ``text`` as (start, end) character bounds, in order, each trimmed of spaces and
    glue; pieces without a letter or digit are not clauses."""
    bounds = []
    start = 0
    for match in [*_CLAUSE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        lo, hi = _trimmed(text, start, end)
        if any(ch.isalnum() for ch in text[lo:hi]):
            bounds.append((lo, hi))
        if match:
            start = match.end()
    return bounds


def _whole(text: str) -> tuple[int, int]:
    """The bounds of a reply with no clause (emoji, punctuation): all of it but the outer spaces."""
    start, end = _trimmed(text, 0, len(text))
    if start == end:
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
    return start, end


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _CLAUSE_GLUE:
        start += 1
    while end > start and text[end - 1] in _CLAUSE_GLUE:
        end -= 1
    return start, end


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


@dataclass
class EmpathyPass:
    """What one batched forward pass gives for each item."""

    log_probs: np.ndarray  # (n, mechanisms, 3) level log-probabilities of the served heads
    tags: list[np.ndarray]  # per item, (tokens, mechanisms) tag probabilities
    blocker_probs: np.ndarray | None  # (n, blocker classes); None without a blocker head
    epitome_log_probs: np.ndarray  # (n, mechanisms, 3) of the EPITOME heads (log_probs without coaching heads)


class EmpathyScorer(ServedModel):
    """Loaded once per process by the registry; ``analyse`` scores a batch of (context, response).

    An artefact's config may carry ``level_thresholds`` (t_1, t_2 per mechanism: the shown level is
    the confident one, see ``confident_levels``) and, with a blocker head, ``blockers`` (its classes)
    and ``blocker_threshold``. Without them levels are the argmax after offsets and no blocker is named.
    With ``coaching_levels`` (true) the levels served are the coaching heads'; the EPITOME heads stay
    readable for ``evaluate_empathy``, as the argmax after ``epitome_level_bias``.
    """

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
        thresholds = config.get("level_thresholds")
        self.level_thresholds: np.ndarray | None = None
        if thresholds:
            self.level_thresholds = np.array([thresholds[m] for m in EMPATHY_MECHANISMS], dtype=np.float32)
            if self.level_thresholds.shape != (len(EMPATHY_MECHANISMS), 2):
                raise ArtefactError(f"level_thresholds must give [t_1, t_2] per mechanism, got {thresholds!r}")
        self.blocker_classes = blocker_classes(config)
        self.blocker_threshold = float(config.get("blocker_threshold", 0.5))
        self.has_coaching_levels = bool(config.get("coaching_levels", False))
        epitome_bias = config.get("epitome_level_bias") or {}
        self.epitome_bias = np.array(
            [epitome_bias.get(m, [0.0, 0.0, 0.0]) for m in EMPATHY_MECHANISMS], dtype=np.float32
        )

    @classmethod
    def build(cls, encoder: nn.Module, config: dict[str, Any]) -> EmpathyModel:
        return EmpathyModel(
            encoder, blockers=len(blocker_classes(config)), coaching_levels=bool(config.get("coaching_levels", False))
        )

    def encode(self, contexts: Sequence[str], texts: Sequence[str]) -> list[EncodedText]:
        return encode_pairs(self.tokenizer, contexts, texts, self.max_len)

    def score(
        self, items: Sequence[EncodedText], batch_size: int = 64, pad_multiple: int = PAD_MULTIPLE
    ) -> EmpathyPass:
        """Every head's output for ``items``, in one batched pass."""
        log_probs = np.zeros((len(items), len(EMPATHY_MECHANISMS), LEVELS), dtype=np.float32)
        epitome_log_probs = log_probs if not self.has_coaching_levels else np.zeros_like(log_probs)
        tags: list[np.ndarray] = [np.zeros((0, len(EMPATHY_MECHANISMS)))] * len(items)
        blocker_probs = np.zeros((len(items), len(self.blocker_classes)), dtype=np.float32)
        with torch.inference_mode():
            for batch_index in length_sorted_batches([len(item) for item in items], batch_size):
                batch = collate([items[i] for i in batch_index], self.tokenizer.pad_token_id, self.device, pad_multiple)
                logits = self.model(batch)
                epitome_log_probs[batch_index] = torch.log_softmax(logits.levels.float(), -1).cpu().numpy()
                if logits.coaching_levels is not None:
                    log_probs[batch_index] = torch.log_softmax(logits.coaching_levels.float(), -1).cpu().numpy()
                tag_probs = torch.sigmoid(logits.tags.float()).cpu().numpy()
                for row, i in enumerate(batch_index):
                    tags[i] = tag_probs[row, : len(items[i])]
                if logits.blockers is not None:
                    blocker_probs[batch_index] = torch.softmax(logits.blockers.float(), -1).cpu().numpy()
        return EmpathyPass(log_probs, tags, blocker_probs if self.blocker_classes else None, epitome_log_probs)

    def forward_encoded(
        self, items: Sequence[EncodedText], batch_size: int = 64, pad_multiple: int = PAD_MULTIPLE
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Level log-probabilities (n, 3, 3) before the tuned offsets, and tag probabilities per item."""
        scored = self.score(items, batch_size, pad_multiple)
        return scored.log_probs, scored.tags

    def levels(self, log_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Levels shown and probabilities after the per-level offsets: the confident level where the
        artefact has thresholds, else the most probable one."""
        probs = level_probs(log_probs, self.level_bias)
        if self.level_thresholds is None:
            return probs.argmax(-1), probs
        return confident_levels(probs, self.level_thresholds), probs

    def epitome_levels(self, epitome_log_probs: np.ndarray) -> np.ndarray:
        """Levels by EPITOME's convention, for ``evaluate_empathy``: the EPITOME heads' argmax after
        their offsets (the served levels themselves where the artefact has no coaching heads)."""
        if not self.has_coaching_levels:
            return self.levels(epitome_log_probs)[0]
        shown: np.ndarray = level_probs(epitome_log_probs, self.epitome_bias).argmax(-1)
        return shown

    def results(
        self, texts: Sequence[str], items: Sequence[EncodedText], log_probs: np.ndarray, tags: Sequence[np.ndarray]
    ) -> list[EmpathyReading]:
        levels, probs = self.levels(log_probs)
        out = []
        for i, text in enumerate(texts):
            if not text.strip():
                out.append(empty_empathy_result())
                continue
            row_levels: list[EmpathyLevel] = levels[i].tolist()  # the levels shown
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

    def named_blockers(self, blocker_probs: np.ndarray | None, texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        """Per text, the (class, probability) of each blocker at or over the threshold, most
        probable first; none for empty texts or without a blocker head."""
        if blocker_probs is None:
            return [[] for _ in texts]
        named = []
        for i, text in enumerate(texts):
            row = blocker_probs[i].tolist()
            found = [(c, row[c]) for c in range(1, len(row)) if text.strip() and row[c] >= self.blocker_threshold]
            named.append(sorted(found, key=lambda pair: -pair[1]))
        return named

    def blockers(
        self,
        texts: Sequence[str],
        contexts: Sequence[str],
        items: Sequence[EncodedText],
        blocker_probs: np.ndarray | None,
        batch_size: int = 64,
    ) -> list[list[BlockerSpan]]:
        """The blockers named in each reply with the clause that carries each one.

        A reply of several clauses has each clause scored against the same context, in one batched
        pass for all such replies; a blocker's span is its most probable clause. Only the clauses
        the model read (within its max length) are candidates.
        """
        named = self.named_blockers(blocker_probs, texts)
        clauses: list[list[tuple[int, int]]] = [[] for _ in texts]
        pairs: list[tuple[int, int]] = []  # (reply, clause) of each clause scored in the extra pass
        for i, found in enumerate(named):
            if not found:
                continue
            read_end = max((span[1] for span in items[i].spans if span is not None), default=len(texts[i]))
            clauses[i] = [c for c in clause_bounds(texts[i]) if c[0] < read_end] or [_whole(texts[i])]
            if len(clauses[i]) > 1:
                pairs += [(i, k) for k in range(len(clauses[i]))]
        clause_probs = np.zeros((0, len(self.blocker_classes)), dtype=np.float32)
        if pairs:
            clause_items = self.encode(
                [contexts[i] for i, _ in pairs],
                [texts[i][clauses[i][k][0] : clauses[i][k][1]] for i, k in pairs],
            )
            scored = self.score(clause_items, batch_size=batch_size)
            assert scored.blocker_probs is not None
            clause_probs = scored.blocker_probs
        rows_of: dict[int, list[int]] = {}
        for row, (i, _) in enumerate(pairs):
            rows_of.setdefault(i, []).append(row)
        out: list[list[BlockerSpan]] = []
        for i, found in enumerate(named):
            spans: list[BlockerSpan] = []
            for c, probability in found:
                rows = rows_of.get(i)
                k = int(np.argmax(clause_probs[rows, c])) if rows else 0
                start, end = clauses[i][k]
                spans.append(
                    {
                        "name": cast(BlockerName, self.blocker_classes[c]),
                        "start": start,
                        "end": end,
                        "text": texts[i][start:end],
                        "probability": round(probability, 4),
                    }
                )
            out.append(spans)
        return out

    def analyse(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None, batch_size: int = 64
    ) -> list[EmpathyReading]:
        """The "empathy" part of an analysis for each response, in input order."""
        contexts = list(contexts) if contexts is not None else [""] * len(texts)
        items = self.encode(contexts, texts)
        log_probs, tags = self.forward_encoded(items, batch_size=batch_size)
        return self.results(texts, items, log_probs, tags)


def blocker_classes(config: dict[str, Any]) -> tuple[str, ...]:
    """The blocker head's classes an artefact's config lists (empty: no head); only the guide's
    eight, in ``BLOCKER_CLASSES`` order, are understood."""
    listed = tuple(config.get("blockers") or ())
    if listed and listed != BLOCKER_CLASSES:
        raise ArtefactError(f"unknown blocker classes {list(listed)}; this code knows {list(BLOCKER_CLASSES)}")
    return listed
