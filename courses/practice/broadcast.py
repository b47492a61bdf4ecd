"""The one place that calls the channel layer's group_send for practice events.

Tasks and services are synchronous; they hand events here, and the sends run on an event loop:
- the web server's own loop (`loop_bind`, called by the consumer) when the layer is the in-memory
  one of embedded mode: its asyncio queues belong to that loop and are not thread-safe;
- otherwise one long-lived loop in a background thread of this process, so a worker keeps its
  Redis connections warm between batches instead of opening a fresh loop and connection for
  every send, as `async_to_sync` would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from courses.practice.events import ServerEvent, channel_message, group_name

logger = logging.getLogger(__name__)

_bound_loop: asyncio.AbstractEventLoop | None = None
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None  # (pid, loop): a forked child starts its own
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid() or not _sender[1].is_running():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="practice-events", daemon=True).start()
            ready.wait()
            _sender = (os.getpid(), loop)
        return _sender[1]


def loop_bind() -> None:
    """Remember the running event loop (the web server's) for in-memory layer deliveries."""
    global _bound_loop
    _bound_loop = asyncio.get_running_loop()


async def _group_send_all(layer: Any, by_group: dict[str, list[ServerEvent]]) -> None:
    # One channel-layer message per group carries that group's events in order; groups are sent
    # to concurrently. Each layer message costs a Redis round trip here and a receive in the web
    # process, so a turn's dozen events travel as a few messages, not one each.
    await asyncio.gather(*(layer.group_send(group, channel_message(events)) for group, events in by_group.items()))


Message = tuple[object, ServerEvent]  # (session id, event)


async def _send_steps(layer: Any, steps: list[tuple[list[tuple[str, ServerEvent]], float]]) -> None:
    # Steps with no pause between them are coalesced; a pause sends what has gathered first.
    pending: dict[str, list[ServerEvent]] = {}
    for messages, pause_after in steps:
        for group, event in messages:
            pending.setdefault(group, []).append(event)
        if pause_after > 0:
            await _group_send_all(layer, pending)
            pending = {}
            await asyncio.sleep(pause_after)
    if pending:
        await _group_send_all(layer, pending)
    # Yield: on the in-memory layer a send never waits, and the consumers must get a turn to
    # drain their queues before they fill (a full queue drops messages).
    await asyncio.sleep(0)


def events_send_steps(steps: Iterable[tuple[Iterable[Message], float]]) -> None:
    """Send steps of events, in order within a session, pausing after a step as asked; all in one
    hop to the event loop. Events between pauses go to each session as one layer message."""
    batch = [([(group_name(sid), event) for sid, event in messages], pause) for messages, pause in steps]
    batch = [(messages, pause) for messages, pause in batch if messages]
    if not batch:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _bound_loop if isinstance(layer, InMemoryChannelLayer) else None
    if loop is None or not loop.is_running():
        loop = _sender_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise RuntimeError("events_send is for synchronous code; await the layer directly in async code")
    asyncio.run_coroutine_threadsafe(_send_steps(layer, batch), loop).result(timeout=60)


def events_send_many(messages: Iterable[Message]) -> None:
    """Send each (session id, event) to the browsers of that session, concurrently, in one hop."""
    events_send_steps([(messages, 0.0)])


def events_send(session_id: object, event: ServerEvent) -> None:
    """Send one event to the browsers of a practice session (group `practice.<uuid>`)."""
    events_send_many([(session_id, event)])
