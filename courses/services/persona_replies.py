"""The step after a turn's analysis: write what the persona says back, move its feelings, and end
the session when its goals are met or its last turn is reached.

What the persona says is decided before this runs, outside any lock (the engine and the models
take time; a generative engine takes much more); here, under the session locks, only what must be
atomic: the feelings from the session's current state, the reply's position in the conversation,
the session's goals, status, summary and score, and the learner's progress.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import ItemProgress, PracticeSession, Scenario, Turn
from courses.practice import persona_state as feelings
from courses.practice.engine import ReplyChoice
from courses.practice.events import Emotions, TrajectoryPoint
from courses.practice.summary import GoalSpec, LearnerTurn, Summary, goals_met, session_score, summary_compose
from courses.selectors.practice import trajectory_for
from courses.services.progress import item_complete
from inference.schema import EmotionReading, TurnAnalysis


@dataclass(frozen=True)
class ReplyPlan:
    """The persona's answer to one analysed learner turn, chosen outside the lock; choice None
    means no answer (the session paused, or ended at an earlier turn of the batch). turn_id None is
    the closing line after the learner wrapped up: it answers no turn in particular."""

    turn_id: int | None
    session_id: uuid.UUID
    choice: ReplyChoice | None
    reading: EmotionReading | None  # the emotion detector's reading of the reply's words
    goals: Sequence[GoalSpec]


@dataclass
class ReplyOutcome:
    """What was saved for one learner turn, ready to be sent."""

    session_id: uuid.UUID
    turn_id: int | None  # None for a closing line after a wrap-up
    emotions: Emotions  # the persona's feelings after this turn
    persona_turn: Turn | None
    trajectory: list[TrajectoryPoint]
    summary: Summary | None  # set when this turn ended the session
    session_status: str
    goals_met: list[int]


def _learner_turns(turns: Sequence[Turn], *, up_to: int) -> list[LearnerTurn]:
    return [
        LearnerTurn(index=t.index, text=t.text, analysis=t.analysis or {})
        for t in turns
        if t.role == Turn.Role.LEARNER and t.status == Turn.Status.DONE and t.index <= up_to and t.analysis
    ]


def persona_replies_save(*, plans: Sequence[ReplyPlan]) -> list[ReplyOutcome]:
    """For each plan, in conversation order: write the persona's reply turn (unless the session is
    no longer active), the feelings after the learner's turn on both, the goals met; end the session
    (summary, score, progress) when the reply ends it. One transaction for the batch. Sends nothing.

    Queries, whatever the batch size: lock the sessions, read their turns, one INSERT for the
    replies, one UPDATE for the learner turns' feelings, one UPDATE for the sessions; and the
    progress rows of sessions that end."""
    if not plans:
        return []
    with transaction.atomic():
        sessions = {
            s.pk: s
            for s in PracticeSession.objects.select_for_update(of=("self",))
            .select_related("scenario", "learner")
            .filter(pk__in={p.session_id for p in plans})
            .order_by("pk")
        }
        history: dict[uuid.UUID, list[Turn]] = {pk: [] for pk in sessions}
        for row in Turn.objects.filter(session_id__in=sessions).order_by("session_id", "index"):
            history[row.session_id].append(row)
        now = timezone.now()
        outcomes: list[ReplyOutcome] = []
        replies: list[Turn] = []
        learner_rows: list[Turn] = []
        ended: list[PracticeSession] = []
        for plan in plans:
            session, turns = sessions[plan.session_id], history[plan.session_id]
            turn: Turn | None = None
            analysis: TurnAnalysis | None = None
            if plan.turn_id is None:
                if session.status != PracticeSession.Status.CLOSING or plan.choice is None:
                    continue  # wrapped up already (a redelivered task), or wrap-up no longer asked
                speaking = True
            else:
                found = next((t for t in turns if t.pk == plan.turn_id), None)
                if found is None or found.status != Turn.Status.DONE or found.analysis is None:
                    continue
                turn, analysis = found, cast(TurnAnalysis, found.analysis)  # what turn_analyses_save wrote
                if any(t.in_reply_to_id == turn.pk for t in turns):
                    continue  # answered already (a redelivered step)
                speaking = plan.choice is not None and session.status == PracticeSession.Status.ACTIVE
            before = dict(session.persona_state or {})
            persona_turn: Turn | None = None
            if speaking and plan.choice is not None:
                state = _feelings_after(before=before, analysis=analysis, plan=plan)
                persona_turn = Turn(
                    session=session,
                    index=turns[-1].index + 1,  # read under the session lock
                    role=Turn.Role.PERSONA,
                    text=plan.choice.text,
                    # A generated reply streams first; its authored line waits here as the fallback.
                    status=Turn.Status.STREAMING if plan.choice.generate else Turn.Status.DONE,
                    reply=plan.choice.reply,
                    generation=_generation_record(plan.choice),
                    in_reply_to=turn,
                    persona_state=state,
                    analysis={"emotion": dict(plan.reading)} if plan.reading else None,
                    analysed_at=now,
                )
                turns.append(persona_turn)
                replies.append(persona_turn)
                session.persona_state = state
                if plan.choice.ends_session:
                    session.status = PracticeSession.Status.COMPLETED
                    session.ended_at = now
            else:
                state = before  # paused or ended: the learner still has the analysis and guidance
            if turn is not None:
                turn.persona_state = state
                learner_rows.append(turn)
            done = _learner_turns(turns, up_to=turns[-1].index)
            session.goals_met = goals_met(plan.goals, done)
            trajectory = trajectory_for(turns=turns)
            summary: Summary | None = None
            if persona_turn is not None and session.status == PracticeSession.Status.COMPLETED:
                summary = summary_compose(
                    turns=done, goals=plan.goals, trajectory=trajectory, persona_name=session.scenario.persona_name
                )
                session.summary = summary
                session.score = session_score(plan.goals, done)
                ended.append(session)
            outcomes.append(
                ReplyOutcome(
                    session_id=session.pk,
                    turn_id=plan.turn_id,
                    emotions=state,
                    persona_turn=persona_turn,
                    trajectory=trajectory,
                    summary=summary,
                    session_status=session.status,
                    goals_met=list(session.goals_met),
                )
            )
        Turn.objects.bulk_create(replies)
        Turn.objects.bulk_update(learner_rows, ["persona_state"])
        for session in sessions.values():
            session.updated_at = now
        PracticeSession.objects.bulk_update(
            list(sessions.values()),
            ["persona_state", "goals_met", "status", "ended_at", "summary", "score", "updated_at"],
        )
        for session in ended:
            _progress_record(
                learner=session.learner,
                scenario=session.scenario,
                completed=bool(session.summary and session.summary["goals_met"]),
                score=session.score or 0.0,
            )
    return outcomes


def _generation_record(choice: ReplyChoice) -> dict[str, object]:
    """What the persona turn records of its engine; a generated one's model, fallback and reason
    are filled in when its stream ends (persona_stream_finish)."""
    if not choice.generate:
        return {"engine": choice.engine}
    return {"engine": choice.engine, "model": None, "fell_back": None, "reason": None}


def _feelings_after(*, before: Emotions, analysis: TurnAnalysis | None, plan: ReplyPlan) -> Emotions:
    """How the learner's turn (none for a closing after a wrap-up) and the chosen reply move the
    persona's feelings."""
    assert plan.choice is not None
    # Without a learner turn only the reply's authored shift moves them.
    state = feelings.persona_state_next(current=before, analysis=analysis, shift=plan.choice.emotion_shift)
    return feelings.persona_state_blend(state=state, reading=feelings.reading_from_emotion(plan.reading))


def _progress_record(*, learner: User, scenario: Scenario, completed: bool, score: float) -> None:
    """Keep the best session score on the scenario's progress row; mark it completed when the goals
    are met (first time only). The unique (learner, item) row makes a repeat harmless."""
    if completed:
        try:
            item_complete(learner=learner, item=scenario, score=score)
            return
        except PermissionDenied:
            pass  # an instructor previewing without an enrolment: nothing to complete
    progress, _ = ItemProgress.objects.get_or_create(learner=learner, item=scenario)
    ItemProgress.objects.filter(Q(best_score__isnull=True) | Q(best_score__lt=score), pk=progress.pk).update(
        best_score=score
    )


def session_closing_undo(*, session_id: uuid.UUID) -> bool:
    """Give a session whose closing line could not be written back to the learner (closing →
    active), so they can wrap up again or go on. False when it is not closing. Sends nothing."""
    return bool(
        PracticeSession.objects.filter(pk=session_id, status=PracticeSession.Status.CLOSING).update(
            status=PracticeSession.Status.ACTIVE, updated_at=timezone.now()
        )
    )
