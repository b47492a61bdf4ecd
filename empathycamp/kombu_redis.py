"""kombu's Redis transport after a lost broker connection: a connection error, not an AttributeError.

When a Celery worker loses Redis, its consumer collects the broker connection
(`kombu.Connection.collect`): kombu closes every channel and then sets the transport's `client` to
None. The closing stops at the first channel whose close fails, and with Redis down one does (a
fanout queue's clean-up of gossip or control), so the task consumer's channel, holding the
unacknowledged message of the task that is running, stays open. Celery closes it afterwards; its
QoS restores the unacknowledged messages through a fresh pool, whose parameters read
`transport.client.hostname`, and that raises AttributeError('NoneType' object has no attribute
'hostname'). Celery does not count an AttributeError as a connection error: "Unrecoverable error",
and the worker exits (3 of 3 runs of a 20 s Redis outage, celery 5.7.0 and kombu 5.7.0, the newest
releases on PyPI on 2026-12-07; no release fixes it).

With `install()`, a channel whose transport is closed raises redis-py's ConnectionError instead:
Celery ignores connection errors while it cleans up after a lost connection, and reconnects when
Redis is back. Nothing is lost by not restoring those messages through a dead connection: they
stay in Redis's unacknowledged set (kombu restores them after its visibility timeout), or, when
Redis restarted without persistence, they are gone either way and the sweeper
(courses.tasks.sweep_task) queues their turns again from the database.

Installed in the worker by empathycamp/worker.py; tests/empathycamp/test_kombu_redis.py reproduces
the failure with real kombu objects on a real Redis, and tests/courses/test_practice_faults.py
stops Redis under a working worker.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

CLOSED_MESSAGE = "the broker connection of this channel is closed"

_original_connparams: Any = None
# Any: the stubs (celery-types) do not declare the private method this replaces.
_channel: Any = kombu_redis.Channel


def _connparams(self: Any, asynchronous: bool = False) -> Any:
    transport = self.connection
    if transport is None or transport.client is None:
        raise RedisConnectionError(CLOSED_MESSAGE)
    return _original_connparams(self, asynchronous=asynchronous)


def install() -> None:
    """Make kombu's Redis channels raise ConnectionError once their transport is closed (idempotent)."""
    global _original_connparams
    if _original_connparams is not None:
        return
    _original_connparams = _channel._connparams
    _channel._connparams = _connparams


def uninstall() -> None:
    """kombu as released (tests show it still needs the fix)."""
    global _original_connparams
    if _original_connparams is not None:
        _channel._connparams = _original_connparams
        _original_connparams = None
