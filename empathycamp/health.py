"""What /healthz and /readyz report: the process is up; the database and Redis answer and an inference
worker is alive and warm (its heartbeat), and how many tasks wait. Plain checks, each bounded by a short timeout; nothing secret in
the answer (no URLs, hosts or error texts, only names and states)."""

from __future__ import annotations

import time
from typing import Any, TypedDict

from django.conf import settings
from django.db import connection

INFERENCE_QUEUE = "inference"
CHECK_TIMEOUT_S = 1.0
# Readiness is polled by load balancers every few seconds; the answer is reused this long.
CACHE_S = 3.0


class Check(TypedDict):
    ok: bool
    detail: str


class Readiness(TypedDict):
    ready: bool
    mode: str  # "embedded" or "redis"
    checks: dict[str, Check]
    queue_depth: int | None  # tasks waiting on the inference queue (None: not measurable)


_cached: tuple[float, Readiness] | None = None


def readiness(*, fresh: bool = False) -> Readiness:
    """Every check, or the answer of the last CACHE_S seconds."""
    global _cached
    now = time.monotonic()
    if not fresh and _cached is not None and now - _cached[0] < CACHE_S:
        return _cached[1]
    checks: dict[str, Check] = {"database": _database()}
    depth: int | None = None
    if settings.EMBEDDED_MODE:
        mode = "embedded"
        checks["workers"] = {"ok": True, "detail": "tasks run in this process"}
    else:
        mode = "redis"
        checks["redis"], depth = _redis()
        checks["workers"] = _workers() if checks["redis"]["ok"] else {"ok": False, "detail": "no broker"}
    result: Readiness = {
        "ready": all(check["ok"] for check in checks.values()),
        "mode": mode,
        "checks": checks,
        "queue_depth": depth,
    }
    _cached = (now, result)
    return result


def inference_queue_depth() -> int | None:
    """Tasks waiting on the inference queue now (read for each metrics scrape, not cached); None in
    embedded mode or when Redis does not answer."""
    if settings.EMBEDDED_MODE:
        return None
    return _redis()[1]


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure is "not ready"; its type only, never its text
        return {"ok": False, "detail": type(error).__name__}
    return {"ok": True, "detail": "answers"}


def _redis() -> tuple[Check, int | None]:
    import redis

    try:
        client: Any = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=CHECK_TIMEOUT_S, socket_connect_timeout=CHECK_TIMEOUT_S
        )
        try:
            client.ping()
            depth = int(client.llen(INFERENCE_QUEUE))
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 - a down, refusing or slow Redis: all "not ready"
        return {"ok": False, "detail": type(error).__name__}, None
    return {"ok": True, "detail": "answers"}, depth


def _workers() -> Check:
    # The heartbeat of warm worker children, not Celery's ping: a worker's main process answers
    # ping even while each child it forks dies before it can analyse anything.
    from empathycamp import heartbeat

    alive = heartbeat.workers_alive()
    if alive is None:
        return {"ok": False, "detail": "not measurable"}
    if not alive:
        return {"ok": False, "detail": "no warm inference worker"}
    return {"ok": True, "detail": f"{alive} warm"}
