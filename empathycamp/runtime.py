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


def inference_warm() -> None:
    """Configure the registry and load every model now, so the first learner turn waits for no load."""
    inference_configure()
    analysis.warm()
    logger.info("Inference models warm (%s)", settings.INFERENCE)
