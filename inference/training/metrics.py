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


# Thresholds a learner-facing judgement is tuned over: a level or a blocker is shown only when the
# model gives it at least even odds.
CONFIDENCE_GRID = np.round(np.arange(0.5, 0.951, 0.05), 2)
BLOCKER_GRID = np.round(np.arange(0.3, 0.951, 0.05), 2)


def presence_f1(gold: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """F1 of "level >= 1" per column of ``shown`` (n, k) booleans against ``gold`` (n,) booleans."""
    gold_b = gold.astype(bool)[:, None]
    tp = (shown & gold_b).sum(0).astype(float)
    fp = (shown & ~gold_b).sum(0).astype(float)
    fn = (~shown & gold_b).sum(0).astype(float)
    result: np.ndarray = _f1(tp, fp, fn)
    return result


def tune_level_thresholds(
    probs: np.ndarray,
    gold: np.ndarray,
    only_blocking: np.ndarray,
    false_praise_cap: float = 0.05,
    grid: np.ndarray = CONFIDENCE_GRID,
) -> tuple[np.ndarray, dict[str, Any]]:
    """t_1 and t_2 per mechanism for ``confident_levels`` (see inference.empathy).

    ``probs`` (n, mechanisms, 3) and ``gold`` (n, mechanisms) are the tuning rows; ``only_blocking``
    marks the rows whose gold blocker is not none and whose gold levels are all 0. The t_1 are
    chosen together: the best mean presence F1 (level >= 1) over the mechanisms among the choices
    whose false praise (an ``only_blocking`` row shown any level >= 1) is at most
    ``false_praise_cap``; when no choice keeps it there, the least false praise, then the best F1.
    Then each t_2 is the one with the best macro-F1 over the three levels. Ties go to the higher
    (more cautious) threshold.
    """
    mechanisms = probs.shape[1]
    at_least_one = probs[..., 1] + probs[..., 2]  # (n, mechanisms)
    shown = at_least_one[:, :, None] >= grid[None, None, :]  # (n, mechanisms, grid)
    f1 = np.stack([presence_f1(gold[:, m] >= 1, shown[:, m]) for m in range(mechanisms)])  # (mechanisms, grid)
    g = len(grid)
    blocked = shown[only_blocking.astype(bool)]  # (b, mechanisms, grid)
    # Every combination of one grid index per mechanism, as a flat index over grid ** mechanisms.
    combos = np.array(np.meshgrid(*[np.arange(g)] * mechanisms, indexing="ij")).reshape(mechanisms, -1)
    objective = f1[np.arange(mechanisms)[:, None], combos].mean(0)
    if len(blocked):
        praised = np.zeros((len(blocked), combos.shape[1]), dtype=bool)
        for m in range(mechanisms):
            praised |= blocked[:, m][:, combos[m]]
        false_praise = praised.mean(0)
    else:
        false_praise = np.zeros(combos.shape[1])
    feasible = false_praise <= false_praise_cap + 1e-9
    cautious = combos.sum(0)  # ties: the higher thresholds
    if feasible.any():
        key = np.where(feasible, objective, -1.0)
        best = int(np.lexsort((cautious, key))[-1])
    else:
        best = int(np.lexsort((cautious, objective, -false_praise))[-1])
    t1 = grid[combos[:, best]]
    thresholds = np.zeros((mechanisms, 2))
    thresholds[:, 0] = t1
    macro = []
    for m in range(mechanisms):
        one = at_least_one[:, m] >= t1[m]
        scores = [
            multiclass_scores(gold[:, m], one.astype(int) + (one & (probs[:, m, 2] >= t)).astype(int))["macro_f1"]
            for t in grid
        ]
        k = max(range(g), key=lambda i: (round(scores[i], 9), i))
        thresholds[m, 1] = grid[k]
        macro.append(round(float(scores[k]), 4))
    info = {
        "objective": (
            f"t_1: best mean presence F1 (level >= 1) with false praise <= {false_praise_cap} where reachable; "
            "t_2: best macro-F1 per mechanism"
        ),
        "grid": [float(x) for x in grid],
        "presence_f1": [round(float(f1[m, combos[m, best]]), 4) for m in range(mechanisms)],
        "false_praise_rate": round(float(false_praise[best]), 4),
        "false_praise_n": len(blocked),
        "false_praise_cap_met": bool(feasible[best]),
        "macro_f1": macro,
    }
    return thresholds, info


def main_blockers(probs: np.ndarray, threshold: float) -> np.ndarray:
    """The main blocker class per row of ``probs`` (n, classes; class 0 is none): the most probable
    other class when its probability reaches ``threshold``, else 0."""
    top = probs[:, 1:].argmax(1) + 1
    named: np.ndarray = np.where(probs[np.arange(len(probs)), top] >= threshold, top, 0)
    return named


def blocker_figures(gold: np.ndarray, named: np.ndarray) -> dict[str, float | int | None]:
    """Precision and recall of the named main blocker (as ``inference.coaching_eval`` counts them)."""
    hits = int(((named == gold) & (gold > 0)).sum())
    n_named = int((named > 0).sum())
    n_gold = int((gold > 0).sum())
    return {
        "precision": round(hits / n_named, 4) if n_named else None,
        "recall": round(hits / n_gold, 4) if n_gold else None,
        "named": n_named,
        "blocked": n_gold,
    }


def tune_blocker_threshold(
    probs: np.ndarray, gold: np.ndarray, precision_target: float = 0.8, grid: np.ndarray = BLOCKER_GRID
) -> tuple[float, dict[str, Any]]:
    """The threshold for naming the main blocker: the best recall among those whose precision
    reaches ``precision_target``; where none does, the best precision among those that name at
    least a tenth of the blocked rows (else 0.5)."""
    rows = [(float(t), blocker_figures(gold, main_blockers(probs, float(t)))) for t in grid]

    def figure(fig: dict[str, float | int | None], key: str) -> float:
        value = fig[key]
        return float(value) if value is not None else -1.0

    feasible = [(t, f) for t, f in rows if figure(f, "precision") >= precision_target]
    if feasible:
        threshold, chosen = max(feasible, key=lambda tf: (figure(tf[1], "recall"), tf[0]))
    else:
        enough = [(t, f) for t, f in rows if int(f["named"] or 0) >= max(1, 0.1 * int(f["blocked"] or 0))]
        threshold, chosen = (
            max(enough, key=lambda tf: (figure(tf[1], "precision"), -tf[0]))
            if enough
            else (0.5, blocker_figures(gold, main_blockers(probs, 0.5)))
        )
    info = {
        "objective": f"best recall with precision >= {precision_target} where reachable, else the best precision",
        "precision_target_met": figure(chosen, "precision") >= precision_target,
        **chosen,
    }
    return threshold, info
