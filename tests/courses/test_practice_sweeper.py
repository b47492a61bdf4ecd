"""The sweeper: turns a dead worker left running, and turns queued with no task, get a fresh task,
once per staleness window, and never a turn that is moving."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses import tasks
from courses.models import Turn
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start, turn_submit
from courses.services.turn_analysis import turns_claim, turns_stale_requeue
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db

QUEUED = timedelta(seconds=60)
RUNNING = timedelta(seconds=210)


@pytest.fixture
def session(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    return practice_session_start(learner=alice, scenario=bundle.scenario)


def submit(session, learner, text):
    turn, _ = turn_submit(session_id=session.pk, learner=learner, client_id=uuid.uuid4(), text=text)
    return turn


def age(turn, *, created=None, claimed=None):
    now = timezone.now()
    fields = {}
    if created is not None:
        fields["created_at"] = now - created
    if claimed is not None:
        fields["claimed_at"] = now - claimed
    Turn.objects.filter(pk=turn.pk).update(**fields)


def test_a_turn_left_running_by_a_dead_worker_is_queued_again(session, alice):
    turn = submit(session, alice, "That sounds so hard.")
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == []  # just claimed: moving
    age(turn, claimed=RUNNING + timedelta(seconds=1))
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == [turn.pk]
    turn.refresh_from_db()
    assert turn.status == Turn.Status.QUEUED and turn.requeued_at is not None
    # The fresh task claims it as usual.
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]


def test_a_turn_queued_with_no_task_is_queued_again_once_per_window(session, alice):
    turn = submit(session, alice, "What happened?")
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == []
    age(turn, created=QUEUED + timedelta(seconds=5))
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == [turn.pk]
    # The next sweep, seconds later, leaves it to the task it just got.
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == []
    Turn.objects.filter(pk=turn.pk).update(requeued_at=timezone.now() - QUEUED - timedelta(seconds=1))
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == [turn.pk]


def test_done_and_failed_turns_are_never_swept(session, alice):
    done = submit(session, alice, "I hear you.")
    Turn.objects.filter(pk=done.pk).update(status=Turn.Status.DONE)
    age(done, created=timedelta(hours=1), claimed=timedelta(hours=1))
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING) == []


def test_the_sweep_task_enqueues_an_analysis_for_each_stale_turn(session, alice, monkeypatch):
    turn = submit(session, alice, "That must be lonely.")
    age(turn, created=timedelta(minutes=5))
    queued: list[tuple[object, tuple]] = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: queued.append((task, args)))
    assert tasks.sweep_task() == 1
    assert queued == [(tasks.analyse_turn_task, (turn.pk,))]


def test_beat_runs_the_sweeper(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["practice-sweep"]
    assert schedule["task"] == tasks.sweep_task.name
    assert schedule["schedule"] <= settings.PRACTICE_STALE_QUEUED_S


ORPHANED = timedelta(seconds=45)


def test_a_turn_whose_worker_no_longer_beats_is_queued_again_without_waiting_out_the_running_limit(session, alice):
    from empathycamp import heartbeat

    mine = submit(session, alice, "That sounds so hard.")
    assert turns_claim(turn_id=mine.pk, batch_size=1) == [mine.pk]
    assert Turn.objects.get(pk=mine.pk).claimed_by == heartbeat.member_name()
    dead = submit(session, alice, "I'm here for you.")
    Turn.objects.filter(pk=dead.pk).update(status=Turn.Status.RUNNING, claimed_by="gone-host:4242")
    young = submit(session, alice, "What was that like?")
    Turn.objects.filter(pk=young.pk).update(status=Turn.Status.RUNNING, claimed_by="gone-host:4242")
    for turn in (mine, dead):
        age(turn, claimed=ORPHANED + timedelta(seconds=1))
    age(young, claimed=timedelta(seconds=5))  # a child may claim before its first beat: grace

    alive = {heartbeat.member_name()}
    found = turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING, orphaned_for=ORPHANED, alive=alive)
    assert found == [dead.pk]  # the living worker's turn and the young claim are left alone
    dead.refresh_from_db()
    assert dead.status == Turn.Status.QUEUED and dead.claimed_by == ""
    # Redis could not say who is alive (None): only the running limit applies.
    Turn.objects.filter(pk=dead.pk).update(status=Turn.Status.RUNNING, claimed_by="gone-host:4242")
    age(dead, claimed=ORPHANED + timedelta(seconds=1))
    assert turns_stale_requeue(queued_for=QUEUED, running_for=RUNNING, orphaned_for=ORPHANED, alive=None) == []


def test_a_worker_whose_turn_was_given_to_another_does_not_save_it_twice(session, alice):
    from courses.practice.guidance import guidance_compose
    from courses.services.turn_analysis import TurnResult, turn_analyses_save
    from tests.factories import analysis_build

    turn = submit(session, alice, "That sounds so hard.")
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]
    # The sweeper took this process for dead and another worker claimed the turn meanwhile.
    Turn.objects.filter(pk=turn.pk).update(claimed_by="other-host:7")
    analysis = analysis_build(er=1, text=turn.text)
    guidance = guidance_compose(text=turn.text, analysis=analysis, persona_name="Dana", persona_emotions={})
    result = TurnResult(turn_id=turn.pk, session_id=session.pk, analysis=analysis, guidance=guidance)
    assert turn_analyses_save(results=[result]) == []
    assert Turn.objects.get(pk=turn.pk).analysis is None  # the other worker's to save
