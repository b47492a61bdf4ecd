"""Metrics and threshold tuning, in numpy only (no scikit-learn needed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inference.labels import (
    EKMAN_LABELS,
    EKMAN_MAPPING,
    GOEMOTIONS_LABELS,
    SENTIMENT_LABELS,
    SENTIMENT_MAPPING,
    group_of,
)

# One class index per example: a list, or a 1-D integer array.
ClassLabels = Sequence[int] | np.ndarray

THRESHOLD_GRID = np.round(np.arange(0.02, 0.96, 0.01), 2)


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def multilabel_scores(truth: np.ndarray, pred: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """Macro and micro F1 plus per-label precision / recall / F1 / support for 0-1 matrices."""
    truth = truth.astype(bool)
    pred = pred.astype(bool)
    tp = (truth & pred).sum(0).astype(float)
    fp = (~truth & pred).sum(0).astype(float)
    fn = (truth & ~pred).sum(0).astype(float)
    f1 = _f1(tp, fp, fn)
    precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
    micro = _f1(tp.sum(), fp.sum(), fn.sum())
    return {
        "macro_f1": float(f1.mean()),
        "micro_f1": float(micro),
        "per_label": {
            name: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(truth[:, i].sum()),
            }
            for i, name in enumerate(names)
        },
    }


def group_matrix(matrix: np.ndarray, mapping: dict[str, tuple[str, ...]], groups: Sequence[str]) -> np.ndarray:
    """Turn a (n, 28) 0-1 matrix into (n, groups): a text has a group when it has any member."""
    lookup = group_of(mapping)
    out = np.zeros((matrix.shape[0], len(groups)), dtype=bool)
    for j, label in enumerate(GOEMOTIONS_LABELS):
        out[:, groups.index(lookup[label])] |= matrix[:, j].astype(bool)
    return out


def emotion_scores(truth: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """28-label scores plus the Ekman and sentiment grouped scores computed the standard way."""
    scores = multilabel_scores(truth, pred, GOEMOTIONS_LABELS)
    ekman = multilabel_scores(
        group_matrix(truth, EKMAN_MAPPING, EKMAN_LABELS), group_matrix(pred, EKMAN_MAPPING, EKMAN_LABELS), EKMAN_LABELS
    )
    sentiment = multilabel_scores(
        group_matrix(truth, SENTIMENT_MAPPING, SENTIMENT_LABELS),
        group_matrix(pred, SENTIMENT_MAPPING, SENTIMENT_LABELS),
        SENTIMENT_LABELS,
    )
    scores["ekman_macro_f1"] = ekman["macro_f1"]
    scores["ekman_micro_f1"] = ekman["micro_f1"]
    scores["ekman_per_label"] = ekman["per_label"]
    scores["sentiment_macro_f1"] = sentiment["macro_f1"]
    scores["n"] = int(truth.shape[0])
    return scores


def predict_with_thresholds(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    return probs >= thresholds[None, :]


def tune_thresholds(probs: np.ndarray, truth: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Per label, the threshold on the grid with the best F1 (ties: the one nearest 0.5)."""
    truth = truth.astype(bool)
    thresholds = np.full(probs.shape[1], 0.5)
    order = np.argsort(np.abs(grid - 0.5), kind="stable")
    for j in range(probs.shape[1]):
        pred = probs[:, j][None, :] >= grid[:, None]  # (grid, n)
        tp = (pred & truth[:, j]).sum(1)
        fp = (pred & ~truth[:, j]).sum(1)
        fn = (~pred & truth[:, j]).sum(1)
        f1 = _f1(tp.astype(float), fp.astype(float), fn.astype(float))
        best = order[np.argmax(f1[order])]
        thresholds[j] = grid[best]
    return thresholds


def tune_thresholds_joint(
    probs: np.ndarray, truth: np.ndarray, ekman_weight: float = 1.0, sweeps: int = 2
) -> np.ndarray:
    """Per-label thresholds for macro-F1 over 28 labels plus Ekman-grouped macro-F1.

    Starts from the per-label optimum and moves one threshold at a time (coordinate ascent on a
    0.05 grid) while the sum improves: a grouped prediction depends on all its members'
    thresholds, which the per-label search cannot see.
    """
    thresholds = tune_thresholds(probs, truth)

    def objective(t: np.ndarray) -> float:
        scores = emotion_scores(truth, predict_with_thresholds(probs, t))
        return float(scores["macro_f1"] + ekman_weight * scores["ekman_macro_f1"])

    best = objective(thresholds)
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    for _ in range(sweeps):
        improved = False
        for j in range(probs.shape[1]):
            for value in grid:
                trial = thresholds.copy()
                trial[j] = value
                score = objective(trial)
                if score > best + 1e-6:
                    best, thresholds, improved = score, trial, True
        if not improved:
            break
    return thresholds


def cross_fitted_macro_f1(probs: np.ndarray, truth: np.ndarray, folds: int = 2, seed: int = 0) -> float:
    """Macro-F1 when each fold's thresholds are tuned on the other folds: an honest dev estimate."""
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(probs)) % folds
    pred = np.zeros_like(truth, dtype=bool)
    for fold in range(folds):
        held = fold_of == fold
        thresholds = tune_thresholds(probs[~held], truth[~held])
        pred[held] = predict_with_thresholds(probs[held], thresholds)
    return float(multilabel_scores(truth, pred, GOEMOTIONS_LABELS)["macro_f1"])


def multiclass_scores(truth: ClassLabels, pred: ClassLabels, classes: int = 3) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix (rows = truth)."""
    truth_a = np.asarray(truth, dtype=int)
    pred_a = np.asarray(pred, dtype=int)
    confusion = np.zeros((classes, classes), dtype=int)
    np.add.at(confusion, (truth_a, pred_a), 1)
    tp = np.diag(confusion).astype(float)
    fp = confusion.sum(0) - tp
    fn = confusion.sum(1) - tp
    f1 = _f1(tp, fp, fn)
    return {
        "accuracy": float((truth_a == pred_a).mean()) if len(truth_a) else 0.0,
        "macro_f1": float(f1.mean()),
        "per_class_f1": [round(float(x), 4) for x in f1],
        "support": [int(x) for x in confusion.sum(1)],
        "confusion": confusion.tolist(),
    }


def tune_class_bias(log_probs: np.ndarray, truth: ClassLabels, grid: np.ndarray | None = None) -> list[float]:
    """Additive offsets on the class log-probabilities that maximise macro-F1 (class 0 fixed at 0).

    The skewed levels (IP weak is ~4% of the data) make argmax almost never pick a rare class;
    an offset per class, like a per-label threshold, trades a little accuracy for macro-F1.
    """
    grid = np.round(np.arange(-1.0, 3.01, 0.25), 2) if grid is None else grid
    best = (-1.0, 0.0, [0.0, 0.0, 0.0])
    for b1 in grid:
        for b2 in grid:
            bias = np.array([0.0, b1, b2])
            pred = (log_probs + bias).argmax(1)
            score = multiclass_scores(truth, pred)["macro_f1"]
            # Prefer smaller offsets on ties so the tuned model stays close to the trained one.
            key = (score, -(abs(b1) + abs(b2)))
            if key > best[:2]:
                best = (score, key[1], [0.0, float(b1), float(b2)])
    return best[2]
