"""Retention: transcripts past the setting go, with their turns; recent ones and progress stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from courses.models import ItemProgress, PracticeSession, Turn
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start, turn_submit
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    old = practice_session_start(learner=alice, scenario=bundle.scenario)
    turn_submit(session_id=old.pk, learner=alice, client_id=uuid.uuid4(), text="Old words.")
    recent = practice_session_start(learner=alice, scenario=bundle.scenario)
    turn_submit(session_id=recent.pk, learner=alice, client_id=uuid.uuid4(), text="Recent words.")
    PracticeSession.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=400))
    return old, recent


def test_transcripts_past_retention_are_deleted_with_their_turns(sessions, settings, capsys):
    _old, recent = sessions
    settings.PRACTICE_RETENTION_DAYS = 365
    progress_before = ItemProgress.objects.count()
    call_command("purge_transcripts")
    assert "Deleted 1 practice sessions (2 turns)" in capsys.readouterr().out
    assert list(PracticeSession.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Turn.objects.filter(text="Old words.").exists()
    assert Turn.objects.filter(text="Recent words.").exists()
    assert ItemProgress.objects.count() == progress_before


def test_a_dry_run_deletes_nothing(sessions, capsys):
    call_command("purge_transcripts", "--days", "30", "--dry-run")
    assert "Would delete 1 practice sessions" in capsys.readouterr().out
    assert PracticeSession.objects.count() == 2


def test_a_zero_day_purge_is_refused(sessions):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_transcripts", "--days", "0")
    assert PracticeSession.objects.count() == 2
