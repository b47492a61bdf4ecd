"""The learned risk classifier: none / concern / crisis for a text, beside the safety screen's rules.

The base encoder (its first ``layers`` transformer layers, fine-tuned), mean pooling and one linear
layer over the three levels. Trained by ``manage.py train_safety`` on the team's safety lines and
labelled EPITOME seeker posts (``inference/data/safety``); the artefact's config holds the
thresholds tuned on the dev split. ``read`` gives each text a ``RiskReading``; ``inference.safety``
combines it with the rules. English only: the encoder's vocabulary has no pieces for much of
Chinese, so Chinese text is left to the written list (``inference.safety_zh``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from inference.encoder import (
    PAD_MULTIPLE,
    EncodedText,
    ServedModel,
    collate,
    encode_texts,
    encoder_config,
    freeze_embeddings,
    length_sorted_batches,
    load_base_encoder,
    mean_pool,
)
from inference.safety_triggers import ENGLISH_FUNCTION_WORDS
from inference.schema import RiskReading, SafetyLevel

LEVELS: tuple[SafetyLevel, ...] = ("none", "concern", "crisis")
MAX_WORDS = 3
MIN_WORD_CHARS = 3  # "t" of "wasn't", "up": too short to say why a text was flagged


class RiskModel(nn.Module):
    """Encoder (cut to ``layers``), mean pooling, a linear layer over the three levels."""

    def __init__(self, encoder: nn.Module, layers: int | None = None, dropout: float = 0.1):
        super().__init__()
        if layers is not None:
            stack = encoder.get_submodule("encoder.layer")
            if not isinstance(stack, nn.ModuleList) or not 1 <= layers <= len(stack):
                raise ValueError(f"the base encoder has no {layers} layers to keep")
            encoder.get_submodule("encoder").layer = stack[:layers]
            encoder_config(encoder).num_hidden_layers = layers
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder_config(encoder).hidden_size, len(LEVELS))

    def encode(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(**batch).last_hidden_state
        return hidden, mean_pool(hidden, batch["attention_mask"])

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        _, pooled = self.encode(batch)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


def build_risk_model(base_path: Any, layers: int | None = None) -> RiskModel:
    encoder = load_base_encoder(base_path)
    freeze_embeddings(encoder)
    return RiskModel(encoder, layers=layers)


class RiskClassifier(ServedModel):
    """Loaded once per process by the registry; ``read`` takes a whole batch of texts."""

    model: RiskModel
    default_max_len = 256

    def __init__(self, model: RiskModel, tokenizer: Any, config: dict[str, Any], device: torch.device, *, version: str):
        super().__init__(model, tokenizer, config, device, version=version)
        thresholds = config.get("thresholds", {})
        self.crisis_threshold = float(thresholds.get("crisis", 0.5))
        self.flag_threshold = float(thresholds.get("flag", 0.5))
        self.harmless_threshold = float(thresholds.get("harmless", 1.01))  # > 1: never overrule a rule
        self.certain_threshold = float(thresholds.get("certain", 1.01))

    @classmethod
    def build(cls, encoder: nn.Module, config: dict[str, Any]) -> RiskModel:
        return RiskModel(encoder, layers=config.get("layers"))

    def encode(self, texts: Sequence[str]) -> list[EncodedText]:
        return encode_texts(self.tokenizer, texts, self.max_len)

    def probabilities(self, items: Sequence[EncodedText], batch_size: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
        """P(none, concern, crisis) per item, and per token what it adds to two logit differences.

        With mean pooling and a linear head each logit is an exact sum over tokens (w . h_t / T),
        so the words behind a flag cost one small matmul, as the emotion detector's highlights do.
        Column 0 is the risk direction, (concern + crisis) / 2 - none, for a concern; column 1 the
        crisis direction, crisis - none, for a crisis (a crisis read at a low P(crisis) threshold
        may have no word that pushes the averaged direction up, and would name no words).
        """
        probs = np.zeros((len(items), len(LEVELS)), dtype=np.float32)
        tokens: list[np.ndarray] = [np.zeros((0, 2), dtype=np.float32)] * len(items)
        weight = self.model.head.weight
        directions = torch.stack([(weight[1] + weight[2]) / 2 - weight[0], weight[2] - weight[0]], dim=1)
        with torch.inference_mode():
            for batch_index in length_sorted_batches([len(item) for item in items], batch_size):
                batch = collate([items[i] for i in batch_index], self.tokenizer.pad_token_id, self.device, PAD_MULTIPLE)
                hidden, pooled = self.model.encode(batch)
                probs[batch_index] = torch.softmax(self.model.head(pooled).float(), dim=-1).cpu().numpy()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                contrib = (hidden @ directions.to(hidden.dtype)) * mask / mask.sum(1, keepdim=True)
                contrib_np = contrib.float().cpu().numpy()
                for row, i in enumerate(batch_index):
                    tokens[i] = contrib_np[row, : len(items[i])]
        return probs, tokens

    def read(self, texts: Sequence[str], batch_size: int = 64) -> list[RiskReading]:
        """The classifier's reading of each text, in input order (empty text: certainly none)."""
        texts = [text if isinstance(text, str) else str(text) for text in texts]
        items = self.encode(texts)
        probs, tokens = self.probabilities(items, batch_size=batch_size)
        out: list[RiskReading] = []
        for i, text in enumerate(texts):
            if not text.strip():
                out.append(
                    {
                        "level": "none",
                        "probs": {"none": 1.0, "concern": 0.0, "crisis": 0.0},
                        "harmless": True,
                        "certain": True,
                        "words": [],
                    }
                )
                continue
            p_none, p_concern, p_crisis = (float(x) for x in probs[i])
            level: SafetyLevel = "none"
            if p_crisis >= self.crisis_threshold:
                level = "crisis"
            elif p_concern + p_crisis >= self.flag_threshold:
                level = "concern"
            out.append(
                {
                    "level": level,
                    "probs": {"none": round(p_none, 4), "concern": round(p_concern, 4), "crisis": round(p_crisis, 4)},
                    "harmless": p_none >= self.harmless_threshold,
                    "certain": p_none >= self.certain_threshold,
                    "words": _top_words(text, items[i], tokens[i][:, 1 if level == "crisis" else 0])
                    if level != "none"
                    else [],
                }
            )
        return out


def _top_words(text: str, item: EncodedText, scores: np.ndarray) -> list[str]:
    """The content words that pushed the text towards risk most, most first."""
    groups = item.word_groups(min(len(item.spans), len(scores)))
    if not len(groups):
        return []
    sums = groups.sums(scores[:, None])[:, 0]
    chosen: list[str] = []
    for k in np.argsort(-sums, kind="stable"):
        if sums[k] <= 0 or len(chosen) >= MAX_WORDS:
            break
        word = text[groups.starts[k] : groups.ends[k]]
        if len(word) >= MIN_WORD_CHARS and word.isalpha() and word.lower() not in ENGLISH_FUNCTION_WORDS:
            chosen.append(word)
    return chosen
