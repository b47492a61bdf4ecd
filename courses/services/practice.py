"""Live practice writes: sessions, learner turns, and what the analysis task saves.

Every write to a session's conversation locks the session row first (`select_for_update`), so a
learner's submit, a wellbeing continue and a worker saving an analysis run one after the other
and turn indexes never collide. Events leave through `events_send` only after the transaction
commits, so the page is never told about a row that was rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from courses.models import ItemProgress, PersonaReply, PracticeSession, Scenario, ScenarioGoal, Turn
from courses.practice import events, signals
from courses.practice import persona_state as feelings
from courses.practice.broadcast import events_send, events_send_many
from courses.practice.engine import Similarity, TurnFacts, engine_for
from courses.practice.guidance import guidance_compose
from courses.practice.summary import GoalSpec, LearnerTurn, all_goals_met, goals_met, session_score, summary_compose
from courses.selectors.practice import practice_session_for_learner, practice_state, trajectory_for, turn_serialise
from courses.services.progress import item_complete
from empathycamp.tasking import enqueue


class PracticeRefused(Exception):
    """A learner action the session cannot take; `code` is one of the error codes in events.py."""

    def __init__(self, code: str, message: str, *, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


def _analyse_task() -> Any:
    from courses.tasks import analyse_turn_task

    return analyse_turn_task


def _session_lock(*, session_id: uuid.UUID | str, learner: AbstractBaseUser) -> PracticeSession:
    practice_session_for_learner(session_id=session_id, learner=learner)  # ownership, before locking
    return PracticeSession.objects.select_for_update(of=("self",)).select_related("scenario").get(pk=session_id)


def _next_index(session: PracticeSession) -> int:
    last = session.turns.aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def practice_session_start(*, learner: AbstractBaseUser, scenario: Scenario) -> PracticeSession:
    """Write a new session for the learner and the persona's opening turn (index 0) with the
    scenario's starting feelings; count an attempt on the learner's progress row. Sends nothing."""
    state = feelings.persona_state_normalise(scenario.starting_emotions or {})
    session = PracticeSession.objects.create(learner=learner, scenario=scenario, persona_state=state)
    Turn.objects.create(
        session=session,
        index=0,
        role=Turn.Role.PERSONA,
        text=scenario.opening_line,
        status=Turn.Status.DONE,
        persona_state=state,
    )
    progress, _ = ItemProgress.objects.get_or_create(learner=learner, item=scenario)
    ItemProgress.objects.filter(pk=progress.pk).update(attempts=F("attempts") + 1)
    return session


def _rate_limited(*, learner: AbstractBaseUser) -> bool:
    since = timezone.now() - timedelta(minutes=1)
    recent = Turn.objects.filter(session__learner=learner, role=Turn.Role.LEARNER, created_at__gte=since).count()
    return recent >= settings.PRACTICE_TURNS_PER_MINUTE


def turn_submit(
    *, session_id: uuid.UUID | str, learner: AbstractBaseUser, client_id: uuid.UUID | str, text: str
) -> tuple[Turn, bool]:
    """Write the learner's turn (queued) and, after commit, send `turn.saved` to the session's group
    and schedule its analysis. A resend of a client_id returns the stored turn with created=False.
    Raises PracticeRefused (empty, too_long, session_closed, rate_limited)."""
    cid = str(client_id)
    text = (text or "").strip()
    if not text:
        raise PracticeRefused(events.ERR_EMPTY, "Write something first.", client_id=cid)
    if len(text) > events.MAX_TURN_CHARS:
        raise PracticeRefused(
            events.ERR_TOO_LONG,
            f"That message is {len(text):,} characters; please keep it under {events.MAX_TURN_CHARS:,}.",
            client_id=cid,
        )
    with transaction.atomic():
        session = _session_lock(session_id=session_id, learner=learner)
        existing = Turn.objects.filter(session=session, client_id=cid).first()
        if existing is not None:
            return existing, False
        if session.status != PracticeSession.Status.ACTIVE:
            message = (
                "This conversation has ended — start a new session to practise again."
                if session.status == PracticeSession.Status.COMPLETED
                else "The conversation is paused. Choose continue when you're ready."
            )
            raise PracticeRefused(events.ERR_SESSION_CLOSED, message, client_id=cid)
        learner_turns = session.turns.filter(role=Turn.Role.LEARNER).count()
        if learner_turns >= session.scenario.max_turns:
            raise PracticeRefused(
                events.ERR_SESSION_CLOSED, "This conversation has reached its last turn.", client_id=cid
            )
        if _rate_limited(learner=learner):
            raise PracticeRefused(
                events.ERR_RATE_LIMITED,
                "You're sending messages faster than we can reply — take a breath and try again in a moment.",
                client_id=cid,
            )
        try:
            with transaction.atomic():
                turn = Turn.objects.create(
                    session=session,
                    index=_next_index(session),
                    role=Turn.Role.LEARNER,
                    client_id=cid,
                    text=text,
                    status=Turn.Status.QUEUED,
                )
        except IntegrityError:
            # The same client_id raced in through another socket; the session lock makes this rare.
            return Turn.objects.get(session=session, client_id=cid), False
        saved = events.event(events.TURN_SAVED, turn=turn_serialise(turn))
        task = _analyse_task()

        def after_commit() -> None:
            events_send(session.pk, saved)
            enqueue(task, turn.pk)

        transaction.on_commit(after_commit)
    return turn, True


# A turn still queued or running this long after it was written lost its worker (a crash, a
# restart): the learner may send it again.
STALE_AFTER = timedelta(minutes=2)


def turn_retry(*, session_id: uuid.UUID | str, learner: AbstractBaseUser, turn_id: int) -> Turn:
    """Put a failed (or stale: queued or running for minutes) learner turn back in the queue and,
    after commit, send `turn.status` queued and schedule its analysis again. Raises PracticeRefused
    (not_found). A worker still holding a stale turn cannot save it: its save checks for running."""
    stale = Q(status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING], created_at__lt=timezone.now() - STALE_AFTER)
    with transaction.atomic():
        session = _session_lock(session_id=session_id, learner=learner)
        updated = Turn.objects.filter(
            Q(status=Turn.Status.FAILED) | stale, session=session, pk=turn_id, role=Turn.Role.LEARNER
        ).update(status=Turn.Status.QUEUED, failure_reason="")
        if not updated:
            raise PracticeRefused(events.ERR_NOT_FOUND, "There's no failed message to retry.")
        turn = Turn.objects.get(pk=turn_id)
        status = events.event(events.TURN_STATUS, turn_id=turn.pk, status=turn.status, reason=None)
        task = _analyse_task()

        def after_commit() -> None:
            events_send(session.pk, status)
            enqueue(task, turn.pk)

        transaction.on_commit(after_commit)
    return turn


def session_continue(*, session_id: uuid.UUID | str, learner: AbstractBaseUser) -> PracticeSession:
    """Resume a session paused for wellbeing (paused → active) and, after commit, send the fresh
    `session.state` to its group. Raises PracticeRefused (session_closed) for a completed session."""
    with transaction.atomic():
        session = _session_lock(session_id=session_id, learner=learner)
        if session.status == PracticeSession.Status.COMPLETED:
            raise PracticeRefused(events.ERR_SESSION_CLOSED, "This conversation has ended.")
        if session.status == PracticeSession.Status.PAUSED:
            session.status = PracticeSession.Status.ACTIVE
            session.save(update_fields=["status", "updated_at"])
        state = events.event(events.SESSION_STATE, **practice_state(session=session))
        transaction.on_commit(lambda: events_send(session.pk, state))
    return session


# --- Writes of the analysis task -------------------------------------------------------------


def turns_claim(*, turn_id: int, batch_size: int) -> list[int]:
    """Claim the task's own turn (queued → running) and up to batch_size - 1 other queued learner
    turns, oldest first, each by a conditional update; [] when another worker holds the turn."""
    if not Turn.objects.filter(pk=turn_id, status=Turn.Status.QUEUED).update(
        status=Turn.Status.RUNNING, attempts=F("attempts") + 1
    ):
        return []
    return [turn_id] + (turns_claim_queued(batch_size=batch_size - 1) if batch_size > 1 else [])


def turns_claim_queued(*, batch_size: int) -> list[int]:
    """Claim up to batch_size queued learner turns, oldest first, each by a conditional update.
    Another worker may take any of them between the read and the update: fine, it wins."""
    candidates = list(
        Turn.objects.filter(status=Turn.Status.QUEUED, role=Turn.Role.LEARNER)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return [
        pk
        for pk in candidates
        if Turn.objects.filter(pk=pk, status=Turn.Status.QUEUED).update(
            status=Turn.Status.RUNNING, attempts=F("attempts") + 1
        )
    ]


def turns_release(*, turn_ids: list[int]) -> None:
    """Put claimed turns back in the queue (running → queued) before a retry. Sends nothing."""
    Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING).update(status=Turn.Status.QUEUED)


def turns_fail(*, turn_ids: list[int], reason: str) -> None:
    """Mark claimed turns failed with a reason, then send `turn.status` failed for each."""
    with transaction.atomic():
        failed = list(Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING).values_list("pk", "session_id"))
        Turn.objects.filter(pk__in=[pk for pk, _ in failed]).update(status=Turn.Status.FAILED, failure_reason=reason)
    # One hop for the whole batch: each session's event still travels on its own to its group.
    events_send_many(
        [
            (session_id, events.event(events.TURN_STATUS, turn_id=pk, status="failed", reason=reason))
            for pk, session_id in failed
        ]
    )


@dataclass
class TurnOutcome:
    """What the task saved for one learner turn, ready to be sent."""

    session_id: uuid.UUID
    turn: Turn
    persona_turn: Turn | None
    trajectory: list[dict[str, Any]]
    summary: dict[str, Any] | None
    session_status: str


@dataclass(frozen=True)
class ScenarioScript:
    """A scenario's replies and goals, read once per batch rather than once per turn."""

    replies: list[PersonaReply]
    goals: list[GoalSpec]


