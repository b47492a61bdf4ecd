"""``python manage.py train_safety --out DIR [...]``: fine-tune the learned risk classifier and tune its thresholds."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Fine-tune the safety screen's risk classifier (none / concern / crisis) on the team's safety lines "
        "and labelled EPITOME seeker posts, tune its thresholds with the rules on the dev split, and write "
        "the artefact (the held-out test split is never read)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.training.risk_trainer import RiskTrainConfig

        defaults = RiskTrainConfig()
        parser.add_argument("--out", default="inference/artefacts/risk", help="artefact folder to write")
        for field in fields(RiskTrainConfig):
            option = "--" + field.name.replace("_", "-")
            default = getattr(defaults, field.name)
            kind = type(default) if default is not None else str
            parser.add_argument(option, type=kind, default=default, dest=field.name)

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.training.risk_trainer import RiskTrainConfig, train_risk

        cfg = RiskTrainConfig(**{f.name: options[f.name] for f in fields(RiskTrainConfig)})
        train_risk(Path(options["out"]), cfg, log=lambda line: self.stdout.write(line))
