"""Which inference workers are alive: each warm worker child writes a heartbeat to Redis, and the
web side counts the recent ones.

A worker is "alive" only once a child has loaded its models: Celery's own `ping` is answered by
the worker's main process, which answered even while every new child was being killed before it
could analyse anything. A sorted set (member: host and pid, score: time of the last beat) makes
the read one ZCOUNT, cheap enough to ask on every learner turn.

Embedded mode has no separate worker: tasks run in the web process, which is alive by definition.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

KEY = "empathycamp:inference-workers"
CHECK_TIMEOUT_S = 1.0


def beat_interval_s() -> float:
    return float(settings.WORKER_HEARTBEAT_S)


def alive_window_s() -> float:
    # Three missed beats: one slow beat (a busy Redis, a long GC) must not show learners a notice.
    return 3 * beat_interval_s()


_client_lock = threading.Lock()
_shared: Any = None


def _client() -> Any:
    """One client per process, its pool shared by every socket's check (redis-py's pool is
    thread-safe and notices a fork): asking on every turn must not open a connection each time."""
    global _shared
    with _client_lock:
        if _shared is None:
            import redis

            _shared = redis.Redis.from_url(
                settings.REDIS_URL,
                socket_timeout=CHECK_TIMEOUT_S,
                socket_connect_timeout=CHECK_TIMEOUT_S,
                health_check_interval=int(settings.REDIS_HEALTH_CHECK_S),
                max_connections=int(settings.HEARTBEAT_REDIS_MAX_CONNECTIONS),
            )
        return _shared


def member_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_beat(*, member: str, now: float | None = None) -> None:
    """Record that `member` (a warm worker child) is alive now, and forget members long gone."""
    now = time.time() if now is None else now
    pipe = _client().pipeline()
    pipe.zadd(KEY, {member: now})
    pipe.zremrangebyscore(KEY, "-inf", now - 10 * alive_window_s())
    pipe.execute()


def worker_gone(*, member: str) -> None:
    """A child that shuts down cleanly says so, so the page need not wait for its beats to age."""
    _client().zrem(KEY, member)


def workers_alive(*, now: float | None = None) -> int | None:
    """How many warm inference workers beat recently; None when Redis cannot be asked (unknown,
    which is not the same as none)."""
    if settings.EMBEDDED_MODE:
        return 1
    now = time.time() if now is None else now
    try:
        return int(_client().zcount(KEY, now - alive_window_s(), "+inf"))
    except Exception:  # noqa: BLE001 - a down or slow Redis: unknown, and the turn path says so itself
        return None


def members_alive(*, now: float | None = None) -> set[str] | None:
    """The worker processes that beat recently ("host:pid"); None when Redis cannot be asked."""
    now = time.time() if now is None else now
    try:
        members = _client().zrangebyscore(KEY, now - alive_window_s(), "+inf")
    except Exception:  # noqa: BLE001 - unknown is not "none alive": the sweeper then waits
        return None
    return {m.decode() if isinstance(m, bytes) else str(m) for m in members}


def beat_forever(*, member: str, stop: threading.Event) -> None:
    """The heartbeat loop of a warm worker child (a daemon thread); a failed beat is retried at the
    next interval: Redis restarting must not end the loop."""
    while not stop.is_set():
        try:
            worker_beat(member=member)
        except Exception:  # noqa: BLE001 - Redis down for a while: keep beating once it is back
            logger.warning("Worker heartbeat not recorded; Redis unreachable, retrying")
        stop.wait(beat_interval_s())
