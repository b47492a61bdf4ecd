"""``manage.py tune_emotion_display --data DIR [--artefact DIR]``: the emotion chips' display
thresholds, tuned for precision on GoEmotions dev and written into the artefact's config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.management.commands._common import configure_registry


class Command(BaseCommand):
    help = "Tune the emotion chips' display thresholds (precision >= .70 per label on GoEmotions dev.tsv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="The GoEmotions folder (reads dev.tsv).")
        parser.add_argument(
            "--artefact", default=str(Path(__file__).resolve().parents[2] / "artefacts" / "emotion"), help="Artefact."
        )
        parser.add_argument("--device", default=None, help="Override settings.INFERENCE['device'].")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import registry
        from inference.labels import GOEMOTIONS_LABELS
        from inference.training.card import write_model_card
        from inference.training.data import DataFormatError, read_goemotions
        from inference.training.display import TARGET_PRECISION, display_thresholds

        try:
            dev = read_goemotions(Path(options["data"]) / "dev.tsv")
        except DataFormatError as error:
            raise CommandError(str(error)) from error
        artefact = Path(options["artefact"])
        configure_registry(device=options["device"], artefacts_dir=str(artefact.parent))
        probs = registry.emotion_detector().predict_probs([e.text for e in dev])
        truth = np.zeros((len(dev), len(GOEMOTIONS_LABELS)), dtype=bool)
        for row, example in enumerate(dev):
            truth[row, list(example.labels)] = True
        thresholds, figures = display_thresholds(probs, truth)
        config_path = artefact / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["display_thresholds"] = thresholds
        config["display"] = {"target_precision": TARGET_PRECISION, "split": "GoEmotions dev.tsv", "labels": figures}
        config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        write_model_card(artefact)
        shown = [label for label, t in zip(GOEMOTIONS_LABELS, thresholds, strict=True) if t is not None]
        self.stdout.write(f"{len(shown)} labels can be shown as chips: {', '.join(shown)}")
