"""Re-tune a trained emotion artefact's thresholds on dev, on this machine's CPU, and rewrite its card.

``python -m inference.training.retune --artefact inference/artefacts/emotion --dev DIR/dev.tsv``

Thresholds are chosen jointly for 28-label and Ekman-grouped macro-F1 (see
``metrics.tune_thresholds_joint``) from fp32 CPU probabilities, the reference the served model
(bf16 or fp32) is checked against.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from inference.emotion import EmotionDetector
from inference.labels import GOEMOTIONS_LABELS
from inference.training.card import write_model_card
from inference.training.data import file_digest, read_goemotions
from inference.training.metrics import (
    cross_fitted_macro_f1,
    emotion_scores,
    predict_with_thresholds,
    tune_thresholds_joint,
)


def retune_emotion_thresholds(artefact: Path, dev_file: Path, ekman_weight: float = 1.0) -> dict[str, Any]:
    examples = read_goemotions(dev_file)
    truth = np.zeros((len(examples), len(GOEMOTIONS_LABELS)), dtype=bool)
    for i, example in enumerate(examples):
        truth[i, example.labels] = True
    detector = EmotionDetector.load(artefact, device="cpu", dtype="float32")
    probs = detector.predict_probs([e.text for e in examples], batch_size=128)
    before = emotion_scores(truth, predict_with_thresholds(probs, detector.thresholds))
    thresholds = tune_thresholds_joint(probs, truth, ekman_weight=ekman_weight)
    after = emotion_scores(truth, predict_with_thresholds(probs, thresholds))
    config = json.loads((artefact / "config.json").read_text())
    config["thresholds"] = [float(t) for t in thresholds]
    config["training"]["thresholds_retuned"] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "dev_file": dev_file.name,
        "dev_sha256_16": file_digest(dev_file),
        "objective": f"macro-F1 (28 labels) + {ekman_weight} x Ekman macro-F1, coordinate ascent from per-label optima",
        "probabilities": "fp32 on CPU",
        "before": {k: round(before[k], 4) for k in ("macro_f1", "micro_f1", "ekman_macro_f1")},
        "after": {k: round(after[k], 4) for k in ("macro_f1", "micro_f1", "ekman_macro_f1")},
    }
    config["training"]["dev_final"] = {
        "macro_f1": round(after["macro_f1"], 4),
        "micro_f1": round(after["micro_f1"], 4),
        "ekman_macro_f1": round(after["ekman_macro_f1"], 4),
        "sentiment_macro_f1": round(after["sentiment_macro_f1"], 4),
        "macro_f1_cross_fitted": round(cross_fitted_macro_f1(probs, truth), 4),
        "per_label": after["per_label"],
        "n": after["n"],
    }
    (artefact / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    write_model_card(artefact)
    retuned: dict[str, Any] = config["training"]["thresholds_retuned"]
    return retuned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artefact", required=True, type=Path)
    parser.add_argument("--dev", required=True, type=Path, help="GoEmotions dev.tsv")
    parser.add_argument("--ekman-weight", type=float, default=1.0)
    args = parser.parse_args()
    print(json.dumps(retune_emotion_thresholds(args.artefact, args.dev, args.ekman_weight), indent=1))


if __name__ == "__main__":
    main()