def scenario_scripts(*, scenario_ids: set[int]) -> dict[int, ScenarioScript]:
    """The replies and goals of each scenario, in two queries."""
    replies: dict[int, list[PersonaReply]] = {pk: [] for pk in scenario_ids}
    for reply in PersonaReply.objects.filter(scenario_id__in=scenario_ids).order_by("order", "id"):
        replies[reply.scenario_id].append(reply)
    goals: dict[int, list[GoalSpec]] = {pk: [] for pk in scenario_ids}
    for goal in ScenarioGoal.objects.filter(scenario_id__in=scenario_ids).order_by("order", "id"):
        goals[goal.scenario_id].append(
            GoalSpec(
                id=goal.pk,
                description=goal.description,
                mechanism=goal.mechanism,
                min_level=goal.min_level,
                min_turns=goal.min_turns,
            )
        )
    return {pk: ScenarioScript(replies=replies[pk], goals=goals[pk]) for pk in scenario_ids}


def turn_result_save(
    *,
    turn_id: int,
    analysis: Mapping[str, Any],
    similarity: Similarity | None,
    read_reply: Callable[[str], Mapping[str, Any] | None],
    script: ScenarioScript | None = None,
) -> TurnOutcome | None:
    """Write a learner turn's analysis, guidance and persona feelings, pause the session on a safety
    concern, else write the persona's reply turn; end the session (summary, score, progress) when its
    goals are met or its last turn is reached. Sends nothing: the task sends after this commits.
    None if the turn is no longer this worker's (not running)."""
    with transaction.atomic():
        session_id = Turn.objects.filter(pk=turn_id).values_list("session_id", flat=True).first()
        if session_id is None:
            return None
        session = (
            PracticeSession.objects.select_for_update(of=("self",))
            .select_related("scenario", "learner")
            .get(pk=session_id)
        )
        history = list(session.turns.order_by("index"))
        turn = next(t for t in history if t.pk == turn_id)
        if turn.status != Turn.Status.RUNNING:
            return None
        scenario = session.scenario
        if script is None:
            script = scenario_scripts(scenario_ids={scenario.pk})[scenario.pk]
        answered = next((t for t in reversed(history) if t.role == Turn.Role.PERSONA and t.index < turn.index), None)
        before = dict(session.persona_state or {})
        guidance = guidance_compose(
            text=turn.text,
            analysis=analysis,
            persona_name=scenario.persona_name,
            persona_emotions=before,
            persona_text=answered.text if answered else scenario.opening_line,
        )
        turn.analysis = dict(analysis)
        turn.guidance = guidance
        turn.status = Turn.Status.DONE
        turn.analysed_at = timezone.now()
        turn.failure_reason = ""

        persona_turn: Turn | None = None
        summary: dict[str, Any] | None = None
        session_fields: list[str] = []
        done_learner = [
            LearnerTurn(index=t.index, text=t.text, analysis=t.analysis or {})
            for t in history
            if t.role == Turn.Role.LEARNER and t.status == Turn.Status.DONE and t.pk != turn.pk
        ] + [LearnerTurn(index=turn.index, text=turn.text, analysis=turn.analysis)]
        done_learner.sort(key=lambda t: t.index)
        goals = script.goals

        if signals.needs_pause(analysis) and session.status == PracticeSession.Status.ACTIVE:
            session.status = PracticeSession.Status.PAUSED
            session_fields.append("status")
            turn.persona_state = before
        elif session.status == PracticeSession.Status.ACTIVE:
            replies = script.replies
            turn_number = sum(1 for t in history if t.role == Turn.Role.LEARNER and t.index <= turn.index)
            facts = TurnFacts(
                text=turn.text,
                analysis=turn.analysis,
                turn_number=turn_number,
                goals_met=all_goals_met(goals, done_learner),
                last_turn=turn_number >= scenario.max_turns,
                used_reply_ids=frozenset(t.reply_id for t in history if t.reply_id is not None),
            )
            choice = engine_for(scenario).choose_reply(
                scenario=scenario, replies=replies, facts=facts, similarity=similarity
            )
            reading_emotion = read_reply(choice.text)
            state = feelings.persona_state_next(current=before, analysis=turn.analysis, shift=choice.emotion_shift)
            state = feelings.persona_state_blend(state=state, reading=feelings.reading_from_emotion(reading_emotion))
            turn.persona_state = state
            session.persona_state = state
            session_fields.append("persona_state")
            persona_turn = Turn(
                session=session,
                index=history[-1].index + 1,  # read under the session lock
                role=Turn.Role.PERSONA,
                text=choice.text,
                status=Turn.Status.DONE,
                reply=choice.reply,
                in_reply_to=turn,
                persona_state=state,
                analysis={"emotion": dict(reading_emotion)} if reading_emotion else None,
                analysed_at=timezone.now(),
            )
            if choice.ends_session:
                session.status = PracticeSession.Status.COMPLETED
                session.ended_at = timezone.now()
                session_fields += ["status", "ended_at"]
        else:
            # Paused or completed meanwhile: the learner still gets the analysis and guidance.
            turn.persona_state = before

        session.goals_met = goals_met(goals, done_learner)
        session_fields.append("goals_met")
        turn.save(update_fields=["analysis", "guidance", "status", "analysed_at", "failure_reason", "persona_state"])
        if persona_turn is not None:
            persona_turn.save()
        all_turns = [t for t in history if t.pk != turn.pk] + [turn] + ([persona_turn] if persona_turn else [])
        all_turns.sort(key=lambda t: t.index)
        trajectory = trajectory_for(turns=all_turns)
        if session.status == PracticeSession.Status.COMPLETED and "ended_at" in session_fields:
            summary = summary_compose(
                turns=done_learner, goals=goals, trajectory=trajectory, persona_name=scenario.persona_name
            )
            session.summary = summary
            session.score = session_score(goals, done_learner)
            session_fields += ["summary", "score"]
            _progress_record(session=session, completed=summary["goals_met"], score=session.score)
        session.save(update_fields=[*dict.fromkeys(session_fields), "updated_at"])
    return TurnOutcome(
        session_id=session.pk,
        turn=turn,
        persona_turn=persona_turn,
        trajectory=trajectory,
        summary=summary,
        session_status=session.status,
    )


def _progress_record(*, session: PracticeSession, completed: bool, score: float) -> None:
    """Keep the best session score on the scenario's progress row; mark it completed when the goals
    are met (first time only). The unique (learner, item) row makes a repeat harmless."""
    if completed:
        try:
            item_complete(learner=session.learner, item=session.scenario, score=score)
            return
        except PermissionDenied:
            pass  # an instructor previewing without an enrolment: nothing to complete
    progress, _ = ItemProgress.objects.get_or_create(learner=session.learner, item=session.scenario)
    ItemProgress.objects.filter(Q(best_score__isnull=True) | Q(best_score__lt=score), pk=progress.pk).update(
        best_score=score
    )
