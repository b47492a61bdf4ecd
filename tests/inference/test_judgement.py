"""What a learner is shown: confident levels, the blocker threshold, and the clause that carries a
blocker. Plain numpy and string code, no model."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("I'm sorry, but you should just join a gym.", ["I'm sorry", "you should just join a gym."]),
        ("im sorry but u should try yoga lol", ["im sorry", "u should try yoga lol"]),
        (
            "Oh no. That sounds awful! What's your order number?",
            ["Oh no.", "That sounds awful!", "What's your order number?"],
        ),
        ("Don't worry — everything will be fine; trust me.", ["Don't worry", "everything will be fine", "trust me."]),
        ("It will be fine, so stop worrying", ["It will be fine", "stop worrying"]),
        ('He said "no." Then he left', ['He said "no."', "Then he left"]),
        ("first line\nsecond line", ["first line", "second line"]),
        ("  ok  ,  ", ["ok"]),
        ("That must be hard, and I'm here.", ["That must be hard, and I'm here."]),
        ("😀😀", []),
        ("", []),
    ],
)
def test_a_reply_splits_into_clauses(text, clauses):
    from inference.empathy import clause_bounds

    bounds = clause_bounds(text)
    assert [text[a:b] for a, b in bounds] == clauses
    assert all(0 <= a < b <= len(text) for a, b in bounds)


def test_the_level_shown_is_the_confident_one():
    from inference.empathy import confident_levels

    probs = np.array(
        [
            [[0.40, 0.35, 0.25]],  # argmax 0, P(>=1) .60: shown 1 at t_1 .55, 0 at t_1 .65
            [[0.10, 0.45, 0.45]],  # a tie between 1 and 2 at t_2 .5: the lower one
            [[0.05, 0.15, 0.80]],  # sure of 2
            [[0.05, 0.15, 0.80]],
        ]
    )
    assert confident_levels(probs, np.array([[0.55, 0.5]]))[:, 0].tolist() == [1, 1, 2, 2]
    assert confident_levels(probs, np.array([[0.65, 0.9]]))[:, 0].tolist() == [0, 1, 1, 1]
    # Level 2 needs level >= 1 to be confident too.
    assert confident_levels(np.array([[[0.55, 0.0, 0.45]]]), np.array([[0.5, 0.4]])).tolist() == [[0]]


def test_level_thresholds_keep_false_praise_under_the_cap():
    from inference.empathy import confident_levels
    from inference.training.metrics import tune_level_thresholds

    rng = np.random.default_rng(0)
    n = 400
    gold = rng.integers(0, 3, size=(n, 3))
    # A model that knows the level, with noise; blocking-only rows (all levels 0) get inflated P(>=1).
    blocking = rng.random(n) < 0.25
    gold[blocking] = 0
    logits = np.eye(3)[gold] * 2.0 + rng.normal(0, 0.8, size=(n, 3, 3))
    logits[blocking, :, 1] += 1.2
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    thresholds, info = tune_level_thresholds(probs, gold, blocking, false_praise_cap=0.05)
    shown = confident_levels(probs, thresholds)
    praised = shown[blocking].max(1) >= 1
    assert praised.mean() <= 0.05 and info["false_praise_cap_met"]
    assert info["false_praise_rate"] == pytest.approx(praised.mean(), abs=1e-4)
    assert (thresholds >= 0.5).all() and (thresholds <= 0.95).all()
    # Without blocking rows nothing constrains t_1: the best presence F1 is at least as good.
    _, free = tune_level_thresholds(probs, gold, np.zeros(n, dtype=bool))
    assert np.mean(free["presence_f1"]) >= np.mean(info["presence_f1"])


def test_level_thresholds_when_the_cap_cannot_be_met_praise_least():
    from inference.training.metrics import CONFIDENCE_GRID, tune_level_thresholds

    probs = np.tile([0.0, 0.0, 1.0], (10, 3, 1))  # certain of level 2 everywhere
    gold = np.zeros((10, 3), dtype=int)
    thresholds, info = tune_level_thresholds(probs, gold, np.ones(10, dtype=bool))
    assert not info["false_praise_cap_met"] and info["false_praise_rate"] == 1.0
    assert thresholds[:, 0].tolist() == [CONFIDENCE_GRID[-1]] * 3


def test_blocker_threshold_reaches_the_precision_target():
    from inference.training.metrics import blocker_figures, main_blockers, tune_blocker_threshold

    rng = np.random.default_rng(1)
    n = 300
    gold = rng.integers(0, 8, size=n)
    logits = np.eye(8)[gold] * 1.5 + rng.normal(0, 1.0, size=(n, 8))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    threshold, info = tune_blocker_threshold(probs, gold, precision_target=0.8)
    figures = blocker_figures(gold, main_blockers(probs, threshold))
    assert info["precision_target_met"] and figures["precision"] >= 0.8
    assert figures == {k: info[k] for k in figures}
    # Any lower threshold on the grid either misses the target or finds no more of the blockers.
    for lower in np.round(np.arange(0.3, threshold - 1e-9, 0.05), 2):
        other = blocker_figures(gold, main_blockers(probs, float(lower)))
        assert other["precision"] < 0.8 or other["recall"] <= figures["recall"]


def test_main_blocker_is_the_most_probable_other_class_over_the_threshold():
    from inference.training.metrics import main_blockers

    probs = np.array([[0.6, 0.3, 0.1, 0, 0, 0, 0, 0], [0.2, 0.1, 0.7, 0, 0, 0, 0, 0], [0.9, 0.05, 0.05, 0, 0, 0, 0, 0]])
    assert main_blockers(probs, 0.25).tolist() == [1, 2, 0]
    assert main_blockers(probs, 0.5).tolist() == [0, 2, 0]


def test_an_artefact_with_unknown_blocker_classes_is_refused():
    from inference.empathy import blocker_classes
    from inference.encoder import ArtefactError
    from inference.schema import BLOCKER_CLASSES

    assert blocker_classes({}) == ()
    assert blocker_classes({"blockers": list(BLOCKER_CLASSES)}) == BLOCKER_CLASSES
    with pytest.raises(ArtefactError, match="unknown blocker classes"):
        blocker_classes({"blockers": ["none", "rude"]})
