"""The risk trainer's own arithmetic: the split of EPITOME posts, the figures, the shortfall from the
targets and the thresholds it tunes (no model needed)."""

from __future__ import annotations

import numpy as np

from inference.training.risk_trainer import epitome_split, screen_figures, shortfall, tune_thresholds

TARGETS = {"crisis_recall": 0.97, "concern_recall": 0.9, "false_alarm_rate": 0.03, "roleplay_false_alarm_rate": 0.01}


def test_a_post_always_lands_on_the_same_side_and_about_a_quarter_go_to_dev():
    ids = [f"post{n}" for n in range(2000)]
    splits = [epitome_split(i, 0.25) for i in ids]
    assert splits == [epitome_split(i, 0.25) for i in ids]
    assert 0.2 < splits.count("dev") / len(ids) < 0.3


def test_the_figures_count_a_concern_read_as_crisis_as_caught():
    gold = ["crisis", "crisis", "concern", "concern", "none", "none", "none", "none"]
    pred = ["crisis", "concern", "crisis", "none", "none", "concern", "none", "none"]
    assert screen_figures(gold, pred) == {"crisis_recall": 0.5, "concern_recall": 0.5, "false_alarm_rate": 0.25}


def test_the_shortfall_is_zero_only_when_every_target_is_met():
    met = {"crisis_recall": 0.98, "concern_recall": 0.95, "false_alarm_rate": 0.02, "roleplay_false_alarm_rate": 0.0}
    assert shortfall(met, TARGETS) == 0
    assert shortfall({**met, "crisis_recall": 0.92}, TARGETS) == 0.1  # a missed crisis counts twice
    assert shortfall({**met, "false_alarm_rate": 0.08}, TARGETS) == 0.05
    assert shortfall({**met, "roleplay_false_alarm_rate": 0.06}, TARGETS) == 0.1


def test_thresholds_separate_what_the_probabilities_separate():
    # A classifier that ranks perfectly: crisis rows have high P(crisis), none rows high P(none).
    gold = ["crisis"] * 10 + ["concern"] * 10 + ["none"] * 20
    probs = np.array([[0.05, 0.15, 0.8]] * 10 + [[0.2, 0.7, 0.1]] * 10 + [[0.9, 0.08, 0.02]] * 20)
    rules = [("none", False, False)] * len(gold)
    chosen, figures = tune_thresholds(probs, gold, rules, TARGETS)
    assert figures == {"crisis_recall": 1.0, "concern_recall": 1.0, "false_alarm_rate": 0.0}
    assert chosen["crisis"] <= 0.8 and chosen["flag"] <= 0.8


def test_a_rule_false_alarm_is_set_aside_only_where_the_classifier_is_sure():
    gold = ["none", "crisis"]
    probs = np.array([[0.995, 0.004, 0.001], [0.6, 0.1, 0.3]])
    rules = [("crisis", False, False), ("crisis", False, False)]  # the rules fire on both, strongly
    chosen, figures = tune_thresholds(probs, gold, rules, TARGETS)
    assert figures["false_alarm_rate"] == 0.0 and figures["crisis_recall"] == 1.0
    assert 0.6 < chosen["certain"] <= 0.995


def test_a_guarded_row_is_not_flagged_by_the_classifier_alone():
    # Two none rows the classifier reads as crisis: one a guard sets aside (an idiom), one it does not.
    gold = ["none", "none", "crisis"]
    probs = np.array([[0.05, 0.05, 0.9], [0.05, 0.05, 0.9], [0.05, 0.05, 0.9]])
    rules = [("none", False, True), ("none", False, False), ("none", False, False)]
    _, figures = tune_thresholds(probs, gold, rules, TARGETS)
    assert figures["crisis_recall"] == 1.0
    assert figures["false_alarm_rate"] == 0.5  # the guarded row is left alone, the other flagged


def test_the_trainer_reads_the_rules_as_served_beside_the_classifier():
    # An ambiguous rule ("jump off a cliff", ``Rule.needs_model``) counts only where the classifier flags
    # the text: the trainer sees both levels and tunes with the one the screen would serve.
    from inference.training.risk_trainer import _served_level, rules_reading

    rule = rules_reading("i'd jump off a cliff for a decent curry right now")
    assert rule[0] == "crisis" and rule[3] == "none"
    t = {"crisis": 0.5, "flag": 0.5, "harmless": 1.01, "certain": 1.01}
    assert _served_level(np.array([0.9, 0.05, 0.05]), rule, t) == "none"
    assert _served_level(np.array([0.3, 0.6, 0.1]), rule, t) == "crisis"
    # A present first-person phrase stands whatever the classifier reads.
    rule = rules_reading("i want to kill myself")
    assert rule[0] == rule[3] == "crisis"
    assert _served_level(np.array([0.9, 0.05, 0.05]), rule, t) == "crisis"


def test_thresholds_kept_to_a_floor_of_recall_give_the_fewest_false_alarms_above_it():
    from inference.training.risk_trainer import tune_thresholds_keeping

    # P(crisis) .3 on a crisis row and .2 on a none row: a crisis threshold that keeps the crisis row
    # (.3 or under) flags the none row only at .2 or under; the floor forbids losing the crisis row.
    gold = ["crisis", "none", "none", "concern"]
    probs = np.array([[0.6, 0.1, 0.3], [0.7, 0.1, 0.2], [0.98, 0.01, 0.01], [0.3, 0.65, 0.05]])
    rules = [("none", False, False)] * 4
    chosen, figures = tune_thresholds_keeping(probs, gold, rules, {"crisis_recall": 1.0, "concern_recall": 1.0})
    assert figures == {"crisis_recall": 1.0, "concern_recall": 1.0, "false_alarm_rate": 0.0}
    assert 0.2 < chosen["crisis"] <= 0.3
    # A floor no setting keeps gives None, not a setting that falls short of it.
    probs[0] = [0.999, 0.0005, 0.0005]
    assert tune_thresholds_keeping(probs, gold, rules, {"crisis_recall": 1.0, "concern_recall": 1.0}) is None
