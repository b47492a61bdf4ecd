"""Live practice writes of the web side: what a learner does (start, send, retry, continue).

Every write to a session's conversation locks the session row first (`select_for_update`), so a
learner's submit, a wellbeing continue and a worker saving an analysis run one after the other
and turn indexes never collide. Events leave through `events_send` only after the transaction
commits, so the page is never told about a row that was rolled back. The worker's writes are in
`courses.services.turn_analysis` and `courses.services.persona_replies`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from courses.models import ItemProgress, PracticeSession, Scenario, Turn
from courses.practice import events, persona_stream
from courses.practice import persona_state as feelings
from courses.practice.broadcast import events_send
from courses.selectors.practice import SessionNotFound, practice_state, turn_serialise
from courses.services.persona_stream import session_streaming_turns
from courses.tasks import analyse_turn_task, persona_warm_task, session_wrap_up_task
from empathycamp.tasking import enqueue, enqueue_generation

NOT_YOURS = "This practice session belongs to someone else."
_CLOSED_MESSAGES: dict[str, str] = {
    PracticeSession.Status.COMPLETED: "This conversation has ended — start a new session to practise again.",
    PracticeSession.Status.CLOSING: "The conversation is wrapping up.",
    PracticeSession.Status.PAUSED: "The conversation is paused. Choose continue when you're ready.",
}
WRAP_UP_PENDING = "Wait for the reply to your last message before wrapping up."
WRAP_UP_TOO_EARLY = "Say something to the persona before wrapping up."
WRAP_UP_CLOSED = "This conversation is not open any more."

logger = logging.getLogger(__name__)


class PracticeRefused(Exception):
    """A learner action the session cannot take; `code` is one of the error codes in events.py."""

    def __init__(self, code: events.ErrorCode, message: str, *, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


def _session_lock(*, session_id: uuid.UUID | str, learner: User) -> PracticeSession:
    """The learner's session, row-locked, in one query. SessionNotFound for an unknown id,
    PermissionDenied for someone else's (the caller's transaction then ends at once, lock and all)."""
    try:
        session = PracticeSession.objects.select_for_update(of=("self",)).select_related("scenario").get(pk=session_id)
    except (PracticeSession.DoesNotExist, ValueError, ValidationError):
        raise SessionNotFound(str(session_id)) from None
    if session.learner_id != learner.pk:
        raise PermissionDenied(NOT_YOURS)
    return session


def _conversation_size(session: PracticeSession) -> tuple[int, int]:
    """(the next turn index, learner turns so far) in one query."""
    sizes = session.turns.aggregate(last=Max("index"), learner=Count("pk", filter=Q(role=Turn.Role.LEARNER)))
    return (0 if sizes["last"] is None else sizes["last"] + 1), sizes["learner"]


@transaction.atomic
def practice_session_start(*, learner: User, scenario: Scenario) -> PracticeSession:
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
    if scenario.engine == Scenario.Engine.GENERATIVE:
        # The persona's card is run while the learner reads the opening line and types.
        transaction.on_commit(lambda: _persona_warm(scenario.pk))
    return session


def _persona_warm(scenario_id: int) -> None:
    try:
        enqueue_generation(persona_warm_task, scenario_id)
    except Exception:  # noqa: BLE001 - a warm-up not queued only costs the first reply time
        logger.warning("Warming the persona card of scenario %s not queued", scenario_id)


def _rate_limited(*, learner: User) -> bool:
    since = timezone.now() - timedelta(minutes=1)
    recent = Turn.objects.filter(session__learner=learner, role=Turn.Role.LEARNER, created_at__gte=since).count()
    return recent >= settings.PRACTICE_TURNS_PER_MINUTE


def turn_submit(
    *, session_id: uuid.UUID | str, learner: User, client_id: uuid.UUID | str, text: str
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
            raise PracticeRefused(events.ERR_SESSION_CLOSED, _CLOSED_MESSAGES[session.status], client_id=cid)
        next_index, learner_turns = _conversation_size(session)
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
                    index=next_index,
                    role=Turn.Role.LEARNER,
                    client_id=cid,
                    text=text,
                    status=Turn.Status.QUEUED,
                )
        except IntegrityError:
            # The same client_id raced in through another socket; the session lock makes this rare.
            return Turn.objects.get(session=session, client_id=cid), False
        saved = events.turn_saved(turn_serialise(turn))

        transaction.on_commit(lambda: _tell_then_queue(session.pk, saved, turn.pk))
    return turn, True


def _tell_then_queue(session_id: uuid.UUID, event: events.ServerEvent, turn_id: int) -> None:
    """After a turn is saved: tell the session's pages, then queue its analysis. Neither depends on
    the other: with the channel layer down (a Redis restart) the analysis is still queued, and the
    pages hear of the turn from session.state when they reconnect; with the broker down the turn
    stays queued in the database and the sweeper (tasks.sweep_task) queues it again."""
    try:
        events_send(session_id, event)
    except Exception:
        logger.warning("Turn %s saved but its event was not sent (channel layer)", turn_id, exc_info=True)
    try:
        enqueue(analyse_turn_task, turn_id)
    except Exception:
        logger.warning("Turn %s saved but not queued (broker); the sweeper will queue it", turn_id, exc_info=True)


# A turn still queued or running this long after it was written lost its worker (a crash, a
# restart): the learner may send it again.
STALE_AFTER = timedelta(minutes=2)


def turn_retry(*, session_id: uuid.UUID | str, learner: User, turn_id: int) -> Turn:
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
        status = events.turn_status(turn_id=turn.pk, status="queued")

        transaction.on_commit(lambda: _tell_then_queue(session.pk, status, turn.pk))
    return turn


def session_continue(*, session_id: uuid.UUID | str, learner: User) -> PracticeSession:
    """Resume a session paused for wellbeing (paused → active) and, after commit, send the fresh
    `session.state` to its group. Raises PracticeRefused (session_closed) for a completed session."""
    with transaction.atomic():
        session = _session_lock(session_id=session_id, learner=learner)
        if session.status == PracticeSession.Status.COMPLETED:
            raise PracticeRefused(events.ERR_SESSION_CLOSED, "This conversation has ended.")
        if session.status == PracticeSession.Status.PAUSED:
            session.status = PracticeSession.Status.ACTIVE
            session.save(update_fields=["status", "updated_at"])
        state = events.session_state(practice_state(session=session))
        transaction.on_commit(lambda: events_send(session.pk, state))
    return session


def session_wrap_up(*, session_id: uuid.UUID | str, learner: User) -> PracticeSession:
    """The learner ends the conversation: the session moves to closing (no more turns) and, after
    commit, a persona reply still streaming is told to stop and the wrap-up task is scheduled; it
    saves that reply with its authored line, writes the persona's closing line, the summary and the
    progress, and sends them. Raises PracticeRefused (session_closed when not active, turn_pending
    while a turn of theirs is still being analysed, empty before their first analysed turn)."""
    with transaction.atomic():
        session = _session_lock(session_id=session_id, learner=learner)
        if session.status != PracticeSession.Status.ACTIVE:
            raise PracticeRefused(events.ERR_SESSION_CLOSED, WRAP_UP_CLOSED)
        learner_turns = session.turns.filter(role=Turn.Role.LEARNER)
        if learner_turns.filter(status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]).exists():
            raise PracticeRefused(events.ERR_TURN_PENDING, WRAP_UP_PENDING)
        if not learner_turns.filter(status=Turn.Status.DONE).exists():
            raise PracticeRefused(events.ERR_EMPTY, WRAP_UP_TOO_EARLY)
        session.status = PracticeSession.Status.CLOSING
        session.save(update_fields=["status", "updated_at"])
        # A reply still streaming stops now; the wrap-up task saves it with its authored line.
        streaming = session_streaming_turns(session_id=session.pk)
        if streaming:
            transaction.on_commit(lambda: persona_stream.session_streams_cancel(streaming))
        transaction.on_commit(lambda: enqueue(session_wrap_up_task, str(session.pk)))
    return session
