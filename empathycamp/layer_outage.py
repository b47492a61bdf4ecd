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


class ChannelLayerOutage:
    """ASGI middleware for websockets: a channel-layer failure closes the socket with CLOSE_TRY_AGAIN."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        state = {"accepted": False, "closed": False}

        async def tracked_send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            return await self.application(scope, receive, tracked_send)
        except LAYER_ERRORS as error:
            logger.warning(
                "websocket: the channel layer is unreachable (%s); closing with %d so the page reconnects",
                type(error).__name__,
                CLOSE_TRY_AGAIN,
            )
            if state["closed"]:
                return None
            # A client that has gone already has nothing to be told.
            with contextlib.suppress(Exception):
                if not state["accepted"]:
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})
            return None
