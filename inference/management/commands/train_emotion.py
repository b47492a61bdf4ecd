"""python manage.py train_emotion --data DIR --out DIR [...]: fine-tune the emotion detector."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import train_from_options


class Command(BaseCommand):
    help = "Fine-tune the emotion detector on GoEmotions (train.tsv, dev.tsv) and write the artefact and model card."

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.emotion_trainer import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.training.emotion_trainer import config_from_args, train_emotion

        train_from_options(self, options, name="train_emotion", train=train_emotion, config_from_args=config_from_args)
