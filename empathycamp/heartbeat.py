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

from django.conf import settings

from empathycamp import kv

logger = logging.getLogger(__name__)

KEY = "empathycamp:inference-workers"


def beat_interval_s() -> float:
    return float(settings.WORKER_HEARTBEAT_S)


def alive_window_s() -> float:
    # Three missed beats: one slow beat (a busy Redis, a long GC) must not show learners a notice.
    return 3 * beat_interval_s()


def member_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_beat(*, member: str, now: float | None = None) -> None:
    """Record that `member` (a warm worker child) is alive now, and forget members long gone."""
    now = time.time() if now is None else now
    pipe = kv.client().pipeline()
    pipe.zadd(KEY, {member: now})
    pipe.zremrangebyscore(KEY, "-inf", now - 10 * alive_window_s())
    pipe.execute()


def worker_gone(*, member: str) -> None:
    """A child that shuts down cleanly says so, so the page need not wait for its beats to age."""
    kv.client().zrem(KEY, member)


def workers_alive(*, now: float | None = None) -> int | None:
    """How many warm inference workers beat recently; None when Redis cannot be asked (unknown,
    which is not the same as none)."""
    if settings.EMBEDDED_MODE:
        return 1
    now = time.time() if now is None else now
    try:
        return int(kv.client().zcount(KEY, now - alive_window_s(), "+inf"))
    except Exception:  # noqa: BLE001 - a down or slow Redis: unknown, and the turn path says so itself
        return None


def members_alive(*, now: float | None = None) -> set[str] | None:
    """The worker processes that beat recently ("host:pid"); None when Redis cannot be asked."""
    now = time.time() if now is None else now
    try:
        members = kv.client().zrangebyscore(KEY, now - alive_window_s(), "+inf")
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
