"""Celery tasks of the courses app: the thin edge between the broker and the practice pipeline.

Imported by the web process (services schedule these tasks), so nothing here loads a model at
import time: `inference` loads torch only when a model is first used.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from courses.practice import drafts, persona_stream, pipeline, rewrite_generation, trial
from courses.services.persona_replies import ReplyOutcome
from courses.services.persona_stream import persona_streams_stale
from courses.services.turn_analysis import (
    AnalysisSaved,
    turns_claim,
    turns_claim_queued,
    turns_fail,
    turns_release,
    turns_stale_requeue,
)
from empathycamp import heartbeat, logs, metrics
from empathycamp.tasking import enqueue, enqueue_generation

logger = logging.getLogger(__name__)

# Worth another try: the database or Redis went away for a moment.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)
MAX_RETRIES = 3
FAILED_REASON = "The analysis could not be completed. Your message is saved; you can try again."


def _backoff(retries: int) -> float:
    """1 s, 2 s, 4 s… with jitter, capped at 30 s."""
    return min(30.0, 2.0**retries) * (0.75 + random.random() / 2)


# After its own batch a task goes on with turns that queued meanwhile, for up to this long, rather
# than leave them behind the queue's messages for turns it already analysed (each a no-op task).
FOLLOW_ON_SECONDS = 10.0


@shared_task(bind=True, name="practice.analyse_turn", max_retries=MAX_RETRIES, acks_late=True)
def analyse_turn_task(self: Task[[int], int], turn_id: int) -> int:
    """Claim the learner turn and up to PRACTICE_BATCH_SIZE - 1 other queued ones, analyse them in one
    model batch, save each result and send its events, then stream the persona replies; then do
    the same for turns that queued meanwhile, for up to FOLLOW_ON_SECONDS. Retries transient
    errors of its own batch with backoff; after the last try the turns are marked failed and
    `turn.status` failed is sent. Returns the number of turns analysed."""
    claimed = turns_claim(turn_id=turn_id, batch_size=settings.PRACTICE_BATCH_SIZE)
    if not claimed:
        return 0  # another worker (or an earlier batch) has this turn
    started = time.perf_counter()
    try:
        _batch_run(claimed)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            # The error's type only: a database error's message can quote a row, a learner's words in it.
            logger.warning(
                "Giving up on turns %s after %d tries: %s", claimed, self.request.retries + 1, type(exc).__name__
            )
            turns_fail(turn_ids=claimed, reason=FAILED_REASON)
            return len(claimed)
        # Give the turns back so the retry (or any other task) can claim them again.
        turns_release(turn_ids=claimed)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception:
        # Not transient: a retry would fail the same way. The learner can retry from the page.
        logger.exception("Analysis of turns %s failed", claimed)
        turns_fail(turn_ids=claimed, reason=FAILED_REASON)
        return len(claimed)
    done = len(claimed)
    while time.perf_counter() - started < FOLLOW_ON_SECONDS:
        more = turns_claim_queued(batch_size=settings.PRACTICE_BATCH_SIZE)
        if not more:
            break
        try:
            _batch_run(more)
        except Exception:
            # Not this task's turns to fail: queue them again, each under a fresh task with its own
            # retries. (Their first task messages may already have run, found them claimed here
            # and finished.) A second task for one turn finds it claimed and does nothing.
            logger.warning("Follow-on batch %s failed; queueing its turns again", more, exc_info=True)
            turns_release(turn_ids=more)
            for pk in more:
                enqueue(analyse_turn_task, pk)
            break
        done += len(more)
    return done


def _batch_run(claimed: list[int]) -> None:
    started = time.perf_counter()
    saved = pipeline.batch_analyse(claimed)
    analysed = time.perf_counter()
    outcomes = _replies_write(saved)
    replied = time.perf_counter()
    pipeline.replies_send(outcomes)
    _generations_enqueue(outcomes)
    # One line per batch: the load test report reads batch sizes and times from here.
    logger.info(
        "practice batch: %d turns analysed and saved in %.0f ms, replies chosen and saved in %.0f ms, "
        "streamed in %.0f ms",
        len(claimed),
        (analysed - started) * 1000,
        (replied - analysed) * 1000,
        (time.perf_counter() - replied) * 1000,
    )


def _replies_write(saved: list[AnalysisSaved]) -> list[ReplyOutcome]:
    # The analyses are saved and sent: the turns are no longer this task's to fail or release, so
    # a transient error here is retried in place rather than through the task's own retries.
    for attempt in range(MAX_RETRIES + 1):
        try:
            return pipeline.replies_write(saved)
        except TRANSIENT_ERRORS:
            if attempt == MAX_RETRIES:
                raise
            logger.warning(
                "Persona replies of turns %s failed; trying again", [s.turn_id for s in saved], exc_info=True
            )
            time.sleep(_backoff(attempt))
    return []


def _generations_enqueue(outcomes: list[ReplyOutcome]) -> None:
    # A persona turn saved streaming already holds its authored line: with the broker down it stays
    # that way, and the sweeper finishes it with that line.
    for pk in pipeline.generations_due(outcomes):
        try:
            enqueue_generation(persona_reply_task, pk)
        except Exception:  # noqa: BLE001 - the sweeper's to finish
            logger.warning("Generation of persona turn %s not queued; the sweeper will say its authored line", pk)


@shared_task(name="generation.persona_reply", ignore_result=True, acks_late=True)
def persona_reply_task(turn_id: int) -> int:
    """Write a generative persona's reply with the language model and stream it as each sentence
    passes the checks, then save it (the authored line when none passes). On queue "generation".
    Not retried: a failure says the authored line at once, and a message redelivered after a
    worker died finds the turn claimed and leaves it to the sweeper. Returns the tokens generated."""
    result = persona_stream.persona_reply_stream(turn_id, claimer=heartbeat.member_name())
    if result is not None:
        # The reply is saved and sent: the same model may now write the example rewrite (never raises).
        rewrite_generation.rewrite_after_reply(turn_id)
    return result.tokens if result is not None else 0


@shared_task(name="generation.persona_warm", ignore_result=True)
def persona_warm_task(scenario_id: int) -> bool:
    """Run a generative persona's card on the generation worker as a learner starts a session, so
    the first reply does not (on queue "generation"). A lost or failed warm-up costs only time."""
    try:
        return persona_stream.persona_card_warm(scenario_id)
    except Exception as error:  # noqa: BLE001 - the first reply runs the card itself
        logger.warning("Warming the persona card of scenario %s failed: %s", scenario_id, type(error).__name__)
        return False


@shared_task(bind=True, name="practice.wrap_up", max_retries=MAX_RETRIES, acks_late=True)
def session_wrap_up_task(self: Task[[str], int], session_id: str) -> int:
    """Write and stream the persona's closing line of a session the learner wrapped up, with the
    summary. Retries transient errors with backoff; after the last try, or on any other error, the
    session is given back to the learner (active) and the page told. Returns 1 when it closed."""
    sid = uuid.UUID(session_id)
    logs.context_bind(session=str(sid))
    try:
        outcomes = pipeline.wrap_up(sid)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            logger.warning("Giving up on wrapping up session %s: %s", sid, type(exc).__name__)
            pipeline.wrap_up_undo(sid)
            return 0
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception:
        logger.exception("Wrapping up session %s failed", sid)
        pipeline.wrap_up_undo(sid)
        return 0
    pipeline.replies_send(outcomes)
    return len(outcomes)


@shared_task(name="practice.sweep", ignore_result=True)
def sweep_task() -> int:
    """Run by Celery beat every SWEEP_INTERVAL_S (the Procfile starts beat with the worker): turns a
    dead worker left running, and turns queued with no task (a message lost with a broker restart),
    get a fresh task; a generated persona reply still streaming past PERSONA_STREAM_STALE_S gets its
    authored line. Returns how many were queued again."""
    stale = turns_stale_requeue(
        queued_for=timedelta(seconds=settings.PRACTICE_STALE_QUEUED_S),
        running_for=timedelta(seconds=settings.PRACTICE_STALE_RUNNING_S),
        orphaned_for=timedelta(seconds=settings.PRACTICE_ORPHANED_RUNNING_S),
        # Embedded mode has no worker processes to outlive: the running limit alone applies there.
        alive=None if settings.EMBEDDED_MODE else heartbeat.members_alive(),
    )
    for pk in stale:
        enqueue(analyse_turn_task, pk)
    metrics.SWEEPER_REQUEUES.inc(len(stale))
    for pk in persona_streams_stale(older_than=timedelta(seconds=settings.PERSONA_STREAM_STALE_S)):
        if persona_stream.persona_reply_abandon(pk):
            logger.warning("Persona turn %s was still streaming: its authored line was said", pk)
    if stale:
        logger.warning("Sweeper queued %d stale turns again", len(stale))
    return len(stale)


@shared_task(name="drafts.read", ignore_result=True, acks_late=False)
def drafts_read_task() -> None:
    """Hints while typing: every draft waiting (courses/practice/drafts.py) read by the empathy scorer
    alone, in batches, and answered to its session's pages as draft.hint. On queue "drafts", apart
    from turns; one is sent per draft, and one finding nothing left to read ends at once. Not
    retried and not acked late: a draft is worth nothing a few seconds on, and a lost one is simply
    never answered."""
    try:
        drafts.drafts_read()
    except Exception as error:  # noqa: BLE001 - whatever failed, the page just gets no hint this time
        # Its type only: an exception's message or traceback could quote the draft.
        logger.warning("A draft could not be read: %s", type(error).__name__)


@shared_task(name="practice.persona_try", ignore_result=True)
def persona_try_task(token: str) -> None:
    """An instructor's "Try this persona": analyse the line stored under `token` in the cache, choose
    the reply the persona would give and write the result back under the token (nothing is stored
    as a turn). Runs on the inference queue, or in the embedded pool."""
    trial.persona_try_run(token)
