"""Degraded mode: while a learner's turn waits and no inference worker is alive (no heartbeat in the
real Redis), the socket says analysis is delayed; when a worker beats again, that it resumed.

The broker is not the subject here: the task is recorded instead of sent, so nothing is left on the
shared queue. The worker's heartbeat is the real one (empathycamp.heartbeat, real Redis).
"""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from courses.services import practice as practice_services
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from empathycamp import heartbeat, kv
from empathycamp.asgi import application
from tests.db import connections_since_end, database_now
from tests.factories import course_bundle_create

pytestmark = [pytest.mark.django_db(transaction=True)]

MEMBER = "test-worker-host:31337"


@pytest.fixture(autouse=True)
def broker_mode(settings, monkeypatch):
    settings.EMBEDDED_MODE = False
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.ANALYSIS_WATCH_S = 0.2
    queued: list[int] = []
    monkeypatch.setattr(practice_services, "enqueue", lambda task, *args: queued.append(args[0]))
    kv.client().delete(heartbeat.KEY)  # no worker in this world
    started = database_now()
    yield queued
    kv.client().delete(heartbeat.KEY)
    connections_since_end(started)


@pytest.fixture
def session(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    return practice_session_start(learner=alice, scenario=bundle.scenario)


def _headers(client, user) -> list[tuple[bytes, bytes]]:
    client.force_login(user)
    return [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]


async def _until(ws: WebsocketCommunicator, kind: str, timeout: float = 5) -> list[str]:
    seen: list[str] = []
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        seen.append(event["type"])
        if event["type"] == kind:
            return seen


def test_a_turn_with_no_worker_alive_is_saved_and_the_page_told_analysis_is_delayed_then_resumed(
    client, session, alice, broker_mode
):
    headers = _headers(client, alice)

    async def scenario_run() -> None:
        ws = WebsocketCommunicator(application, f"/ws/practice/{session.pk}/", headers=headers)
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_json_from(timeout=5))["type"] == "session.state"
        # Nothing waits yet: no notice, however long nobody works.
        assert await ws.receive_nothing(timeout=0.6)

        await ws.send_json_to({"type": "turn.submit", "client_id": str(uuid.uuid4()), "text": "That sounds hard."})
        assert await _until(ws, "analysis.delayed") == ["turn.saved", "analysis.delayed"]
        assert await ws.receive_nothing(timeout=0.6)  # said once, not every poll

        heartbeat.worker_beat(member=MEMBER)
        assert await _until(ws, "analysis.resumed") == ["analysis.resumed"]
        await ws.disconnect()

    async_to_sync(scenario_run)()
    assert len(broker_mode) == 1  # the turn was queued all the same, for the worker that comes back


def test_a_reconnect_while_a_turn_still_waits_hears_of_the_delay_again_and_a_live_worker_says_nothing(
    client, session, alice
):
    headers = _headers(client, alice)

    async def scenario_run() -> None:
        first = WebsocketCommunicator(application, f"/ws/practice/{session.pk}/", headers=headers)
        await first.connect()
        await first.receive_json_from(timeout=5)
        await first.send_json_to({"type": "turn.submit", "client_id": str(uuid.uuid4()), "text": "I'm listening."})
        await _until(first, "analysis.delayed")
        await first.disconnect()

        again = WebsocketCommunicator(application, f"/ws/practice/{session.pk}/", headers=headers)
        await again.connect()
        assert await _until(again, "analysis.delayed") == ["session.state", "analysis.delayed"]
        await again.disconnect()

        # A worker beating: the waiting turn is in its hands, and the page is told nothing extra.
        heartbeat.worker_beat(member=MEMBER)
        alive = WebsocketCommunicator(application, f"/ws/practice/{session.pk}/", headers=headers)
        await alive.connect()
        assert (await alive.receive_json_from(timeout=5))["type"] == "session.state"
        assert await alive.receive_nothing(timeout=0.8)
        await alive.disconnect()

    async_to_sync(scenario_run)()


def test_beats_older_than_three_intervals_count_as_no_worker(settings):
    settings.EMBEDDED_MODE = False
    assert heartbeat.workers_alive() == 0
    heartbeat.worker_beat(member=MEMBER, now=heartbeat.time.time() - 3.5 * heartbeat.beat_interval_s())
    assert heartbeat.workers_alive() == 0
    heartbeat.worker_beat(member=MEMBER)
    assert heartbeat.workers_alive() == 1
    heartbeat.worker_gone(member=MEMBER)
    assert heartbeat.workers_alive() == 0
    settings.EMBEDDED_MODE = True
    assert heartbeat.workers_alive() == 1  # embedded: the web process runs the tasks itself
