"""python manage.py train_persona [--minutes M] [...]: LoRA fine-tuning of the generative persona."""

from __future__ import annotations

import functools
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import configure_registry, train_from_options


class Command(BaseCommand):
    help = (
        "Fine-tune SmolLM2-135M-Instruct with a LoRA adapter (peft) on the persona corpus's train split, prompted as "
        "the server prompts; dev loss and dev figures per epoch; writes the adapter and its model card."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.persona_trainer import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import analysis
        from inference.training.persona_trainer import config_from_args, train_persona

        configure_registry()  # the safety screen in the dev figures
        train = functools.partial(train_persona, screen=analysis.screen_generated)
        train_from_options(self, options, name="train_persona", train=train, config_from_args=config_from_args)
