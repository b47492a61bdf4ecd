"""Inference configuration for whichever process runs the analysis: a Celery worker, or the web
process itself in embedded mode. Both apply `settings.INFERENCE` the same way, once per process.

Importing this module imports no model code: `inference.analysis` and `inference.registry` load
torch only when a model is first used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from inference import analysis, registry

logger = logging.getLogger(__name__)

_configured = False
_lock = threading.Lock()


def inference_configure(**overrides: Any) -> None:
    """Configure the model registry from settings.INFERENCE (and `overrides` of it), once per process.
    The worker does it at start; in embedded mode the first task does it."""
    global _configured
    with _lock:
        if _configured:
            return
        values: Mapping[str, Any] = settings.INFERENCE  # device, threads, quantize, base_model_path, dtype
        registry.configure(registry.InferenceConfig(**{**values, **overrides}))
        _configured = True


_generator_configured = False


def generator_configure() -> None:
    """Configure the generative persona's model from settings PERSONA_* (once per process); it loads
    on first use, or in `generator_warm`."""
    global _generator_configured
    from inference.generation import GeneratorConfig

    with _lock:
        if _generator_configured:
            return
        registry.configure_generator(
            GeneratorConfig(
                model_path=settings.PERSONA_MODEL_PATH,
                adapter_path=settings.PERSONA_ADAPTER_PATH,
                cache_dir=settings.PERSONA_MODEL_CACHE_DIR,
                dtype=settings.INFERENCE["dtype"],
                max_new_tokens=settings.PERSONA_MAX_NEW_TOKENS,
                temperature=settings.PERSONA_TEMPERATURE,
            )
        )
        _generator_configured = True


def generator_warm() -> None:
    """Load the generative persona's model and the safety screen it passes through, now: the
    generation worker at start (the default model is converted from its GGUF the first time)."""
    inference_configure()
    generator_configure()
    registry.persona_generator()
    analysis.screen_generated(["I waited all morning."])
    analysis.detect_emotions(["I waited all morning."])
    logger.info("Persona generator warm (%s)", registry.persona_generator().version)


def inference_warm() -> None:
    """Configure the registry and load every model now, so the first learner turn waits for no load."""
    inference_configure()
    analysis.warm()
    logger.info("Inference models warm (%s)", settings.INFERENCE)
