"""Reads of the analysis worker: the claimed turns with what they answer, the scenarios' scripts,
and each session's conversation so far. One query per kind of row for the whole batch, never one
per turn, so a batch of thirty costs what a batch of one does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from courses.models import Course, PersonaReply, PracticeSession, Scenario, ScenarioGoal, Turn
from courses.practice.summary import GoalSpec
from inference.generation import PersonaPrompt, Speaker


@dataclass(frozen=True)
class TurnToAnalyse:
    """A claimed learner turn and the persona message it answers (the last one before it)."""

    id: int
    session_id: uuid.UUID
    scenario_id: int
    index: int
    text: str
    context: str  # the persona message answered; the scenario's opening line for the first turn
    persona_name: str
    persona_emotions: dict[str, float]  # the persona's feelings the learner was answering
    created_at: datetime | None = None  # when the learner's turn was saved (the analysis latency metric)


@dataclass(frozen=True)
class ScenarioScript:
    """A scenario's authored replies and goals, read once per batch rather than once per turn."""

    replies: list[PersonaReply]
    goals: list[GoalSpec]

    def example_lines(self) -> list[str]:
        return [
            line.strip()
            for reply in self.replies
            for line in (reply.example_learner_lines or "").splitlines()
            if line.strip()
        ]


@dataclass(frozen=True)
class Conversation:
    """A session and its turns in order, as read before the persona's replies are chosen."""

    session: PracticeSession
    turns: list[Turn]


def turns_to_analyse(*, turn_ids: Sequence[int]) -> list[TurnToAnalyse]:
    """The turns of `turn_ids` this worker still holds (running), oldest first, with their context.
    Two queries: the turns with their sessions, then the persona turns of those sessions."""
    turns = list(
        Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING)
        .select_related("session__scenario")
        .only(
            "pk",
            "session_id",
            "index",
            "text",
            "created_at",
            "session__scenario_id",
            "session__persona_state",
            "session__scenario__persona_name",
            "session__scenario__opening_line",
        )
        .order_by("created_at", "pk")
    )
    if not turns:
        return []
    persona = (
        Turn.objects.filter(session_id__in={t.session_id for t in turns}, role=Turn.Role.PERSONA)
        .order_by("index")
        .values_list("session_id", "index", "text")
    )
    by_session: dict[uuid.UUID, list[tuple[int, str]]] = {}
    for session_id, index, text in persona:
        by_session.setdefault(session_id, []).append((index, text))
    result = []
    for turn in turns:
        earlier = [text for index, text in by_session.get(turn.session_id, []) if index < turn.index]
        result.append(
            TurnToAnalyse(
                id=turn.pk,
                session_id=turn.session_id,
                scenario_id=turn.session.scenario_id,
                index=turn.index,
                text=turn.text,
                context=earlier[-1] if earlier else turn.session.scenario.opening_line,
                persona_name=turn.session.scenario.persona_name,
                persona_emotions=dict(turn.session.persona_state or {}),
                created_at=turn.created_at,
            )
        )
    return result


def scenario_scripts(*, scenario_ids: Iterable[int]) -> dict[int, ScenarioScript]:
    """The replies and goals of each scenario, in two queries."""
    ids = set(scenario_ids)
    replies: dict[int, list[PersonaReply]] = {pk: [] for pk in ids}
    for reply in PersonaReply.objects.filter(scenario_id__in=ids).order_by("order", "id"):
        replies[reply.scenario_id].append(reply)
    goals: dict[int, list[GoalSpec]] = {pk: [] for pk in ids}
    for goal in ScenarioGoal.objects.filter(scenario_id__in=ids).order_by("order", "id"):
        goals[goal.scenario_id].append(
            GoalSpec(
                id=goal.pk,
                description=goal.description,
                mechanism=goal.mechanism,
                min_level=goal.min_level,
                min_turns=goal.min_turns,
            )
        )
    return {pk: ScenarioScript(replies=replies[pk], goals=goals[pk]) for pk in ids}


def published_scenario_ids() -> set[int]:
    """Every scenario of a published course: what a worker reads ahead at start."""
    return set(Scenario.objects.filter(module__course__status=Course.Status.PUBLISHED).values_list("pk", flat=True))


def conversations(*, session_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Conversation]:
    """Each session (with its scenario) and its turns in order: two queries for the whole batch."""
    ids = set(session_ids)
    sessions = {s.pk: s for s in PracticeSession.objects.filter(pk__in=ids).select_related("scenario")}
    turns: dict[uuid.UUID, list[Turn]] = {pk: [] for pk in sessions}
    for turn in Turn.objects.filter(session_id__in=sessions).order_by("session_id", "index"):
        turns[turn.session_id].append(turn)
    return {pk: Conversation(session=session, turns=turns[pk]) for pk, session in sessions.items()}


@dataclass(frozen=True)
class ReplyToGenerate:
    """A streaming persona turn and what its language model is told (`prompt`), with the persona's
    earlier lines (a generated sentence may not repeat them) and the authored line it stands in for."""

    turn_id: int
    session_id: uuid.UUID
    persona_name: str
    prompt: PersonaPrompt
    earlier: list[str]
    authored: str


def reply_to_generate(*, turn_id: int) -> ReplyToGenerate | None:
    """The streaming persona turn `turn_id` with its scenario's card, the persona's feelings after the
    learner's turn, and the conversation up to the learner turn it answers (two queries); None when
    it is no longer streaming."""
    turn = (
        Turn.objects.filter(pk=turn_id, role=Turn.Role.PERSONA, status=Turn.Status.STREAMING)
        .select_related("session__scenario")
        .first()
    )
    if turn is None:
        return None
    scenario = turn.session.scenario
    answered = turn.in_reply_to_id
    before = list(Turn.objects.filter(session_id=turn.session_id, index__lt=turn.index).order_by("index"))
    history: list[tuple[Speaker, str]] = []
    for row in before:
        if row.role == Turn.Role.PERSONA:
            history.append(("persona", row.text))
        elif row.status == Turn.Status.DONE:
            history.append(("learner", row.text))
        if row.pk == answered:
            break  # a turn the learner sent meanwhile is answered by a reply of its own
    return ReplyToGenerate(
        turn_id=turn.pk,
        session_id=turn.session_id,
        persona_name=scenario.persona_name,
        prompt=PersonaPrompt(
            persona_name=scenario.persona_name,
            persona_bio=scenario.persona_bio,
            situation=scenario.situation,
            feelings={str(k): float(v) for k, v in (turn.persona_state or {}).items()},
            history=history,
            guidance=turn.text,
            facts=scenario.facts,
        ),
        earlier=[text for speaker, text in history if speaker == "persona"],
        authored=turn.text,
    )


def persona_card(*, scenario_id: int) -> PersonaPrompt | None:
    """The card of a generative scenario's persona as a prompt with no conversation yet (what the
    generation worker runs ahead of a session's first reply); None for a scripted scenario."""
    scenario = Scenario.objects.filter(pk=scenario_id, engine=Scenario.Engine.GENERATIVE).first()
    if scenario is None:
        return None
    return PersonaPrompt(
        persona_name=scenario.persona_name,
        persona_bio=scenario.persona_bio,
        situation=scenario.situation,
        feelings={},
        history=[],
        guidance="",
        facts=scenario.facts,
    )
