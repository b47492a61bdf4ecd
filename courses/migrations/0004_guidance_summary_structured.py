"""Guidance and summaries stored as decisions (codes, quoted words, a "version"), not sentences.

Rows written before this hold the English text (Turn.guidance {"worked": "You named …", ...},
PracticeSession.summary {..., "practise_next": {"mechanism", "text"}}). Forward, each is decided
again from what is stored beside it, the way the task decided it; backward, each is rendered
back to that text. Rows that already carry a "version" are structured and left alone.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations
from django.db.models import Q
from django.utils import translation

# Not historical models but pure functions over plain data (no models, no database), so the
# migration uses the code's own compose and render rather than a frozen copy: a converted row
# reads exactly like one the task writes now.
from courses.practice.guidance import guidance_compose
from courses.practice.render import guidance_render, summary_render
from courses.practice.summary import GoalSpec, LearnerTurn, summary_compose

# The pause card as the old rows held it (lines were plain strings then), for the way back.
OLD_RESOURCES: dict[str, Any] = {
    "title": "Let's take a pause",
    "body": (
        "Some of what you wrote sounds like it might be about you, not only the role-play. "
        "If anything here is weighing on you, you don't have to carry it alone."
    ),
    "lines": [
        "Talk to someone you trust: a friend, family member, colleague or doctor.",
        "If you or someone else is in danger right now, call your local emergency number.",
        "In the US you can call or text 988 (Suicide & Crisis Lifeline), any time, free and confidential.",
    ],
    "continue_label": "I'm okay, continue the practice",
}


def _is_rendered(value: Any) -> bool:
    return isinstance(value, dict) and "version" not in value


def _is_structured(value: Any) -> bool:
    return isinstance(value, dict) and "version" in value


def _chunks(ids: list[Any], size: int = 200) -> Any:
    # Rows are read in chunks and written between them, never while a cursor is open over the
    # same table (SQLite does not isolate the two).
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def structure(apps: Any, schema_editor: Any) -> None:
    """Old rendered guidance and summaries → structured, decided again from the stored turns."""
    alias = schema_editor.connection.alias
    PracticeSession = apps.get_model("courses", "PracticeSession")
    Turn = apps.get_model("courses", "Turn")
    guided = Turn.objects.using(alias).filter(role="learner", guidance__isnull=False).values("session_id")
    session_ids = list(
        PracticeSession.objects.using(alias)
        .filter(Q(pk__in=guided) | Q(summary__isnull=False))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(session_ids):
        for session in PracticeSession.objects.using(alias).filter(pk__in=chunk).select_related("scenario"):
            _structure_session(session, apps=apps, alias=alias)


# The example question's topic as the old sentences wrote it ("...about the second time?", "...the
# hardest part of the second time for you?"): today's compose names none, so the stored decision
# takes the topic back from the text it replaces, and reads as that text did.
_OLD_TOPIC = re.compile(r"(?:worries you most about|hardest part of) the (.+?)(?: for you)?\?")


def _with_old_topic(composed: Any, old: Any) -> Any:
    sentences = (
        " ".join(str(value) for value in old.values() if isinstance(value, str)) if isinstance(old, dict) else ""
    )
    found = _OLD_TOPIC.search(sentences)
    if found is None:
        return composed
    for key in ("try_next", "rewrite"):
        if composed.get(key):
            composed[key] = {**composed[key], "topic": found.group(1)}
    return composed


def _structure_session(session: Any, *, apps: Any, alias: str) -> None:
    PracticeSession = apps.get_model("courses", "PracticeSession")
    Turn = apps.get_model("courses", "Turn")
    ScenarioGoal = apps.get_model("courses", "ScenarioGoal")
    scenario = session.scenario
    turns = list(Turn.objects.using(alias).filter(session_id=session.pk).order_by("index"))
    changed = []
    for position, turn in enumerate(turns):
        if turn.role != "learner" or not _is_rendered(turn.guidance):
            continue
        earlier = turns[:position]
        # What the learner was answering: the feelings as the last turn before left them.
        before = next((t.persona_state for t in reversed(earlier) if t.persona_state is not None), None)
        composed = guidance_compose(
            text=turn.text,
            analysis=turn.analysis or {},
            persona_name=scenario.persona_name,
            persona_emotions=before if before is not None else (scenario.starting_emotions or {}),
        )
        turn.guidance = _with_old_topic(composed, turn.guidance)
        changed.append(turn)
    Turn.objects.using(alias).bulk_update(changed, ["guidance"])

    if _is_rendered(session.summary):
        done = [
            LearnerTurn(index=t.index, text=t.text, analysis=t.analysis or {})
            for t in turns
            if t.role == "learner"
            and t.status == "done"
            # The summary was written when the session ended; a queued turn analysed after that
            # was never part of it.
            and not (session.ended_at and t.analysed_at and t.analysed_at > session.ended_at)
        ]
        goals = [
            GoalSpec(
                id=goal.pk,
                description=goal.description,
                mechanism=goal.mechanism,
                min_level=goal.min_level,
                min_turns=goal.min_turns,
            )
            for goal in ScenarioGoal.objects.using(alias).filter(scenario_id=scenario.pk).order_by("order", "id")
        ]
        summary = summary_compose(
            turns=done,
            goals=goals,
            trajectory=session.summary.get("trajectory") or [],
            persona_name=scenario.persona_name,
        )
        # A queryset update: the row's updated_at stays what the learner last did.
        PracticeSession.objects.using(alias).filter(pk=session.pk).update(summary=summary)


def render_back(apps: Any, schema_editor: Any) -> None:
    """Structured guidance and summaries → the English text the old code stored."""
    alias = schema_editor.connection.alias
    Turn = apps.get_model("courses", "Turn")
    PracticeSession = apps.get_model("courses", "PracticeSession")
    # No translation active: the old rows were English, the templates' own text.
    with translation.override(None):
        changed = []
        for turn in Turn.objects.using(alias).filter(role="learner", guidance__isnull=False).iterator(chunk_size=500):
            if not _is_structured(turn.guidance):
                continue
            view: dict[str, Any] = dict(guidance_render(turn.guidance))
            view.pop("blocker", None)  # the old rows had no blocker note
            if view["pause"]:
                view["resources"] = OLD_RESOURCES
            turn.guidance = view
            changed.append(turn)
        Turn.objects.using(alias).bulk_update(changed, ["guidance"], batch_size=500)
        summarised = PracticeSession.objects.using(alias).filter(summary__isnull=False)
        for chunk in _chunks(list(summarised.values_list("pk", flat=True))):
            for session in PracticeSession.objects.using(alias).filter(pk__in=chunk):
                if _is_structured(session.summary):
                    PracticeSession.objects.using(alias).filter(pk=session.pk).update(
                        summary=summary_render(session.summary)
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_turn_in_reply_to"),
    ]

    operations = [
        migrations.RunPython(structure, render_back, elidable=False),
    ]
