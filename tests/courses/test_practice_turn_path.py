"""Saving a turn and queueing its analysis do not depend on the channel layer, nor on each other."""

from __future__ import annotations

import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from courses.models import Turn
from courses.services import practice as practice_services
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start, turn_submit
from courses.tasks import analyse_turn_task
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    return practice_session_start(learner=alice, scenario=bundle.scenario)


def _down(*args, **kwargs):
    raise RedisConnectionError("Connection closed by server.")


def test_a_dead_channel_layer_still_saves_and_queues_the_turn(
    session, alice, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(practice_services, "events_send", _down)
    monkeypatch.setattr(practice_services, "enqueue", lambda task, *args: queued.append((task, args)))
    with django_capture_on_commit_callbacks(execute=True):
        turn, created = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text="I hear you.")
    assert created and Turn.objects.get(pk=turn.pk).status == Turn.Status.QUEUED
    assert queued == [(analyse_turn_task, (turn.pk,))]


def test_a_dead_broker_leaves_the_turn_queued_for_the_sweeper(
    session, alice, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(practice_services, "events_send", lambda sid, event: sent.append(event["type"]))
    monkeypatch.setattr(practice_services, "enqueue", _down)
    with django_capture_on_commit_callbacks(execute=True):
        turn, _ = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text="That sounds hard.")
    assert sent == ["turn.saved"]
    assert Turn.objects.get(pk=turn.pk).status == Turn.Status.QUEUED  # the sweeper's to queue again
