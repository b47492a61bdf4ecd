"""Retention: learners' practice transcripts are kept for ``settings.PRACTICE_RETENTION_DAYS`` after
their last activity, then deleted (the session with its turns, analyses, guidance and summary,
which quotes the learner's words). Course progress and quiz results are not transcripts and stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import PracticeSession, Turn


@dataclass(frozen=True)
class Purged:
    sessions: int
    turns: int
    cutoff: datetime


def practice_transcripts_purge(*, older_than: timedelta, dry_run: bool = False) -> Purged:
    """Delete the sessions whose last activity (``updated_at``) is older than ``older_than``; with
    ``dry_run`` only count them. In batches, so a large purge never holds one long lock."""
    cutoff = timezone.now() - older_than
    stale = PracticeSession.objects.filter(updated_at__lt=cutoff)
    sessions = stale.count()
    turns = Turn.objects.filter(session__in=stale).count()
    if not dry_run:
        while True:
            batch = list(stale.values_list("pk", flat=True)[:500])
            if not batch:
                break
            with transaction.atomic():
                PracticeSession.objects.filter(pk__in=batch).delete()
    return Purged(sessions=sessions, turns=turns, cutoff=cutoff)
