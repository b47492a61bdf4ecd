"""The persona's feelings move with the learner's empathy and tone."""

from __future__ import annotations

from courses.practice.persona_state import (
    persona_state_blend,
    persona_state_next,
    persona_state_normalise,
    reading_from_emotion,
    trajectory,
)
from tests.factories import analysis_build

START = {"anger": 0.7, "disappointment": 0.5}


def test_empathic_turn_calms_anger_and_raises_trust():
    after = persona_state_next(current=START, analysis=analysis_build(er=2, ip=1, ex=1))
    assert after["anger"] < START["anger"]
    assert after["disappointment"] < START["disappointment"]
    assert after.get("gratitude", 0) > 0 or after.get("relief", 0) > 0


def test_dismissive_turn_raises_anger_and_disappointment():
    blame = analysis_build(labels=("disapproval",), probs={"disapproval": 0.8})
    after = persona_state_next(current=START, analysis=blame)
    assert after["anger"] > START["anger"]
    assert after["disappointment"] > START["disappointment"]


def test_more_empathy_calms_more():
    some = persona_state_next(current=START, analysis=analysis_build(er=1))
    full = persona_state_next(current=START, analysis=analysis_build(er=2, ip=2, ex=2))
    assert full["anger"] < some["anger"]


def test_reply_shift_applies_and_values_stay_in_range():
    after = persona_state_next(current=START, analysis=analysis_build(), shift={"anger": -5, "relief": 3})
    assert "anger" not in after  # clamped to 0 and dropped
    assert after["relief"] == 1.0
    assert all(0 <= v <= 1 for v in after.values())


def test_normalise_keeps_top_five_without_neutral():
    state = persona_state_normalise({"neutral": 0.9, "a": 0.1, **{k: 0.2 + i / 10 for i, k in enumerate("bcdefg")}})
    assert len(state) == 5 and "neutral" not in state
    assert list(state) == sorted(state, key=lambda k: -state[k])


def test_blend_moves_only_read_labels_a_little():
    state = {"anger": 0.5, "sadness": 0.4}
    blended = persona_state_blend(state=state, reading={"anger": 1.0, "neutral": 0.9})
    assert 0.5 < blended["anger"] < 0.7
    assert blended["sadness"] == 0.4
    assert "neutral" not in blended


def test_reading_and_trajectory_shapes():
    assert reading_from_emotion({"top": [["gratitude", 0.6], ["neutral", 0.3]]}) == {"gratitude": 0.6}
    assert trajectory([(0, {"anger": 0.7}), (1, {"anger": 0.5})]) == [
        {"index": 0, "emotions": {"anger": 0.7}},
        {"index": 1, "emotions": {"anger": 0.5}},
    ]
