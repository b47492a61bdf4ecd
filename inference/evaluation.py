"""Evaluate the committed emotion and empathy models on a labelled file (GoEmotions TSV, EPITOME CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inference.emotion import EmotionDetector
from inference.empathy import EmpathyScorer
from inference.labels import EMPATHY_MECHANISMS, GOEMOTIONS_LABELS
from inference.training.data import read_epitome, read_goemotions
from inference.training.metrics import emotion_scores, multiclass_scores, predict_with_thresholds


def evaluate_emotion(path: Path, detector: EmotionDetector, batch_size: int = 128) -> dict[str, Any]:
    """Macro / micro F1 over the 28 labels with the model's thresholds, plus the grouped scores."""
    examples = read_goemotions(Path(path))
    truth = np.zeros((len(examples), len(GOEMOTIONS_LABELS)), dtype=bool)
    for i, example in enumerate(examples):
        truth[i, example.labels] = True
    probs = detector.predict_probs([e.text for e in examples], batch_size=batch_size)
    scores = emotion_scores(truth, predict_with_thresholds(probs, detector.thresholds))
    return {
        "macro_f1": round(scores["macro_f1"], 4),
        "micro_f1": round(scores["micro_f1"], 4),
        "ekman_macro_f1": round(scores["ekman_macro_f1"], 4),
        "ekman_micro_f1": round(scores["ekman_micro_f1"], 4),
        "sentiment_macro_f1": round(scores["sentiment_macro_f1"], 4),
        "per_label": scores["per_label"],
        "ekman_per_label": scores["ekman_per_label"],
        "n": scores["n"],
    }


def evaluate_empathy(path: Path, scorer: EmpathyScorer, batch_size: int = 64) -> dict[str, Any]:
    """Accuracy and macro-F1 of each mechanism's level by EPITOME's convention (with the model's
    tuned offsets). An artefact with coaching heads is scored on its EPITOME heads, and the levels
    its coaching heads would show a learner are reported beside them (``served_macro_f1``)."""
    examples = read_epitome(Path(path))
    items = scorer.encode([e.seeker_post for e in examples], [e.response for e in examples])
    scored = scorer.score(items, batch_size=batch_size)
    levels = scorer.epitome_levels(scored.epitome_log_probs)
    result: dict[str, Any] = {}
    if scorer.has_coaching_levels:
        served, _ = scorer.levels(scored.log_probs)
        result["served_macro_f1"] = {
            mechanism: round(multiclass_scores([e.levels[mechanism] for e in examples], served[:, m])["macro_f1"], 4)
            for m, mechanism in enumerate(EMPATHY_MECHANISMS)
        }
    for m, mechanism in enumerate(EMPATHY_MECHANISMS):
        scores = multiclass_scores([e.levels[mechanism] for e in examples], levels[:, m])
        result[mechanism] = {
            "accuracy": round(scores["accuracy"], 4),
            "macro_f1": round(scores["macro_f1"], 4),
            "per_level_f1": scores["per_class_f1"],
            "support": scores["support"],
            "confusion": scores["confusion"],
        }
    result["n"] = len(examples)
    return result
