"""The practice chat socket: thin. Parse, check, call one service, send.

It never runs a model: a learner turn is saved by `turn_submit`, which schedules the analysis
task after commit; results come back from the task through the group `practice.<uuid>` and
`practice_event` forwards them. Bad input gets an `error` event and the socket stays open.

While one of the session's turns waits, the socket also watches whether an inference worker is
alive (a heartbeat in Redis) and tells the page when analysis is delayed and when it resumes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied

from courses.practice import broadcast, events, hints
from courses.practice.drafts import Draft, draft_queue
from courses.practice.events import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, MAX_JSON_DEPTH
from courses.selectors.practice import (
    SessionNotFound,
    practice_session_for_learner,
    practice_state,
    streaming_turn_reread,
    turn_serialise,
)
from courses.services.practice import PracticeRefused, session_continue, session_wrap_up, turn_retry, turn_submit
from courses.tasks import drafts_read_task
from empathycamp import heartbeat, logs, metrics
from empathycamp.tasking import enqueue_draft

logger = logging.getLogger(__name__)

# The frame types a log line may name (any other "type" is the sender's text, never logged).
_FRAME_TYPES = frozenset(
    {events.TURN_SUBMIT, events.TURN_RETRY, events.SESSION_CONTINUE, events.SESSION_WRAP_UP, events.DRAFT_ANALYZE}
)
# A draft in flight longer than this is taken as lost (a worker restarting): the next one goes.
DRAFT_IN_FLIGHT_S = 5.0


def _db(func: Any) -> Any:
    # Not thread-sensitive: each call is its own transaction, so fifty learners' saves run in
    # parallel threads instead of queueing behind one another on a single shared thread.
    return database_sync_to_async(func, thread_sensitive=False)


def _state_for(*, session_id: uuid.UUID, learner: Any) -> events.PracticeState:
    session = practice_session_for_learner(session_id=session_id, learner=learner)
    return practice_state(session=session)


class PracticeConsumer(AsyncJsonWebsocketConsumer):
    session_id: uuid.UUID
    group: str | None = None
    # Learner turns of this session not analysed yet (queued or running), as this socket saw them.
    waiting: set[int]
    delayed = False  # analysis.delayed sent and not yet resumed
    watcher: asyncio.Task[None] | None = None
    watch_now: asyncio.Event
    # Hints while typing: what the drafts are read against, the one in flight, the newest waiting.
    persona_name = ""
    persona_last = ""
    draft_in_flight: tuple[str, float] | None = None  # (draft_id, when sent)
    draft_waiting: tuple[str, str] | None = None  # (draft_id, text)
    draft_times: list[float]

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        # For every later log line of this connection (its handlers run in this asyncio task) and
        # of the tasks it queues.
        logs.context_bind(
            request_id=logs.request_id_from_scope(self.scope.get("headers", [])), session=str(self.session_id)
        )
        # Accept, then close at once with a 44xx code and no data: a browser sees the code (a
        # refused handshake only shows 1006) and the page can say why instead of reconnecting.
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            state = await _db(_state_for)(session_id=self.session_id, learner=user)
        except (SessionNotFound, PermissionDenied):
            # Someone else's session and no session at all look the same: the code says nothing
            # about whether a session id exists.
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.persona_name = state["session"]["scenario"]["persona_name"]
        self.persona_last = next((t["text"] for t in reversed(state["turns"]) if t["role"] == "persona"), "")
        self.draft_times = []
        self.waiting = {
            turn["id"]
            for turn in state["turns"]
            if turn["role"] == "learner" and turn["status"] in ("queued", "running")
        }
        broadcast.loop_bind()
        self.group = events.group_name(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # A reply streaming now: its text is read again once this socket is in the group, so the
        # tokens sent between the first read and joining are in it; the later ones carry offsets
        # and the page skips what it has.
        state["turns"] = [
            await _db(streaming_turn_reread)(turn=turn) if turn["status"] == "streaming" else turn
            for turn in state["turns"]
        ]
        await self.accept()
        metrics.WEBSOCKETS_OPEN.inc()
        await self.send_json(events.session_state(state))
        if not settings.EMBEDDED_MODE:
            self.watch_now = asyncio.Event()
            self.watcher = asyncio.create_task(self._watch_workers())

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        if self.group:
            metrics.WEBSOCKETS_OPEN.dec()
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None:
            await self._error(events.ERR_BINARY, "This chat only understands text messages.")
            return
        if len(text_data) > events.MAX_FRAME_BYTES:
            limit = f"{events.MAX_TURN_CHARS:,}"
            await self._error(
                events.ERR_TOO_LONG, f"That message is too long; please keep it under {limit} characters."
            )
            return
        if _nesting(text_data) > MAX_JSON_DEPTH:
            await self._error(events.ERR_MALFORMED, "That message could not be read.")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error(events.ERR_MALFORMED, "That message could not be read.")
            return
        if not isinstance(content, dict):
            await self._error(events.ERR_MALFORMED, "That message could not be read.")
            return
        try:
            await self.receive_json(content)
        except Exception:
            # Whatever went wrong, the learner gets an answer and keeps the socket (never 1011), and
            # the log gets the traceback (never the learner's words: the frame is not logged).
            kind = content.get("type")
            logger.exception("practice socket: a %s frame failed", kind if kind in _FRAME_TYPES else "unknown")
            client_id = content.get("client_id") if isinstance(content.get("client_id"), str) else None
            await self._error(
                events.ERR_SERVER,
                "Something went wrong on our side and this was not saved. Please try again.",
                client_id=client_id,
            )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == events.TURN_SUBMIT:
            await self.turn_submit(content)
        elif kind == events.TURN_RETRY:
            await self.turn_retry(content)
        elif kind == events.SESSION_CONTINUE:
            await self._call(session_continue)
        elif kind == events.SESSION_WRAP_UP:
            await self._call(session_wrap_up)
        elif kind == events.DRAFT_ANALYZE:
            await self.draft_analyze(content)
        else:
            await self._error(events.ERR_UNKNOWN_TYPE, "The chat did not recognise that message.")

    async def turn_submit(self, content: dict[str, Any]) -> None:
        text = content.get("text")
        try:
            client_id = uuid.UUID(str(content.get("client_id")))
        except ValueError:
            await self._error(events.ERR_MALFORMED, "The message needs a client_id (a UUID).")
            return
        if not isinstance(text, str):
            await self._error(events.ERR_MALFORMED, "The message needs a text.", client_id=str(client_id))
            return
        if not _storable(text):
            await self._error(
                events.ERR_MALFORMED,
                "That message has characters that cannot be stored (a NUL or a broken character).",
                client_id=str(client_id),
            )
            return
        result = await self._call(turn_submit, client_id=client_id, text=text)
        if result is not None:
            turn, created = result
            if created:
                metrics.TURNS_SUBMITTED.inc()
            if not created:
                # A resend after a reconnect: acknowledge the stored turn to this socket only.
                await self.send_json(events.turn_saved(turn_serialise(turn)))
            # A new turn's turn.saved reaches every tab of the session through the group, sent by
            # the service after commit and before the analysis is scheduled, so it always comes first.

    async def draft_analyze(self, content: dict[str, Any]) -> None:
        draft_id, text = content.get("draft_id"), content.get("text")
        if not isinstance(draft_id, str) or not 0 < len(draft_id) <= 64 or not isinstance(text, str):
            await self._error(events.ERR_MALFORMED, "A draft needs a draft_id and a text.")
            return
        if len(text) > events.MAX_TURN_CHARS or not _storable(text) or len(text.strip()) < events.DRAFT_MIN_CHARS:
            await self.send_json(hints.draft_quiet(draft_id=draft_id))  # nothing to read: no hint
            return
        now = time.monotonic()
        self.draft_times = [t for t in self.draft_times if now - t < 60]
        if len(self.draft_times) >= settings.DRAFTS_PER_MINUTE:
            await self.send_json({**hints.draft_quiet(draft_id=draft_id), "limited": True})
            return
        self.draft_times.append(now)
        if self.draft_in_flight is not None and now - self.draft_in_flight[1] < DRAFT_IN_FLIGHT_S:
            self.draft_waiting = (draft_id, text)  # replaces an older one still waiting: it is stale
            return
        await self._draft_send(draft_id, text)

    async def _draft_send(self, draft_id: str, text: str) -> None:
        self.draft_in_flight = (draft_id, time.monotonic())
        draft = Draft(
            session_id=str(self.session_id),
            draft_id=draft_id,
            context=self.persona_last,
            text=text,
            persona_name=self.persona_name,
            queued_at=time.time(),
        )
        await asyncio.to_thread(_draft_queue_and_wake, draft)

    async def turn_retry(self, content: dict[str, Any]) -> None:
        turn_id = content.get("turn_id")
        if not isinstance(turn_id, int) or isinstance(turn_id, bool):
            await self._error(events.ERR_MALFORMED, "The retry needs a turn_id.")
            return
        await self._call(turn_retry, turn_id=turn_id)

    async def _call(self, service: Any, **kwargs: Any) -> Any:
        try:
            return await _db(service)(session_id=self.session_id, learner=self.scope["user"], **kwargs)
        except PracticeRefused as refused:
            await self._error(refused.code, refused.message, client_id=refused.client_id)
        except (SessionNotFound, PermissionDenied):
            await self._error(events.ERR_NOT_FOUND, "This practice session is no longer available.")
        return None

    async def _error(self, code: events.ErrorCode, message: str, *, client_id: str | None = None) -> None:
        metrics.PRACTICE_REFUSALS.labels(code=code).inc()
        await self.send_json(events.error(code, message, client_id=client_id))

    async def practice_event(self, message: events.ChannelMessage) -> None:
        """Events from the group (sent through `courses.practice.broadcast`): forward each to the
        browser as it is, in order."""
        for event in message["events"]:
            self._track(event)
            await self.send_json(event)
            if event["type"] == events.DRAFT_HINT:
                await self._draft_answered(event["draft_id"])

    async def _draft_answered(self, draft_id: str) -> None:
        if self.draft_in_flight is None or draft_id != self.draft_in_flight[0]:
            return  # another tab's draft, or one given up on
        self.draft_in_flight = None
        if self.draft_waiting is not None:
            waiting, self.draft_waiting = self.draft_waiting, None
            await self._draft_send(*waiting)

    def _track(self, event: events.ServerEvent) -> None:
        if event["type"] == events.TURN_SAVED:
            if event["turn"]["role"] == "learner":
                self.waiting.add(event["turn"]["id"])
                if self.watcher is not None:
                    self.watch_now.set()  # a new turn: say at once if nobody will analyse it
        elif event["type"] == events.REPLY_DONE and event["turn"]["role"] == "persona":
            self.persona_last = event["turn"]["text"]  # what the next drafts answer
        elif event["type"] == events.TURN_ANALYSIS or (
            event["type"] == events.TURN_STATUS and event["status"] == "failed"
        ):
            self.waiting.discard(event["turn_id"])

    async def _watch_workers(self) -> None:
        """While a turn waits: analysis.delayed when no inference worker is alive, analysis.resumed
        when one is back. Redis unreachable is not "no worker": nothing is said then."""
        try:
            while True:
                if self.waiting or self.delayed:
                    alive = await asyncio.to_thread(heartbeat.workers_alive)
                    if alive == 0 and self.waiting and not self.delayed:
                        self.delayed = True
                        await self.send_json(events.analysis_delayed())
                    elif alive and self.delayed:
                        self.delayed = False
                        await self.send_json(events.analysis_resumed())
                try:
                    await asyncio.wait_for(self.watch_now.wait(), timeout=settings.ANALYSIS_WATCH_S)
                except TimeoutError:
                    pass
                self.watch_now.clear()
        except asyncio.CancelledError:
            raise
        except Exception:
            # The notice is a courtesy: a failure here must never take the conversation down.
            logger.exception("practice socket: the worker watch stopped")


class RefusedConsumer(AsyncJsonWebsocketConsumer):
    """Any other websocket path (a session id that is not a UUID, a typo): refused as not found,
    cleanly, instead of the router's error."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


def _draft_queue_and_wake(draft: Draft) -> None:
    draft_queue(draft)
    enqueue_draft(drafts_read_task)


def _nesting(text: str) -> int:
    """How deep the brackets of a JSON text nest (strings skipped), read without parsing it: json
    would recurse once a level, and a frame of 10,000 "[" would exhaust the stack."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _storable(text: str) -> bool:
    """PostgreSQL text holds no NUL, and UTF-8 has no lone surrogates (JSON can say "\\ud800")."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
