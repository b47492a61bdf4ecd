"""python manage.py evaluate_emotion --data FILE [--json]: score the committed emotion detector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.management.commands._common import configure_registry, write_json_last


class Command(BaseCommand):
    help = "Evaluate the emotion detector on a GoEmotions-format TSV (text, label ids, id; no header)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="GoEmotions-format TSV file")
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
        parser.add_argument("--device", default=None, help="override settings.INFERENCE['device']")
        parser.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation (CPU)")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import registry
        from inference.evaluation import evaluate_emotion
        from inference.training.data import DataFormatError

        configure_registry(device=options["device"], quantize=True if options["quantize"] else None)
        try:
            result = evaluate_emotion(Path(options["data"]), registry.emotion_detector())
        except DataFormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result['n']} texts: macro-F1 {result['macro_f1']:.4f}, micro-F1 {result['micro_f1']:.4f}, "
            f"Ekman macro-F1 {result['ekman_macro_f1']:.4f}, sentiment macro-F1 {result['sentiment_macro_f1']:.4f}"
        )
        if options["json"]:
            write_json_last(self, result)
