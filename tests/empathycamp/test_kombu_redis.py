"""The Redis outage that ended Celery workers, reproduced with kombu's own objects on a real Redis
(a server of the test's own, stopped mid-test): after the consumer's connection is collected, the
channel holding an unacknowledged message closes with AttributeError('NoneType' object has no
attribute 'hostname') in kombu's restore_unacked; with empathycamp.kombu_redis installed, with a
connection error, which Celery ignores while it reconnects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from kombu.transport import redis as kombu_redis

from empathycamp import kombu_redis as fix
from tests.live_stack import RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture
def collected_channel(tmp_path: Path) -> Iterator[Any]:
    """What a Celery worker's consumer is left with when Redis goes down under it: the task
    channel, one message delivered and not acknowledged, after Connection.collect()."""
    redis = RedisServer(tmp_path)
    redis.start()
    connection = Connection(redis.url, transport_options={"socket_connect_timeout": 1})
    try:
        queue = Queue("inference", Exchange("inference"), "inference")
        connection.Producer().publish({"turn": 1}, exchange=queue.exchange, routing_key="inference", declare=[queue])
        tasks = connection.channel()
        tasks.basic_qos(0, 1, False)
        assert tasks.basic_get("inference", no_ack=False) is not None
        # A channel opened after it consumes an auto-delete fanout queue, as a worker's gossip and
        # control channels do: with Redis down, its close fails first and stops kombu closing the rest.
        fanout = connection.channel()
        Queue("worker.gossip", Exchange("celery.gossip", "fanout"), auto_delete=True, channel=fanout).declare()
        fanout.basic_consume("worker.gossip", False, lambda message: None, "gossip")
        redis.stop()
        connection.collect()  # what Celery's consumer does on a lost connection
        assert not tasks.closed and tasks.qos._delivered
        yield tasks
    finally:
        redis.stop()


def test_closing_it_raises_a_connection_error_with_the_fix(collected_channel: Any) -> None:
    fix.install()
    with pytest.raises(kombu_redis.Transport.connection_errors) as raised:
        collected_channel.close()
    assert str(raised.value) == fix.CLOSED_MESSAGE


def test_kombu_as_released_still_needs_the_fix(collected_channel: Any) -> None:
    """When a kombu release fixes it, this fails: then the pin can move and the patch go."""
    fix.uninstall()
    try:
        with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'hostname'") as raised:
            collected_channel.close()
        assert "restore_unacked" in "".join(str(entry.name) for entry in raised.traceback)
    finally:
        fix.install()
