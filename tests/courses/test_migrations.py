"""Migration 0004: rows written as English sentences become structured guidance and summaries that
read exactly as before, and go back to the same sentences on the way down."""

from __future__ import annotations

import copy
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from courses.models import PracticeSession, Turn
from courses.practice.render import guidance_render, summary_render
from courses.practice.wellbeing import default_resources
from tests.factories import analysis_build, course_bundle_create

pytestmark = pytest.mark.django_db

migration = importlib.import_module("courses.migrations.0004_guidance_summary_structured")
SCHEMA_EDITOR = SimpleNamespace(connection=connection)

# As the code before 0004 stored them, for these turns of the bundle's scenario (Dana, "This is the
# second time!", feeling anger 0.7 and disappointment 0.5).
OLD_FIRST = {
    "worked": "You met Dana's feelings with warmth: ‘That sounds so frustrating’.",
    "try_next": "Dana still sounds angry — ask an open question about it, like “what worries you most about "
    "the second time?”",
    "rewrite": "That sounds so frustrating. What's been the hardest part of the second time for you?",
    "weakest": "ex",
    "persona_emotion": "anger",
    "pause": False,
    "resources": None,
}
OLD_SECOND = {
    "worked": "There's some interpretation in your reply — Dana can hear that you're listening.",
    "try_next": "Dana still sounds sad — name that feeling back in a few words, like “you sound really sad”.",
    "rewrite": "You sound really sad, and I'm sorry. Okay, what's your order number.",
    "weakest": "er",
    "persona_emotion": "sadness",
    "pause": False,
    "resources": None,
}
OLD_PAUSE = {
    "worked": None,
    "try_next": None,
    "rewrite": None,
    "weakest": None,
    "pause": True,
    "resources": migration.OLD_RESOURCES,
}
TRAJECTORY = [
    {"index": 0, "emotions": {"anger": 0.7, "disappointment": 0.5}},
    {"index": 1, "emotions": {"anger": 0.4, "sadness": 0.6}},
    {"index": 3, "emotions": {"anger": 0.3, "sadness": 0.5}},
]


