"""Sentence vectors from the plain base encoder (all-MiniLM-L6-v2: mean pooled, normalised).

``inference.analysis.similarity`` uses them to match a learner's turn against a persona's authored
cues for the scripted persona engine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from inference.encoder import (
    collate,
    encode_texts,
    encoder_config,
    length_sorted_batches,
    load_base_encoder,
    load_tokenizer,
    mean_pool,
    resolve_base_path,
    resolve_dtype,
)

MAX_LEN = 128  # all-MiniLM-L6-v2 was trained on 128 word pieces
CACHE_SIZE = 4096


class SentenceEncoder:
    def __init__(self, model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, device: torch.device):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.hidden_size = encoder_config(model).hidden_size
        # Authored cues come back on every turn: keep their vectors.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls, base_model_path: str | Path | None = None, device: str | torch.device = "cpu", dtype: str = "auto"
    ) -> SentenceEncoder:
        base_path = resolve_base_path(base_model_path)
        device = torch.device(device)
        model = load_base_encoder(base_path).to(device, resolve_dtype(dtype, device))
        return cls(model, load_tokenizer(base_path), device)

    def _embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        items = encode_texts(self.tokenizer, texts, MAX_LEN)
        out = np.zeros((len(items), self.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for index in length_sorted_batches([len(x) for x in items], batch_size):
                batch = collate([items[i] for i in index], self.tokenizer.pad_token_id, self.device)
                pooled = mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])
                out[index] = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text (empty text: the zero vector)."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        vectors: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text.strip() and text in self._cache:
                    vectors[text] = self._cache[text]
        missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in vectors))
        if missing:
            vectors.update(zip(missing, self._embed(missing), strict=True))
            with self._lock:
                for text in missing:
                    self._cache[text] = vectors[text]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        zero = np.zeros(self.hidden_size, dtype=np.float32)
        if not texts:
            return np.zeros((0, zero.size), dtype=np.float32)
        return np.stack([vectors.get(t, zero) for t in texts])
