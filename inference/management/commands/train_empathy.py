"""python manage.py train_empathy --data DIR --out DIR [...]: fine-tune the empathy scorer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Fine-tune the empathy scorer on EPITOME (train.csv, dev.csv) and write the artefact and model card."

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.empathy_trainer import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from argparse import Namespace

        from inference.training.data import DataFormatError
        from inference.training.empathy_trainer import config_from_args, train_empathy

        try:
            train_empathy(
                Path(options["data"]),
                Path(options["out"]),
                config_from_args(Namespace(**options)),
                log=lambda line: self.stdout.write(line),
                argv=["python", *sys.argv] if "train_empathy" in sys.argv else None,
            )
        except DataFormatError as exc:
            raise CommandError(str(exc)) from exc
