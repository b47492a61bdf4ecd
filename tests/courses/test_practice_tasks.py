"""The analysis task's edges: a lost claim does nothing, transient errors retry then fail the turn
with a reason, other errors fail it at once; the learner is told either way."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import OperationalError

from courses.models import Turn
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start, turn_submit
from courses.services.turn_analysis import turns_claim
from courses.tasks import FAILED_REASON, MAX_RETRIES, analyse_turn_task
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def turn(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    turn, _ = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text="That sounds hard.")
    return turn


@pytest.fixture
def sent(monkeypatch):
    """Events the services send, instead of the channel layer."""
    sent: list[tuple[object, dict]] = []
    monkeypatch.setattr("courses.services.practice.events_send", lambda sid, event: sent.append((sid, event)))
    monkeypatch.setattr("courses.services.turn_analysis.events_send_many", lambda messages: sent.extend(messages))
    return sent


def test_a_turn_someone_else_claimed_is_left_alone(turn, monkeypatch):
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]

    def must_not_run(ids):
        raise AssertionError("analysed a turn another worker holds")

    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", must_not_run)
    assert analyse_turn_task.apply(args=[turn.pk]).get() == 0


def test_transient_errors_retry_then_fail_the_turn_with_a_reason(turn, sent, monkeypatch):
    calls: list[list[int]] = []

    def database_down(ids):
        calls.append(list(ids))
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", database_down)
    analyse_turn_task.apply(args=[turn.pk])
    turn.refresh_from_db()
    assert len(calls) == MAX_RETRIES + 1  # each retry claimed the released turn again
    assert turn.status == Turn.Status.FAILED and turn.failure_reason == FAILED_REASON
    assert turn.attempts == MAX_RETRIES + 1
    assert sent == [
        (turn.session_id, {"type": "turn.status", "turn_id": turn.pk, "status": "failed", "reason": FAILED_REASON})
    ]


def test_a_bug_fails_the_turn_at_once(turn, sent, monkeypatch):
    def broken(ids):
        raise ValueError("unexpected shape")

    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", broken)
    analyse_turn_task.apply(args=[turn.pk])
    turn.refresh_from_db()
    assert turn.status == Turn.Status.FAILED and turn.attempts == 1
    assert sent[0][1]["status"] == "failed"


def test_a_transient_error_then_success_keeps_the_turn(turn, sent, monkeypatch):
    calls: list[list[int]] = []

    def flaky(ids):
        calls.append(list(ids))
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        Turn.objects.filter(pk__in=ids).update(status=Turn.Status.DONE)
        return []

    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", flaky)
    analyse_turn_task.apply(args=[turn.pk])
    turn.refresh_from_db()
    assert turn.status == Turn.Status.DONE and turn.attempts == 2
    assert sent == []


def _queued_turn(learner, text: str) -> Turn:
    bundle = course_bundle_create()
    enrollment_create(learner=learner, course=bundle.course)
    session = practice_session_start(learner=learner, scenario=bundle.scenario)
    turn, _ = turn_submit(session_id=session.pk, learner=learner, client_id=uuid.uuid4(), text=text)
    return turn


def test_turns_that_queue_during_a_batch_are_analysed_by_the_same_task(turn, bob, settings, monkeypatch):
    later = _queued_turn(bob, "What happened next?")
    batches: list[list[int]] = []

    def analyse(ids):
        batches.append(list(ids))
        Turn.objects.filter(pk__in=ids).update(status=Turn.Status.DONE)
        return []

    settings.PRACTICE_BATCH_SIZE = 1
    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", analyse)
    assert analyse_turn_task.apply(args=[turn.pk]).get() == 2
    assert batches == [[turn.pk], [later.pk]]
    # The later turn's own task then finds nothing to do.
    assert analyse_turn_task.apply(args=[later.pk]).get() == 0


def test_a_failed_follow_on_batch_queues_its_turns_again_under_fresh_tasks(turn, bob, sent, settings, monkeypatch):
    later = _queued_turn(bob, "What happened next?")

    def analyse(ids):
        if later.pk in ids:
            raise OperationalError("server closed the connection unexpectedly")
        Turn.objects.filter(pk__in=ids).update(status=Turn.Status.DONE)
        return []

    handed_over: list[tuple] = []
    settings.PRACTICE_BATCH_SIZE = 1
    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", analyse)
    monkeypatch.setattr("courses.tasks.enqueue", lambda task, *args: handed_over.append((task.name, args)))
    assert analyse_turn_task.apply(args=[turn.pk]).get() == 1
    later.refresh_from_db()
    assert later.status == Turn.Status.QUEUED and later.failure_reason == ""
    assert handed_over == [("practice.analyse_turn", (later.pk,))]
    assert sent == []  # nobody was told of a failure: the turn waits for its fresh task


def test_a_transient_error_in_the_reply_step_is_retried_without_analysing_again(turn, sent, monkeypatch):
    analysed: list[list[int]] = []
    replies: list[int] = []

    def analyse(ids):
        analysed.append(list(ids))
        Turn.objects.filter(pk__in=ids).update(status=Turn.Status.DONE)
        return [SimpleNamespace(turn_id=pk) for pk in ids]

    def replies_write(saved):
        replies.append(len(saved))
        if len(replies) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return []

    monkeypatch.setattr("courses.practice.pipeline.batch_analyse", analyse)
    monkeypatch.setattr("courses.practice.pipeline.replies_write", replies_write)
    monkeypatch.setattr("courses.tasks._backoff", lambda retries: 0.0)
    assert analyse_turn_task.apply(args=[turn.pk]).get() == 1
    assert analysed == [[turn.pk]] and replies == [1, 1]
    turn.refresh_from_db()
    assert turn.status == Turn.Status.DONE and sent == []
