"""One instance of each model per process, loaded on first use, after any fork.

A Celery worker calls ``configure(InferenceConfig(**settings.INFERENCE))`` and ``warm()`` in
``worker_process_init``; management commands and tests may call ``configure`` themselves or rely
on the defaults. Importing this module does not import torch: the model modules load lazily.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inference.emotion import EmotionDetector
    from inference.empathy import EmpathyScorer
    from inference.similarity import SentenceEncoder

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"


@dataclass(frozen=True)
class InferenceConfig:
    device: str = "auto"  # auto (CUDA when available), cpu or cuda
    threads: int = 2  # torch intra-op threads on CPU
    quantize: bool = False  # int8 dynamic quantisation of the Linear layers on CPU
    base_model_path: str | None = None  # local folder of the base encoder; default: the PyPI package
    dtype: str = "auto"  # auto (bf16 on CUDA or AMX CPUs), float32 or bfloat16; quantize implies float32
    artefacts_dir: Path = field(default=ARTEFACTS_DIR)


_lock = threading.RLock()
_config = InferenceConfig()
_models: dict[str, Any] = {}
_threads_set = False


def configure(config: InferenceConfig | None = None, **overrides: Any) -> InferenceConfig:
    """Set the configuration; models loaded under another configuration are dropped."""
    global _config, _threads_set
    new = replace(config or _config, **overrides)
    if new.artefacts_dir is not None and not isinstance(new.artefacts_dir, Path):
        new = replace(new, artefacts_dir=Path(new.artefacts_dir))
    with _lock:
        if new != _config:
            _models.clear()
            _threads_set = False
        _config = new
    return new


def config() -> InferenceConfig:
    return _config


def device() -> Any:
    import torch

    if _config.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(_config.device)


def _prepare_torch() -> None:
    global _threads_set
    if _threads_set:
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    if device().type == "cpu" and _config.threads:
        torch.set_num_threads(int(_config.threads))
    _threads_set = True


def _get(name: str, load: Any) -> Any:
    model = _models.get(name)
    if model is not None:
        return model
    with _lock:
        model = _models.get(name)
        if model is None:
            _prepare_torch()
            model = load()
            _models[name] = model
        return model


def emotion_detector() -> EmotionDetector:
    def load() -> EmotionDetector:
        from inference.emotion import EmotionDetector

        return EmotionDetector.load(
            _config.artefacts_dir / "emotion",
            _config.base_model_path,
            device(),
            quantize=_config.quantize,
            dtype=_config.dtype,
        )

    return _get("emotion", load)


def empathy_scorer() -> EmpathyScorer:
    def load() -> EmpathyScorer:
        from inference.empathy import EmpathyScorer

        return EmpathyScorer.load(
            _config.artefacts_dir / "empathy",
            _config.base_model_path,
            device(),
            quantize=_config.quantize,
            dtype=_config.dtype,
        )

    return _get("empathy", load)


def sentence_encoder() -> SentenceEncoder:
    def load() -> SentenceEncoder:
        from inference.similarity import SentenceEncoder

        return SentenceEncoder.load(_config.base_model_path, device(), dtype=_config.dtype)

    return _get("similarity", load)


def warm() -> None:
    """Load every model and run one tiny batch through each, so the first real turn is fast."""
    from inference.analysis import TurnInput, analyse_turns

    emotion_detector()
    empathy_scorer()
    sentence_encoder().encode(["warm up"])
    analyse_turns([TurnInput(text="Thanks for telling me. How are you feeling now?", context="I had a rough day.")])


def loaded() -> list[str]:
    return sorted(_models)
