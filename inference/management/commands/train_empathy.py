"""python manage.py train_empathy --data DIR --out DIR [--coaching FILE] [...]: fine-tune the empathy scorer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import train_from_options


class Command(BaseCommand):
    help = (
        "Fine-tune the empathy scorer on EPITOME (train.csv, dev.csv), with --coaching FILE also on the role-play "
        "corpus (levels and a blocker head, chosen on its tune split), and write the artefact and model card."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.empathy_trainer import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.training.empathy_trainer import config_from_args, train_empathy

        train_from_options(self, options, name="train_empathy", train=train_empathy, config_from_args=config_from_args)
