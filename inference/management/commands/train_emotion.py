"""python manage.py train_emotion --data DIR --out DIR [...]: fine-tune the emotion detector."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Fine-tune the emotion detector on GoEmotions (train.tsv, dev.tsv) and write the artefact and model card."

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.emotion_trainer import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from argparse import Namespace

        from inference.training.data import DataFormatError
        from inference.training.emotion_trainer import config_from_args, train_emotion

        try:
            train_emotion(
                Path(options["data"]),
                Path(options["out"]),
                config_from_args(Namespace(**options)),
                log=lambda line: self.stdout.write(line),
                argv=["python", *sys.argv] if "train_emotion" in sys.argv else None,
            )
        except DataFormatError as exc:
            raise CommandError(str(exc)) from exc
