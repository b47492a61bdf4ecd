"""``python manage.py retune_safety --candidate DIR [--current DIR]``: choose a retrained risk artefact's
thresholds on the dev split so that the screen keeps the current artefact's dev recall, with the fewest
false alarms (``inference.training.risk_trainer.retune_keeping``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Choose a retrained risk artefact's thresholds on the dev split: the fewest false alarms among the "
        "settings that keep the current artefact's dev crisis and concern recall (rules as served), and its "
        "false alarms on the role-play tune replies at most. Writes them into the candidate's config.json. "
        "The held-out test split is never read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--candidate", required=True, help="the retrained artefact folder (its config is rewritten)"
        )
        parser.add_argument("--current", default="inference/artefacts/risk", help="the artefact it would replace")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.training.risk_trainer import retune_keeping

        config = retune_keeping(
            Path(options["candidate"]), Path(options["current"]), log=lambda line: self.stdout.write(line)
        )
        if config is None:
            raise CommandError("no thresholds keep the current artefact's dev recall")
