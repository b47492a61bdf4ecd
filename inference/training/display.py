"""Display thresholds for the emotion chips a learner sees: one per label, the lowest at which the
label's precision on GoEmotions dev reaches the target, so a chip is right most times it is shown.
A label that never reaches it is never shown. Kept apart from the macro-F1 thresholds that
``evaluate_emotion`` scores: those balance recall and precision, these favour precision.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.labels import GOEMOTIONS_LABELS, NEUTRAL

TARGET_PRECISION = 0.70
# A threshold judged on fewer shown texts than this is noise, not precision.
MIN_SHOWN = 10
GRID = np.round(np.arange(0.20, 0.96, 0.01), 2)


def display_thresholds(
    probs: np.ndarray, truth: np.ndarray, *, target: float = TARGET_PRECISION, min_shown: int = MIN_SHOWN
) -> tuple[list[float | None], dict[str, dict[str, Any]]]:
    """(threshold or None per label, the dev figures behind each) for (n, 28) probabilities and labels."""
    thresholds: list[float | None] = []
    figures: dict[str, dict[str, Any]] = {}
    for k, label in enumerate(GOEMOTIONS_LABELS):
        support = int(truth[:, k].sum())
        chosen: float | None = None
        precision = recall = None
        if label != NEUTRAL:
            for t in GRID:
                shown = probs[:, k] >= t
                n = int(shown.sum())
                if n < min_shown:
                    break  # higher thresholds show even fewer
                p = float((shown & truth[:, k]).sum()) / n
                if p >= target:
                    chosen = float(t)
                    precision = round(p, 4)
                    recall = round(float((shown & truth[:, k]).sum()) / max(1, support), 4)
                    break
        thresholds.append(chosen)
        figures[label] = {"threshold": chosen, "precision": precision, "recall": recall, "support": support}
    return thresholds, figures
