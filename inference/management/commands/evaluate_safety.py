"""``manage.py evaluate_safety --data FILE [--json] [--rules-only]``: score the safety screen."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.safety import screen_texts
from inference.safety_eval import SafetyDataError, evaluate, format_report, load_labelled_csv
from inference.schema import SafetyResult

# The headline keys evaluators read from the JSON line; the rest is detail.
_JSON_KEYS = (
    "crisis_recall",
    "crisis_precision",
    "false_alarm_rate",
    "concern_recall",
    "n",
    "flag_recall",
    "accuracy",
    "support",
    "per_level",
    "confusion",
)


class Command(BaseCommand):
    help = (
        "Evaluate the safety screen on a CSV with columns text,label (label none, concern or crisis). "
        "By default the screen as learners meet it: the rules, the emotion model's lift and the learned "
        "risk classifier; --rules-only scores the written rules alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV file with columns text,label.")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object as the last line (crisis_recall, crisis_precision, "
            "false_alarm_rate, concern_recall, n, confusion).",
        )
        parser.add_argument(
            "--rules-only",
            action="store_true",
            help="The written rules alone (English and Chinese lists), without any model.",
        )
        parser.add_argument("--show-mistakes", action="store_true", help="List the lines the screen got wrong.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = load_labelled_csv(options["data"])
        except SafetyDataError as error:
            raise CommandError(str(error)) from error

        screen = screen_texts if options["rules_only"] else _served_screen
        report = evaluate(rows, screen=screen)
        report["screen"] = "rules" if options["rules_only"] else "rules+models"

        if options["json"]:
            payload = {key: report[key] for key in _JSON_KEYS}
            payload["screen"] = report["screen"]
            if options["show_mistakes"]:
                payload["mistakes"] = report["mistakes"]
            self.stdout.write(json.dumps(payload, sort_keys=True))
        else:
            self.stdout.write(format_report(report, show_mistakes=options["show_mistakes"]))


def _served_screen(
    texts: Sequence[object], emotions: Sequence[Mapping[str, object] | None] | None
) -> list[SafetyResult]:
    """The screen the worker runs (imported when asked for: the rules-only run loads no model)."""
    from inference.analysis import safety_screen

    return safety_screen(texts)
