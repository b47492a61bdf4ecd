"""Websockets while the channel layer (Redis) is unreachable: a clear close, never a 500 or a 1011.

A practice socket needs the channel layer twice: at the handshake (joining its session's group)
and for as long as it is open (receiving the worker's events). With Redis down, the first failure
made daphne answer the handshake with HTTP 500, and the second closed every open socket with 1011
(internal error), for what is an outage, not a bug. This middleware turns both into an accepted
socket closed with CLOSE_TRY_AGAIN, 4503 (an application code, as 4403 and 4404 are, in the spirit
of HTTP 503: autobahn, under daphne, refuses to send RFC 6455's own 1013 "try again later"). The
practice page treats any code but its permanent ones (4403, 4404) as "reconnect with back-off",
keeps the conversation it rendered from the database and, on reconnect, reads it back whole
(session.state) and resends any turn not acknowledged, so nothing is lost.
Measured against a real Redis restart in tests/courses/test_practice_faults.py.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

CLOSE_TRY_AGAIN = 4503
# What channels_redis raises when Redis is down or restarting: redis-py's own errors, or the
# socket's (a refused or reset connection).
LAYER_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


class _Socket:
    """One websocket's own `send`, and whether it has been accepted and closed."""

    def __init__(self, send: Any) -> None:
        self.raw_send = send
        self.accepted = False
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.accept":
            self.accepted = True
        elif message["type"] == "websocket.close":
            self.closed = True
        await self.raw_send(message)

    async def close_for_outage(self) -> None:
        if self.closed:
            return
        # A client that has gone already has nothing to be told.
        with contextlib.suppress(Exception):
            if not self.accepted:
                await self.send({"type": "websocket.accept"})
            await self.send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})


class ChannelLayerOutage:
    """ASGI middleware for websockets: a channel-layer failure closes the socket with CLOSE_TRY_AGAIN,
    and every other open socket of this process with it.

    Why all of them: the sockets of one process share one receive loop on the layer (channels_redis
    reads for all of them through whichever holds its lock), so only one of them hears that Redis
    went away; the others go on waiting and, once Redis is back, read from it again. But a Redis
    restarted without persistence has forgotten every group, so they would never again hear of
    their session: a learner's next turn would be saved and analysed, and the page never told. A
    reconnect joins the group again and reads the conversation back."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.open: set[_Socket] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        socket = _Socket(send)
        self.open.add(socket)
        try:
            return await self.application(scope, receive, socket.send)
        except LAYER_ERRORS as error:
            # Sockets still in their handshake meet the layer in their own connect, and answer for it.
            others = [other for other in self.open if other is not socket and other.accepted and not other.closed]
            logger.warning(
                "websocket: the channel layer is unreachable (%s); closing this socket and %d others with %d "
                "so their pages reconnect",
                type(error).__name__,
                len(others),
                CLOSE_TRY_AGAIN,
            )
            await socket.close_for_outage()
            for other in others:
                await other.close_for_outage()
            return None
        finally:
            self.open.discard(socket)
