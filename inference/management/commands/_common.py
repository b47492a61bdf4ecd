"""Helpers the inference commands share: registry configuration from settings, the evaluate and
train commands' options and error handling, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def configure_registry(**overrides: Any) -> None:
    """Configure the model registry from ``settings.INFERENCE`` (what the worker uses)."""
    from inference import registry

    options = {
        k: v
        for k, v in dict(getattr(settings, "INFERENCE", {})).items()
        if k in {"device", "threads", "quantize", "base_model_path", "dtype"}
    }
    options.update({k: v for k, v in overrides.items() if v is not None})
    registry.configure(registry.InferenceConfig(**options))


def write_json_last(command: BaseCommand, payload: dict[str, Any]) -> None:
    """The JSON object is the last line printed, so scripts can read ``tail -1``."""
    command.stdout.write(json.dumps(payload, sort_keys=True))


def add_evaluate_arguments(parser: CommandParser, data_help: str) -> None:
    """``--data`` plus the options every evaluate command takes."""
    parser.add_argument("--data", required=True, help=data_help)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--device", default=None, help="override settings.INFERENCE['device']")
    parser.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation (CPU)")


def evaluate_from_options(
    options: dict[str, Any], evaluate: Callable[[Path, Any], dict[str, Any]], model: Callable[[], Any]
) -> dict[str, Any]:
    """Configure the registry from the options, then ``evaluate(--data, model())``; a malformed data
    file becomes a CommandError naming the line."""
    from inference.training.data import DataFormatError

    configure_registry(device=options["device"], quantize=True if options["quantize"] else None)
    try:
        return evaluate(Path(options["data"]), model())
    except DataFormatError as exc:
        raise CommandError(str(exc)) from exc


def train_from_options(
    command: BaseCommand,
    options: dict[str, Any],
    *,
    name: str,
    train: Callable[..., Any],
    config_from_args: Callable[[Any], Any],
) -> None:
    """Run a trainer with the command's options, logging to its stdout; the model card records the
    ``manage.py`` command line when ``name`` was run from one."""
    from argparse import Namespace

    from inference.training.data import DataFormatError

    try:
        train(
            Path(options["data"]),
            Path(options["out"]),
            config_from_args(Namespace(**options)),
            log=lambda line: command.stdout.write(line),
            argv=["python", *sys.argv] if name in sys.argv else None,
        )
    except DataFormatError as exc:
        raise CommandError(str(exc)) from exc
