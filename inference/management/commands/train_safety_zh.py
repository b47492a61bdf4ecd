"""``python manage.py train_safety_zh [--out FILE]``: train the Chinese screen's n-gram classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Train the Chinese screen's character n-gram classifier on the Chinese train lines of "
        "inference/data/safety/written.csv, choose C and thresholds on its dev lines with the written list, "
        "and write the JSON artefact (the held-out test split is never read)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.safety_zh_model import ARTEFACT

        parser.add_argument("--out", default=str(ARTEFACT), help="artefact file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.training.safety_zh_trainer import train_zh

        record = train_zh(Path(options["out"]))
        self.stdout.write(json.dumps(record, ensure_ascii=False))