def old_summary(goal_id: int) -> dict:
    return {
        "turns": 2,
        "mechanisms": {
            "er": {"name": "emotional reaction", "average": 1.0, "best": 2},
            "ip": {"name": "interpretation", "average": 0.5, "best": 1},
            "ex": {"name": "exploration", "average": 0.5, "best": 1},
        },
        "trajectory": TRAJECTORY,
        "goals": [
            {
                "id": goal_id,
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
                "note": "You named what Dana was feeling",
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


@pytest.fixture
def rows(alice):
    """A completed session and a paused one, with guidance and a summary in the old rendered form."""
    scenario = course_bundle_create().scenario
    goal = scenario.goals.get()
    now = timezone.now()
    done = PracticeSession.objects.create(
        learner=alice,
        scenario=scenario,
        status=PracticeSession.Status.COMPLETED,
        ended_at=now,
        summary=old_summary(goal.pk),
    )

    def turn(session, index, role, text, **fields):
        return Turn.objects.create(session=session, index=index, role=role, text=text, **fields)

    learner, persona = Turn.Role.LEARNER, Turn.Role.PERSONA
    turn(done, 0, persona, scenario.opening_line, persona_state=TRAJECTORY[0]["emotions"])
    first = turn(
        done,
        1,
        learner,
        "That sounds so frustrating.",
        analysis=analysis_build(er=2, rationales={"er": ["sounds so frustrating"]}),
        guidance=OLD_FIRST,
        persona_state=TRAJECTORY[1]["emotions"],
        analysed_at=now,
    )
    turn(done, 2, persona, "I waited in all week for the parcel.", persona_state=TRAJECTORY[1]["emotions"])
    second = turn(
        done,
        3,
        learner,
        "Okay, what's your order number",
        analysis=analysis_build(ip=1, ex=1),
        guidance=OLD_SECOND,
        persona_state=TRAJECTORY[2]["emotions"],
        analysed_at=now,
    )
    turn(done, 4, persona, "It's 4471.", persona_state=TRAJECTORY[2]["emotions"])

    paused = PracticeSession.objects.create(learner=alice, scenario=scenario, status=PracticeSession.Status.PAUSED)
    turn(paused, 0, persona, scenario.opening_line, persona_state=TRAJECTORY[0]["emotions"])
    crisis = turn(
        paused,
        1,
        learner,
        "I can't do this anymore",
        analysis=analysis_build(er=1, safety="crisis"),
        guidance=OLD_PAUSE,
        persona_state=TRAJECTORY[0]["emotions"],
    )
    return SimpleNamespace(done=done, first=first, second=second, paused=paused, crisis=crisis, goal=goal)


def refreshed(*objs):
    for obj in objs:
        obj.refresh_from_db()


def test_forward_stores_decisions_that_read_exactly_as_the_old_text(rows):
    migration.structure(apps, SCHEMA_EDITOR)
    refreshed(rows.first, rows.second, rows.crisis, rows.done)

    # Decided again by today's compose (see the migration): the newest version, no blocker named
    # (the old analyses carry none), the same text otherwise.
    assert rows.first.guidance["version"] == 2 and rows.first.guidance["blocker"] is None
    assert rows.first.guidance["worked"] == {
        "code": "named_feeling",
        "mechanism": "er",
        "quote": "That sounds so frustrating",
        "persona": "Dana",
        "emotion": "anger",  # the feelings the learner answered: the opening ones
    }
    assert rows.second.guidance["try_next"]["emotion"] == "sadness"  # after the first reply
    assert guidance_render(rows.first.guidance) == {**OLD_FIRST, "blocker": None}
    assert guidance_render(rows.second.guidance) == {**reworded_guidance(OLD_SECOND), "blocker": None}
    # The pause card now reads as the wellbeing module words it (lines with a title each).
    assert guidance_render(rows.crisis.guidance) == {**OLD_PAUSE, "resources": default_resources(), "blocker": None}

    assert rows.done.summary["version"] == 1 and rows.done.summary["practise_next"] == "ex"
    assert summary_render(rows.done.summary) == reworded(old_summary(rows.goal.pk))


def reworded_guidance(guidance: dict) -> dict:
    """Old guidance as today's words render it: the emotional-reaction step asks for warmth, no
    longer "name that feeling back … “you sound really sad”", which the guide scores as an interpretation."""
    return {
        **guidance,
        "try_next": guidance["try_next"].replace(
            "name that feeling back in a few words, like “you sound really sad”",
            "let them hear that you feel for them, in a few plain words, like “I'm so sorry, that's a lot”",
        ),
        "rewrite": guidance["rewrite"].replace("You sound really sad, and I'm sorry.", "I'm so sorry, that's a lot."),
    }


def reworded(summary: dict) -> dict:
    """The old summary as today's words render it: an emotional reaction's highlight is warmth, no
    longer "You named what Dana was feeling" (a walkthrough saw that note on a reply naming no feeling)."""
    for highlight in summary["highlights"]:
        if highlight["note"] == "You named what Dana was feeling":
            highlight["note"] = "You met Dana's feelings with warmth"
    return summary


def test_forward_leaves_structured_rows_alone(rows):
    migration.structure(apps, SCHEMA_EDITOR)
    refreshed(rows.first, rows.done)
    edited = copy.deepcopy(rows.first.guidance)
    edited["worked"]["quote"] = "a corrected span"
    Turn.objects.filter(pk=rows.first.pk).update(guidance=edited)
    summary = {**rows.done.summary, "score": 0.5}
    PracticeSession.objects.filter(pk=rows.done.pk).update(summary=summary)

    migration.structure(apps, SCHEMA_EDITOR)
    refreshed(rows.first, rows.done)
    assert rows.first.guidance == edited
    assert rows.done.summary == summary


def test_backward_renders_the_old_text_again(rows):
    migration.structure(apps, SCHEMA_EDITOR)
    migration.render_back(apps, SCHEMA_EDITOR)
    refreshed(rows.first, rows.second, rows.crisis, rows.done)
    assert rows.first.guidance == OLD_FIRST
    assert rows.second.guidance == reworded_guidance(OLD_SECOND)
    assert rows.crisis.guidance == OLD_PAUSE
    assert rows.done.summary == reworded(old_summary(rows.goal.pk))
