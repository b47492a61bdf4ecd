"""``manage.py evaluate_safety --data FILE [--json] [--with-emotions]``: score the safety screen."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.safety_eval import SafetyDataError, evaluate, format_report, load_labelled_csv
from inference.schema import EmotionReading

# The headline keys evaluators read from the JSON line; the rest is detail.
_JSON_KEYS = (
    "crisis_recall",
    "crisis_precision",
    "false_alarm_rate",
    "n",
    "flag_recall",
    "accuracy",
    "support",
    "per_level",
    "confusion",
)


class Command(BaseCommand):
    help = (
        "Evaluate the safety screen on a CSV with columns text,label (label none, concern or "
        "crisis). Rules only by default; --with-emotions adds the emotion model's signals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV file with columns text,label.")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object as the last line (crisis_recall, crisis_precision, "
            "false_alarm_rate, n, confusion).",
        )
        parser.add_argument(
            "--with-emotions",
            action="store_true",
            help="Run the emotion model first and let its signals lift weak cues to concern.",
        )
        parser.add_argument("--show-mistakes", action="store_true", help="List the lines the screen got wrong.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = load_labelled_csv(options["data"])
        except SafetyDataError as error:
            raise CommandError(str(error)) from error

        emotions = _emotions([row.text for row in rows]) if options["with_emotions"] else None
        report = evaluate(rows, emotions=emotions)
        report["with_emotions"] = emotions is not None

        if options["json"]:
            payload = {key: report[key] for key in _JSON_KEYS}
            payload["with_emotions"] = report["with_emotions"]
            if options["show_mistakes"]:
                payload["mistakes"] = report["mistakes"]
            self.stdout.write(json.dumps(payload, sort_keys=True))
        else:
            self.stdout.write(format_report(report, show_mistakes=options["show_mistakes"]))


def _emotions(texts: list[str]) -> list[EmotionReading]:
    """The emotion model's output per text. Imported here, when asked for: the rules-only run never
    touches the model code (and a test stands in for it)."""
    try:
        from inference.analysis import detect_emotions
    except ImportError as error:
        raise CommandError(
            "--with-emotions needs inference.analysis.detect_emotions, which could not be "
            f"imported ({error}). Run without --with-emotions for the rules alone."
        ) from error
    return list(detect_emotions(texts))
