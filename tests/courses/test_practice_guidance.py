"""Guidance cites the learner's words, aims at the weakest mechanism and never shames."""

from __future__ import annotations

from courses.practice.guidance import guidance_compose, weakest_mechanism
from tests.factories import analysis_build

FEELINGS = {"nervousness": 0.6, "anger": 0.3}
PERSONA_TEXT = "I'm worried I'll miss the deadline for the application."
SHAMING = ("wrong", "bad", "failed", "should have", "poor", "terrible", "mistake")


def compose(text: str, **analysis):
    return guidance_compose(
        text=text,
        analysis=analysis_build(**analysis),
        persona_name="Maya Chen",
        persona_emotions=FEELINGS,
        persona_text=PERSONA_TEXT,
    )


def test_worked_cites_the_rationale_words():
    g = compose("That sounds so stressful.", er=2, rationales={"er": ["sounds so stressful"]})
    assert "sounds so stressful" in g["worked"]
    assert g["worked"].startswith("You named Maya's worry")


def test_try_next_aims_at_the_weakest_mechanism_and_the_persona_emotion():
    g = compose("That sounds so stressful.", er=2, ip=1, ex=0, rationales={"er": ["sounds so stressful"]})
    assert g["weakest"] == "ex"
    assert "anxious" in g["try_next"] and "?" in g["try_next"]
    assert "deadline" in g["try_next"]


def test_rewrite_adds_the_missing_mechanism_to_the_learners_own_words():
    g = compose("Just submit it tomorrow", er=0, ip=1, ex=1)
    assert g["weakest"] == "er"
    assert "Just submit it tomorrow" in g["rewrite"]
    assert "anxious" in g["rewrite"]
    ex = compose("That sounds hard.", er=2, ip=2, ex=0)
    assert ex["rewrite"].startswith("That sounds hard.") and ex["rewrite"].endswith("?")


def test_full_marks_have_no_rewrite():
    g = compose("…", er=2, ip=2, ex=2, rationales={"ip": ["you've been carrying this"]})
    assert g["weakest"] is None and g["rewrite"] is None
    assert weakest_mechanism({"er": 2, "ip": 2, "ex": 2}) is None


def test_guidance_never_shames_even_a_cold_turn():
    g = compose("Whatever, not my problem.", labels=("disapproval",))
    text = " ".join(str(v) for v in (g["worked"], g["try_next"], g["rewrite"])).lower()
    assert not any(word in text for word in SHAMING)
    assert g["worked"]  # still something encouraging to say


def test_safety_concern_pauses_with_a_resource_card():
    g = compose("I don't want to be here anymore", safety="crisis")
    assert g["pause"] is True
    card = " ".join(g["resources"]["lines"])
    assert "988" in card and "emergency" in card and "trust" in card
    assert g["resources"]["continue_label"]
    assert g["try_next"] is None
