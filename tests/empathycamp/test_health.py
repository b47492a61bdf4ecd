"""/healthz and /readyz against the real database and Redis (and a Redis that is not there)."""

from __future__ import annotations

import json

import pytest

from empathycamp import health

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
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["workers"] == {"ok": False, "detail": "no inference worker answered"}
    assert isinstance(body["queue_depth"], int)


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
