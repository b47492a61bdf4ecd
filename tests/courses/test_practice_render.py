"""Stored guidance and summaries read exactly as the learner has always seen them, and every
sentence goes through gettext so another language is a translation file."""

from __future__ import annotations

import pytest

from courses.practice import render, signals
from courses.practice.guidance import guidance_compose
from courses.practice.render import guidance_render, summary_render
from courses.practice.summary import GoalSpec, LearnerTurn, summary_compose
from courses.practice.wellbeing import default_resources
from tests.factories import analysis_build

OPENING = {"anger": 0.7, "disappointment": 0.5}


def shown(text: str, *, persona_name: str = "Dana", feelings=OPENING, **analysis):
    return guidance_render(
        guidance_compose(
            text=text,
            analysis=analysis_build(text=text, **analysis),
            persona_name=persona_name,
            persona_emotions=feelings,
        )
    )


# The sentences below are what the code stored before guidance was kept as codes.


def test_guidance_reads_word_for_word_as_before():
    g = shown(
        "That sounds so frustrating.",
        er=2,
        rationales={"er": ["sounds so frustrating"]},
    )
    assert g == {
        "worked": "You met Dana's feelings with warmth: ‘That sounds so frustrating’.",
        "blocker": None,
        "try_next": "Dana still sounds angry — ask an open question about it, like “what worries you most about "
        "all this?”",
        "rewrite": "That sounds so frustrating. What's been the hardest part of all this for you?",
        "weakest": "ex",
        "persona_emotion": "anger",
        "pause": False,
        "resources": None,
    }


def test_guidance_without_words_to_cite_or_a_feeling_to_name_reads_as_before():
    some = shown(
        "Okay, what's your order number",
        ip=1,
        ex=1,
        feelings={"anger": 0.4, "sadness": 0.6},
    )
    assert some["worked"] == "There's some interpretation in your reply — Dana can hear that you're listening."
    assert (
        some["try_next"]
        == "Dana still sounds sad — let them hear that you feel for them, in a few plain words, like “I'm so sorry, that's a lot”."
    )
    assert some["rewrite"] == "I'm so sorry, that's a lot. Okay, what's your order number."

    unnamed = shown("That sounds hard.", er=2, ip=2, persona_name="Maya Chen", feelings={})
    assert unnamed["try_next"] == (
        "Maya is still finding words for this — ask an open question about it, like “what worries you most about all this?”"
    )
    assert unnamed["rewrite"] == "That sounds hard. What's been the hardest part of all this for you?"
    assert unnamed["persona_emotion"] is None


def test_full_marks_and_a_nameless_persona_read_as_before():
    long = "you've been carrying this " * 5
    g = shown(long, er=2, ip=2, ex=2, rationales={"ip": [long]}, persona_name="")
    assert g["worked"] == (
        "You showed you understood what They is going through: "
        "‘you've been carrying this you've been carrying this you've been carrying this…’."
    )
    assert (
        g["try_next"] == "That was a full response. Keep following They's lead and let them say what matters most next."
    )
    assert g["rewrite"] is None and g["weakest"] is None


def test_a_pause_shows_the_wellbeing_card_and_no_coaching():
    g = shown("I can't do this anymore", er=2, safety="crisis")
    assert g == {
        "worked": None,
        "blocker": None,
        "try_next": None,
        "rewrite": None,
        "weakest": None,
        "pause": True,
        "resources": default_resources(),
    }
    g["resources"]["lines"].clear()  # each view has its own copy
    assert default_resources()["lines"]


def test_summary_reads_word_for_word_as_before():
    turns = [
        LearnerTurn(
            index=1,
            text="That sounds so frustrating.",
            analysis=analysis_build(er=2, rationales={"er": ["sounds so frustrating"]}),
        ),
        LearnerTurn(index=3, text="Okay,   what's your\norder number", analysis=analysis_build(ex=1, ip=1)),
    ]
    goals = [GoalSpec(id=7, description="Name Dana's frustration.", mechanism="er", min_level=1, min_turns=1)]
    trajectory = [{"index": 0, "emotions": OPENING}, {"index": 1, "emotions": {"anger": 0.4}}]
    s = summary_render(summary_compose(turns=turns, goals=goals, trajectory=trajectory, persona_name="Dana Reyes"))
    assert s == {
        "turns": 2,
        "mechanisms": {
            "er": {"name": "emotional reaction", "average": 1.0, "best": 2},
            "ip": {"name": "interpretation", "average": 0.5, "best": 1},
            "ex": {"name": "exploration", "average": 0.5, "best": 1},
        },
        "trajectory": trajectory,
        "goals": [
            {
                "id": 7,
                "description": "Name Dana's frustration.",
                "mechanism": "er",
                "met": True,
                "progress": 1,
                "needed": 1,
            }
        ],
        "goals_met": True,
        "highlights": [
            {
                "turn_index": 1,
                "mechanism": "er",
                "level": 2,
                "quote": "That sounds so frustrating",
                "note": "You met Dana's feelings with warmth",
            },
            {
                "turn_index": 3,
                "mechanism": "ip",
                "level": 1,
                "quote": "Okay, what's your order number",
                "note": "You put into words what Dana was going through",
            },
        ],
        "practise_next": {
            "mechanism": "ex",
            "text": "Ask one open question about their experience (“what's been the hardest part?”) and let them answer.",
        },
        "score": 0.667,
    }


def test_every_sentence_goes_through_gettext_and_the_learners_words_do_not(monkeypatch):
    monkeypatch.setattr(render, "gettext", lambda message: f"⟦{message}⟧")
    g = shown("Just submit it tomorrow", ip=1, rationales={"ip": ["submit it"]})
    for line in (g["worked"], g["try_next"], g["rewrite"]):
        assert line.startswith("⟦") and line.endswith("⟧")
    assert "submit it" in g["worked"] and "Just submit it tomorrow" in g["rewrite"]
    summary = summary_render(
        summary_compose(
            turns=[LearnerTurn(index=1, text="That must hurt", analysis=analysis_build(er=1))],
            goals=[],
            trajectory=[],
            persona_name="Dana",
        )
    )
    assert summary["highlights"][0]["note"] == "⟦You met Dana's feelings with warmth⟧"
    assert summary["highlights"][0]["quote"] == "That must hurt"
    assert summary["practise_next"]["text"].startswith("⟦")


def test_the_translatable_words_are_the_ones_the_page_uses():
    # The page's mechanism names come from signals (page_constants); the coaching's are translatable.
    assert {mech: str(name) for mech, name in render.MECHANISM_NAMES.items()} == signals.MECHANISM_NAMES
    assert render.emotion_words(None) == ("upset", "feelings")
    assert render.emotion_words("nervousness") == ("anxious", "worry")


def test_rows_of_an_unknown_version_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="version 3 cannot be rendered"):
        guidance_render({"version": 3})
    with pytest.raises(ValueError, match="version None cannot be rendered"):
        summary_render({"turns": 1})
