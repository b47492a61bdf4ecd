"""A generated persona reply while it streams: the text sent so far, and whether it was cancelled.

The text lives outside the database until the reply is done (one Redis APPEND per event, not a row
update), so a page that reconnects mid-stream reads it here (`courses/selectors/practice.py`) and
the rest arrives as reply.token events with their offsets. In Redis with an expiry (a worker that
died leaves nothing behind for long); in embedded mode in this process's memory, where the
generation thread and the sockets live together.
"""

from __future__ import annotations

import threading
from typing import Final

from django.conf import settings

from empathycamp import kv

# Longer than any reply takes; the sweeper finishes a reply still streaming well before this.
EXPIRY_S: Final = 900

_memory: dict[str, str] = {}
_memory_lock = threading.Lock()


def _text_key(turn_id: int) -> str:
    return f"persona-stream:{turn_id}"


def _cancel_key(turn_id: int) -> str:
    return f"persona-stream-cancel:{turn_id}"


def stream_append(turn_id: int, text: str) -> int:
    """Add streamed text to the reply's partial text; returns its length afterwards."""
    if settings.EMBEDDED_MODE:
        with _memory_lock:
            _memory[_text_key(turn_id)] = _memory.get(_text_key(turn_id), "") + text
            return len(_memory[_text_key(turn_id)])
    client = kv.client()
    with client.pipeline() as pipe:
        pipe.append(_text_key(turn_id), text.encode("utf-8"))
        pipe.expire(_text_key(turn_id), EXPIRY_S)
        length, _ = pipe.execute()
    return int(length)


def stream_text(turn_id: int) -> str:
    """The text streamed so far ("" when none, or when it is done and cleared)."""
    if settings.EMBEDDED_MODE:
        with _memory_lock:
            return _memory.get(_text_key(turn_id), "")
    raw = kv.client().get(_text_key(turn_id))
    return raw.decode("utf-8", errors="replace") if raw else ""


def stream_cancel(turn_id: int) -> None:
    """Ask the worker writing this reply to stop: the authored line is said instead."""
    if settings.EMBEDDED_MODE:
        with _memory_lock:
            _memory[_cancel_key(turn_id)] = "1"
        return
    kv.client().set(_cancel_key(turn_id), b"1", ex=EXPIRY_S)


def stream_cancelled(turn_id: int) -> bool:
    if settings.EMBEDDED_MODE:
        with _memory_lock:
            return _cancel_key(turn_id) in _memory
    return bool(kv.client().exists(_cancel_key(turn_id)))


def stream_clear(turn_id: int) -> None:
    """Forget the reply's partial text and cancel flag (it is saved, or given the authored line)."""
    if settings.EMBEDDED_MODE:
        with _memory_lock:
            _memory.pop(_text_key(turn_id), None)
            _memory.pop(_cancel_key(turn_id), None)
        return
    kv.client().delete(_text_key(turn_id), _cancel_key(turn_id))
