"""Helpers the inference commands share: registry configuration from settings, JSON output."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def configure_registry(**overrides: Any) -> None:
    """Configure the model registry from ``settings.INFERENCE`` (what the worker uses)."""
    from inference import registry

    options = {k: v for k, v in dict(getattr(settings, "INFERENCE", {})).items() if k in {"device", "threads", "quantize", "base_model_path", "dtype"}}
    options.update({k: v for k, v in overrides.items() if v is not None})
    registry.configure(registry.InferenceConfig(**options))


def write_json_last(command: BaseCommand, payload: dict[str, Any]) -> None:
    """The JSON object is the last line printed, so scripts can read ``tail -1``."""
    command.stdout.write(json.dumps(payload, sort_keys=True))
