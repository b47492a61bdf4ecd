"""/healthz and /readyz against the real database and Redis (and a Redis that is not there)."""

from __future__ import annotations

import json
import time

import pytest

from empathycamp import health, heartbeat, kv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh():
    health._cached = None
    yield
    health._cached = None


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_in_embedded_mode_checks_the_database(client, settings):
    settings.EMBEDDED_MODE = True
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["mode"] == "embedded"
    assert body["checks"]["database"]["ok"] is True


def test_readyz_with_redis_and_no_worker_is_not_ready_and_says_why(client, settings):
    settings.EMBEDDED_MODE = False
    # No worker in this world (an end-to-end test's worker, killed, may have left its last beats).
    kv.client().delete(heartbeat.KEY)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["workers"] == {"ok": False, "detail": "no warm inference worker"}
    assert isinstance(body["queue_depth"], int)


def test_readyz_is_ready_once_a_warm_worker_beats_and_not_after_its_beats_age(client, settings):
    settings.EMBEDDED_MODE = False
    member = "test-host:4242"
    heartbeat.worker_beat(member=member)
    try:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"]["workers"] == {"ok": True, "detail": "1 warm"}
        heartbeat.worker_beat(member=member, now=time.time() - 4 * heartbeat.alive_window_s())
        health._cached = None
        assert client.get("/readyz").status_code == 503
    finally:
        heartbeat.worker_gone(member=member)


def test_readyz_without_redis_names_it_and_leaks_no_address(client, settings):
    settings.EMBEDDED_MODE = False
    settings.REDIS_URL = "redis://:secret-password@127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"]["ok"] is False
    assert body["queue_depth"] is None
    text = json.dumps(body)
    assert "secret" not in text and "127.0.0.1" not in text


def test_readyz_answers_from_a_short_cache(client, settings, django_assert_num_queries):
    settings.EMBEDDED_MODE = True
    client.get("/readyz")
    with django_assert_num_queries(0):
        assert client.get("/readyz").status_code == 200
