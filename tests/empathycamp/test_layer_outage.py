"""The websocket middleware for channel-layer outages, on a plain ASGI app that fails as
channels_redis does when Redis is down (the real restart is in tests/courses/test_practice_faults.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from empathycamp.layer_outage import CLOSE_TRY_AGAIN, ChannelLayerOutage


async def _nothing() -> dict[str, Any]:
    await asyncio.sleep(3600)
    return {}


def test_a_handshake_that_meets_the_outage_is_closed_with_4503_not_a_500() -> None:
    async def joins_its_group(scope: Any, receive: Any, send: Any) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(ChannelLayerOutage(joins_its_group)({"type": "websocket"}, _nothing, send))
    assert sent == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": CLOSE_TRY_AGAIN}]


def test_one_socket_hearing_of_the_outage_closes_every_open_socket_of_the_process() -> None:
    outage = asyncio.Event()

    async def consumer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        if scope["reads_the_layer"]:
            await outage.wait()
            raise RedisConnectionError("Connection closed by server.")
        await asyncio.sleep(3600)  # waiting for its group's events, which will never come

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        middleware = ChannelLayerOutage(consumer)
        reader: list[dict[str, Any]] = []
        waiter: list[dict[str, Any]] = []

        async def to(box: list[dict[str, Any]], message: dict[str, Any]) -> None:
            box.append(message)

        waiting = asyncio.create_task(
            middleware({"type": "websocket", "reads_the_layer": False}, _nothing, lambda m: to(waiter, m))
        )
        reading = asyncio.create_task(
            middleware({"type": "websocket", "reads_the_layer": True}, _nothing, lambda m: to(reader, m))
        )
        await asyncio.sleep(0.01)
        outage.set()
        await reading
        waiting.cancel()
        return reader, waiter

    reader, waiter = asyncio.run(run())
    close = {"type": "websocket.close", "code": CLOSE_TRY_AGAIN}
    assert reader == [{"type": "websocket.accept"}, close]
    assert waiter == [{"type": "websocket.accept"}, close]


def test_http_passes_through() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> str:
        return "served"

    assert asyncio.run(ChannelLayerOutage(app)({"type": "http"}, _nothing, None)) == "served"
