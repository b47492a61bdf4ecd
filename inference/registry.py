"""One instance of each model per process, loaded on first use, after any fork.

A Celery worker calls ``configure(InferenceConfig(**settings.INFERENCE))`` and then
``inference.analysis.warm()`` in ``worker_process_init``; management commands and tests may call
``configure`` themselves or rely on the defaults. This module only configures and loads models;
``inference.analysis`` runs them. Importing it does not import torch: each model module is
imported when its model is first loaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import torch

    from inference.emotion import EmotionDetector
    from inference.empathy import EmpathyScorer
    from inference.generation import GeneratorConfig, PersonaGenerator
    from inference.risk import RiskClassifier
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


ModelT = TypeVar("ModelT")

_lock = threading.RLock()
_config = InferenceConfig()
_threads_set = False


class _Slot(Generic[ModelT]):
    """Where one model lives in this process: loaded by ``load`` on first ``get``, dropped by ``configure``."""

    def __init__(self, name: str, load: Callable[[], ModelT]):
        self.name = name
        self._load = load
        self.model: ModelT | None = None

    def get(self) -> ModelT:
        model = self.model
        if model is None:
            with _lock:
                model = self.model
                if model is None:
                    _prepare_torch()
                    model = self.model = self._load()
        return model


def configure(config: InferenceConfig | None = None, **overrides: Any) -> InferenceConfig:
    """Set the configuration; models loaded under another configuration are dropped."""
    global _config, _threads_set
    new = replace(config or _config, **overrides)
    if new.artefacts_dir is not None and not isinstance(new.artefacts_dir, Path):
        new = replace(new, artefacts_dir=Path(new.artefacts_dir))
    with _lock:
        if new != _config:
            # The generator too: it is loaded on this configuration's device.
            for slot in (*_SLOTS, _generator):
                slot.model = None
            _threads_set = False
        _config = new
    return new


def config() -> InferenceConfig:
    return _config


def device() -> torch.device:
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


def _load_emotion() -> EmotionDetector:
    from inference.emotion import EmotionDetector

    return EmotionDetector.load(
        _config.artefacts_dir / "emotion",
        _config.base_model_path,
        device(),
        quantize=_config.quantize,
        dtype=_config.dtype,
    )


def _load_empathy() -> EmpathyScorer:
    from inference.empathy import EmpathyScorer

    return EmpathyScorer.load(
        _config.artefacts_dir / "empathy",
        _config.base_model_path,
        device(),
        quantize=_config.quantize,
        dtype=_config.dtype,
    )


def _load_risk() -> RiskClassifier:
    from inference.risk import RiskClassifier

    return RiskClassifier.load(
        _config.artefacts_dir / "risk",
        _config.base_model_path,
        device(),
        quantize=_config.quantize,
        dtype=_config.dtype,
    )


def _load_sentence_encoder() -> SentenceEncoder:
    from inference.similarity import SentenceEncoder

    return SentenceEncoder.load(_config.base_model_path, device(), dtype=_config.dtype)


_emotion = _Slot("emotion", _load_emotion)
_empathy = _Slot("empathy", _load_empathy)
_risk = _Slot("risk", _load_risk)
_sentence_encoder = _Slot("similarity", _load_sentence_encoder)
_SLOTS: tuple[_Slot[Any], ...] = (_emotion, _empathy, _risk, _sentence_encoder)


def emotion_detector() -> EmotionDetector:
    """This process's emotion detector (loaded on the first call)."""
    return _emotion.get()


def empathy_scorer() -> EmpathyScorer:
    """This process's empathy scorer (loaded on the first call)."""
    return _empathy.get()


def risk_classifier() -> RiskClassifier:
    """This process's learned risk classifier, the safety screen's second half (loaded on the first call)."""
    return _risk.get()


def sentence_encoder() -> SentenceEncoder:
    """This process's plain sentence encoder, for similarity (loaded on the first call)."""
    return _sentence_encoder.get()


# The generative persona's language model has a configuration of its own (settings PERSONA_*): a
# process that only analyses turns never loads it, and changing it drops only it.
_generator_config: GeneratorConfig | None = None


def _load_generator() -> PersonaGenerator:
    from inference.generation import GeneratorConfig, PersonaGenerator

    config = _generator_config or GeneratorConfig()
    return PersonaGenerator.load(replace(config, device=_config.device))


_generator = _Slot("generator", _load_generator)


def configure_generator(config: GeneratorConfig) -> None:
    """Set the generative persona's model configuration; a generator loaded under another is dropped."""
    global _generator_config
    with _lock:
        if config != _generator_config:
            _generator.model = None
        _generator_config = config


def persona_generator() -> PersonaGenerator:
    """This process's generative persona model (loaded, or converted from its GGUF, on the first call)."""
    return _generator.get()


def loaded() -> list[str]:
    """The names of the models this process holds now."""
    return sorted(slot.name for slot in (*_SLOTS, _generator) if slot.model is not None)
