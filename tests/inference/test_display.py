"""Emotion chips: display thresholds tuned for precision, kept apart from the macro-F1 ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.formulas import formula_only
from inference.labels import GOEMOTIONS_LABELS, NEUTRAL
from inference.training.display import display_thresholds

ARTEFACT = Path(__file__).resolve().parents[2] / "inference" / "artefacts" / "emotion"


def test_each_label_gets_the_lowest_threshold_that_reaches_the_precision_target():
    n = len(GOEMOTIONS_LABELS)
    rng = np.random.default_rng(0)
    probs = rng.uniform(0, 0.15, size=(200, n))
    truth = np.zeros((200, n), dtype=bool)
    anger = GOEMOTIONS_LABELS.index("anger")
    # 40 texts at 0.9 of which 36 are anger (precision .9); 40 at 0.5 of which 10 are (.25).
    probs[:40, anger], truth[:36, anger] = 0.9, True
    probs[40:80, anger], truth[40:50, anger] = 0.5, True
    joy = GOEMOTIONS_LABELS.index("joy")
    probs[:40, joy], truth[:10, joy] = 0.9, True  # never precise enough
    thresholds, figures = display_thresholds(probs, truth)
    assert 0.5 < thresholds[anger] <= 0.9 and figures["anger"]["precision"] == 0.9
    assert thresholds[joy] is None and figures["joy"]["threshold"] is None
    assert thresholds[GOEMOTIONS_LABELS.index(NEUTRAL)] is None


def test_the_committed_detector_shows_only_labels_over_their_display_threshold(committed_models):
    config = json.loads((ARTEFACT / "config.json").read_text())
    display = dict(zip(GOEMOTIONS_LABELS, config["display_thresholds"], strict=True))
    readings = committed_models.emotion_detector().analyse(
        ["Our courier is very busy this time of year. Please wait.", "I'm so angry I could scream!!", "ok"]
    )
    for reading in readings:
        for label in reading["shown"]:
            assert display[label] is not None and reading["probs"][label] >= display[label]
        assert NEUTRAL not in reading["shown"]
    assert "excitement" not in readings[0]["shown"]  # a policy line is no cause for an excitement chip
    assert "anger" in readings[1]["shown"]


def test_a_politeness_formula_shows_no_chip_of_the_emotion_it_names(committed_models):
    # Seen in Chromium: "Fear" under a softened refusal, "Remorse" under the non-apology.
    readings = committed_models.emotion_detector().analyse(
        [
            "I'm afraid cancellations can only be made within 24 hours.",
            "I'm sorry you feel that way.",
            "I'm afraid he'll leave me if I tell him, I'm so scared",
            "I'm so sorry, I really regret missing your call",
        ]
    )
    assert readings[0]["probs"]["fear"] >= 0.5  # the model still reads the word: the formula is what sets it aside
    assert "fear" not in readings[0]["shown"] and "nervousness" not in readings[0]["shown"]
    assert "remorse" not in readings[1]["shown"] and "sadness" not in readings[1]["shown"]
    assert "fear" in readings[2]["shown"]
    assert "remorse" in readings[3]["shown"]


@pytest.mark.parametrize(
    ("text", "formulas"),
    [
        ("I'm afraid we can't change the booking now.", {"fear", "nervousness"}),
        ("im afraid not", {"fear", "nervousness"}),
        ("I'm afraid it will only get worse", set()),  # a fear of what will come
        ("I'm afraid he doesn't love me anymore", set()),  # a fear about a person
        ("I'm afraid of the dark", set()),
        ("I'm afraid that's not possible, and honestly I'm worried about you", set()),  # another fear word
        ("Well, I'm sorry you feel that way.", {"remorse", "sadness"}),
        ("I'm sorry you feel that way, and I'm sorry it happened to you", set()),  # a real apology beside it
    ],
)
def test_formula_only_names_what_only_a_formula_carries(text, formulas):
    assert formula_only(text) == formulas
