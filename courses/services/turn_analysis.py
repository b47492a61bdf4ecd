"""The analysis worker's writes: claiming learner turns, giving them back, failing them, and saving
what the models said about them. The persona's reply is a later step (`persona_replies`).

A claim is a conditional update (queued → running); no row changed means another worker has the
turn. A save writes only turns still running: one a learner retried after it went stale, or one
another worker claimed meanwhile, is no longer this worker's to write.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from courses.models import PracticeSession, Turn
from courses.practice import events, signals
from courses.practice.broadcast import Message, events_send_many
from courses.practice.guidance import Guidance
from empathycamp import heartbeat, metrics
from inference.schema import TurnAnalysis


def turns_claim(*, turn_id: int, batch_size: int) -> list[int]:
    """Claim the task's own turn (queued → running) and up to batch_size - 1 other queued learner
    turns, oldest first, each by a conditional update; [] when another worker holds the turn."""
    if not Turn.objects.filter(pk=turn_id, status=Turn.Status.QUEUED).update(
        status=Turn.Status.RUNNING, attempts=F("attempts") + 1, claimed_at=Now(), claimed_by=heartbeat.member_name()
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
            status=Turn.Status.RUNNING, attempts=F("attempts") + 1, claimed_at=Now(), claimed_by=heartbeat.member_name()
        )
    ]


def turns_stale_requeue(
    *,
    queued_for: timedelta,
    running_for: timedelta,
    orphaned_for: timedelta | None = None,
    alive: set[str] | None = None,
) -> list[int]:
    """The sweeper's step: put back in the queue the turns a dead worker left running (claimed
    longer ago than ``running_for``; or, given the worker processes ``alive`` now, claimed longer
    ago than ``orphaned_for`` by one that is not among them), and return them with the turns queued
    longer than ``queued_for`` (and not re-queued within it), for the caller to enqueue. Idempotent:
    every change is a conditional update, and a task for a turn someone else has claimed does nothing."""
    now = timezone.now()
    running = Turn.objects.filter(role=Turn.Role.LEARNER, status=Turn.Status.RUNNING)
    stale = Q(claimed_at__lt=now - running_for)
    if alive is not None and orphaned_for is not None:
        # A worker child killed mid-batch stops beating at once: its turns need not wait out the
        # running limit (210 s), only this grace, long enough for a child that claimed while still
        # warming up to beat first.
        stale |= Q(claimed_at__lt=now - orphaned_for) & ~Q(claimed_by="") & ~Q(claimed_by__in=alive)
    stale_running = list(running.filter(stale).values_list("pk", flat=True))
    released = [
        pk
        for pk in stale_running
        if Turn.objects.filter(stale, pk=pk, status=Turn.Status.RUNNING).update(
            status=Turn.Status.QUEUED, requeued_at=now, claimed_by=""
        )
    ]
    waiting = Turn.objects.filter(role=Turn.Role.LEARNER, status=Turn.Status.QUEUED, created_at__lt=now - queued_for)
    waiting = waiting.filter(Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - queued_for)).exclude(pk__in=released)
    stale_queued = [pk for pk in waiting.values_list("pk", flat=True) if _requeued(pk, now, queued_for)]
    return released + stale_queued


def _requeued(pk: int, now: datetime, queued_for: timedelta) -> bool:
    return bool(
        Turn.objects.filter(pk=pk, status=Turn.Status.QUEUED)
        .filter(Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - queued_for))
        .update(requeued_at=now)
    )


def turns_release(*, turn_ids: list[int]) -> None:
    """Put claimed turns back in the queue (running → queued) before a retry. Sends nothing."""
    Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING).update(status=Turn.Status.QUEUED)


def turns_fail(*, turn_ids: list[int], reason: str) -> None:
    """Mark claimed turns failed with a reason, then send `turn.status` failed for each."""
    with transaction.atomic():
        failed = list(Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING).values_list("pk", "session_id"))
        Turn.objects.filter(pk__in=[pk for pk, _ in failed]).update(status=Turn.Status.FAILED, failure_reason=reason)
    metrics.TURNS_ANALYSED.labels(outcome=metrics.OUTCOME_FAILED).inc(len(failed))
    # One hop for the whole batch: each session's event still travels on its own to its group.
    messages: list[Message] = [
        (session_id, events.turn_status(turn_id=pk, status="failed", reason=reason)) for pk, session_id in failed
    ]
    events_send_many(messages)


@dataclass(frozen=True)
class TurnResult:
    """What the models said about one claimed learner turn."""

    turn_id: int
    session_id: uuid.UUID
    analysis: TurnAnalysis
    guidance: Guidance  # composed (and its rewrite checked by the scorer) before the save


@dataclass(frozen=True)
class AnalysisSaved:
    """One learner turn's saved analysis and guidance, ready to be sent."""

    turn_id: int
    session_id: uuid.UUID
    analysis: TurnAnalysis
    guidance: Guidance
    paused: bool  # the learner's own words raised a concern: this turn paused the session


def turn_analyses_save(*, results: Sequence[TurnResult]) -> list[AnalysisSaved]:
    """Write each turn's analysis and guidance (running → done) and pause a session whose learner's
    own words raised a concern, in one transaction for the batch. Turns no longer running are
    skipped. Sends nothing: the pipeline sends once this commits.

    Queries, whatever the batch size: lock the sessions, re-read which turns are still running,
    one UPDATE for all the turns, and one more only when a session pauses."""
    if not results:
        return []
    with transaction.atomic():
        # Locked in id order, so two workers saving overlapping batches never deadlock.
        sessions = {
            s.pk: s
            for s in PracticeSession.objects.select_for_update(of=("self",))
            .only("pk", "status")
            .filter(pk__in={r.session_id for r in results})
            .order_by("pk")
        }
        # Still running and still this process's: a turn the sweeper gave to another worker (its
        # claimer looked dead) is that worker's to save, never saved twice.
        mine = Q(claimed_by=heartbeat.member_name()) | Q(claimed_by="")  # "": claimed before claimers were named
        running = set(
            Turn.objects.filter(mine, pk__in=[r.turn_id for r in results], status=Turn.Status.RUNNING).values_list(
                "pk", flat=True
            )
        )
        now = timezone.now()
        saved: list[AnalysisSaved] = []
        rows: list[Turn] = []
        pausing: set[uuid.UUID] = set()
        for result in results:
            if result.turn_id not in running:
                continue
            session = sessions[result.session_id]
            guidance = result.guidance
            paused = signals.needs_pause(result.analysis) and session.status == PracticeSession.Status.ACTIVE
            if paused:
                pausing.add(session.pk)
                session.status = PracticeSession.Status.PAUSED
            rows.append(
                Turn(
                    pk=result.turn_id,
                    analysis=result.analysis,
                    guidance=guidance,
                    status=Turn.Status.DONE,
                    analysed_at=now,
                    failure_reason="",
                )
            )
            saved.append(
                AnalysisSaved(
                    turn_id=result.turn_id,
                    session_id=result.session_id,
                    analysis=result.analysis,
                    guidance=guidance,
                    paused=paused,
                )
            )
        Turn.objects.bulk_update(rows, ["analysis", "guidance", "status", "analysed_at", "failure_reason"])
        if pausing:
            PracticeSession.objects.filter(pk__in=pausing).update(status=PracticeSession.Status.PAUSED, updated_at=now)
    return saved
