"""Reads for live practice: the session a learner may open, and its whole conversation as JSON.

`practice_state` is what the socket sends as `session.state` on every (re)connect and what the
page embeds at first render, so a reload or a dropped socket shows exactly what the database holds.
"""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from courses.models import PracticeSession, Scenario, Turn
from courses.practice import persona_state as feelings
from courses.practice.events import (
    GoalView,
    PracticeState,
    ScenarioView,
    SessionStatus,
    SessionView,
    TrajectoryPoint,
    TurnRole,
    TurnStatusName,
    TurnView,
    analysis_view,
)
from courses.practice.render import guidance_render, summary_render
from courses.practice.streams import stream_text
from courses.selectors.courses import item_get_for_user, user_can_preview
from courses.selectors.progress import enrollment_get
from inference.schema import Mechanism, TurnAnalysis


class SessionNotFound(Exception):
    """No practice session has this id."""


def scenario_get_for_practice(*, item_id: int, user: User | AnonymousUser) -> Scenario:
    """The scenario if this user may practise it: enrolled in its published course, or an instructor
    previewing; Http404 if they may not see it, PermissionDenied if not enrolled."""
    scenario = item_get_for_user(item_id=item_id, kind="scenario", user=user)
    if user_can_preview(user):
        return scenario
    if not scenario.module.course.is_published:
        raise Http404("No such item.")
    if enrollment_get(learner=user, course=scenario.module.course) is None:
        raise PermissionDenied("Enrol in this course to practise its scenarios.")
    return scenario


def practice_session_for_learner(
    *, session_id: uuid.UUID | str, learner: AbstractBaseUser | AnonymousUser
) -> PracticeSession:
    """The session with its scenario, if it is this learner's: SessionNotFound for an unknown id,
    PermissionDenied for someone else's session."""
    try:
        session = PracticeSession.objects.select_related("scenario__module__course").get(pk=session_id)
    except (PracticeSession.DoesNotExist, ValueError):
        raise SessionNotFound(str(session_id)) from None
    if session.learner_id != learner.pk:
        raise PermissionDenied("This practice session belongs to someone else.")
    return session


def turn_serialise(turn: Turn) -> TurnView:
    """One turn as the page and the events show it (a learner turn's stored guidance rendered)."""
    view = TurnView(
        id=turn.pk,
        index=turn.index,
        role=cast(TurnRole, turn.role),
        client_id=str(turn.client_id) if turn.client_id else None,
        # A reply still streaming shows what was sent of it so far; its stored text is the authored
        # fallback, which no page sees unless the generation falls back to it.
        text=stream_text(turn.pk) if turn.status == Turn.Status.STREAMING else turn.text,
        status=cast(TurnStatusName, turn.status),
        failure_reason=turn.failure_reason or None,
        persona_state=turn.persona_state,
        in_reply_to=turn.in_reply_to_id,
        created_at=turn.created_at.isoformat() if turn.created_at else None,
    )
    if turn.role == Turn.Role.LEARNER:
        view["analysis"] = analysis_view(cast(TurnAnalysis, turn.analysis)) if turn.analysis else None
        view["guidance"] = guidance_render(turn.guidance, learner_text=turn.text) if turn.guidance is not None else None
    else:
        # A persona turn's analysis holds only the detector's reading of its words: its top labels.
        top = ((turn.analysis or {}).get("emotion") or {}).get("top") or []
        view["emotions"] = {str(label): round(float(prob), 3) for label, prob in top}
    return view


def streaming_turn_reread(*, turn: TurnView) -> TurnView:
    """A reply that was streaming when `turn` was read, as it is now: its partial text, or the saved
    turn if it finished meanwhile (a socket that joined its group late missed that reply.done)."""
    text = stream_text(turn["id"])
    if text:
        return {**turn, "text": text}
    saved = Turn.objects.filter(pk=turn["id"]).first()
    return turn_serialise(saved) if saved is not None else turn


def session_serialise(session: PracticeSession, *, learner_turns: int) -> SessionView:
    """The session and its scenario as the page and the events show it (its stored summary rendered)."""
    scenario = session.scenario
    return SessionView(
        id=str(session.pk),
        status=cast(SessionStatus, session.status),
        persona_state=session.persona_state,
        goals_met=session.goals_met,
        score=session.score,
        summary=summary_render(session.summary) if session.summary is not None else None,
        learner_turns=learner_turns,
        scenario=ScenarioView(
            id=scenario.pk,
            title=scenario.title,
            persona_name=scenario.persona_name,
            persona_bio=scenario.persona_bio,
            situation=scenario.situation,
            max_turns=scenario.max_turns,
            goals=[
                GoalView(id=goal.pk, description=goal.description, mechanism=cast(Mechanism, goal.mechanism))
                for goal in scenario.goals.all()
            ],
        ),
    )


def practice_state(*, session: PracticeSession) -> PracticeState:
    """The whole conversation from the database: the session, its turns and the persona's feelings over it."""
    turns = list(session.turns.order_by("index"))
    learner_turns = sum(1 for turn in turns if turn.role == Turn.Role.LEARNER)
    return PracticeState(
        session=session_serialise(session, learner_turns=learner_turns),
        turns=[turn_serialise(turn) for turn in turns],
        trajectory=trajectory_for(turns=turns),
    )


def trajectory_for(*, turns: list[Turn]) -> list[TrajectoryPoint]:
    """The persona's feelings over the conversation: the opening state, then after each analysed learner turn."""
    states = [
        (turn.index, turn.persona_state)
        for turn in turns
        if turn.persona_state is not None and (turn.index == 0 or turn.role == Turn.Role.LEARNER)
    ]
    # feelings.trajectory builds exactly these points ({"index", "emotions"}).
    return cast(list[TrajectoryPoint], feelings.trajectory(states))
