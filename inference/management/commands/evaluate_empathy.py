"""python manage.py evaluate_empathy --data FILE [--json]: score the committed empathy scorer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.management.commands._common import configure_registry, write_json_last


class Command(BaseCommand):
    help = "Evaluate the empathy scorer on an EPITOME-format CSV (same columns as ../shared/data/epitome)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="EPITOME-format CSV file")
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
        parser.add_argument("--device", default=None, help="override settings.INFERENCE['device']")
        parser.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation (CPU)")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import registry
        from inference.evaluation import evaluate_empathy
        from inference.labels import EMPATHY_MECHANISM_NAMES

        from inference.training.data import DataFormatError

        configure_registry(device=options["device"], quantize=True if options["quantize"] else None)
        try:
            result = evaluate_empathy(Path(options["data"]), registry.empathy_scorer())
        except DataFormatError as exc:
            raise CommandError(str(exc)) from exc
        for mechanism, name in EMPATHY_MECHANISM_NAMES.items():
            figures = result[mechanism]
            self.stdout.write(f"{name}: accuracy {figures['accuracy']:.4f}, macro-F1 {figures['macro_f1']:.4f}")
        self.stdout.write(f"n = {result['n']}")
        if options["json"]:
            write_json_last(self, result)
