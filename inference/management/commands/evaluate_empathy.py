"""python manage.py evaluate_empathy --data FILE [--json]: score the committed empathy scorer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import add_evaluate_arguments, evaluate_from_options, write_json_last


class Command(BaseCommand):
    help = "Evaluate the empathy scorer on an EPITOME-format CSV (same columns as ../shared/data/epitome)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_evaluate_arguments(parser, "EPITOME-format CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import registry
        from inference.evaluation import evaluate_empathy
        from inference.labels import EMPATHY_MECHANISM_NAMES

        result = evaluate_from_options(options, evaluate_empathy, registry.empathy_scorer)
        for mechanism, name in EMPATHY_MECHANISM_NAMES.items():
            figures = result[mechanism]
            self.stdout.write(f"{name}: accuracy {figures['accuracy']:.4f}, macro-F1 {figures['macro_f1']:.4f}")
        served = result.get("served_macro_f1")
        if served:
            # The EPITOME heads are scored above; a learner is shown the coaching heads' levels.
            self.stdout.write(
                "levels shown to learners (coaching heads), macro-F1: "
                + ", ".join(f"{m.upper()} {served[m]:.4f}" for m in EMPATHY_MECHANISM_NAMES)
            )
        self.stdout.write(f"n = {result['n']}")
        if options["json"]:
            write_json_last(self, result)
