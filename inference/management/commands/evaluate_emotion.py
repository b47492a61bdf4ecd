"""python manage.py evaluate_emotion --data FILE [--json]: score the committed emotion detector."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import add_evaluate_arguments, evaluate_from_options, write_json_last


class Command(BaseCommand):
    help = "Evaluate the emotion detector on a GoEmotions-format TSV (text, label ids, id; no header)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_evaluate_arguments(parser, "GoEmotions-format TSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import registry
        from inference.evaluation import evaluate_emotion

        result = evaluate_from_options(options, evaluate_emotion, registry.emotion_detector)
        self.stdout.write(
            f"{result['n']} texts: macro-F1 {result['macro_f1']:.4f}, micro-F1 {result['micro_f1']:.4f}, "
            f"Ekman macro-F1 {result['ekman_macro_f1']:.4f}, sentiment macro-F1 {result['sentiment_macro_f1']:.4f}"
        )
        if options["json"]:
            write_json_last(self, result)
