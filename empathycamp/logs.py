"""Log lines an operator can search: JSON (one object a line) or plain text (LOG_FORMAT), each with
the request id of the HTTP request or websocket connection it belongs to, the practice session where
known and the Celery task id in a worker, carried from the web process into the tasks it queues.

Learners' words are never logged: no logger call passes them, and an exception is written as its
type and frames only, never its message (a database error's message quotes the failing row, a turn's
text included; the frames' lines are code).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import traceback
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
session_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("session", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming X-Request-ID may be (a proxy's uuid or hex id); anything else gets a fresh one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Celery message headers that carry the context into a task.
HEADER_REQUEST_ID = "empathycamp_request_id"
HEADER_SESSION = "empathycamp_session"
# Where the middleware keeps a request's id on the request: Django logs a 4xx or 5xx response after
# the middleware has returned (outside its context), with the request on the record.
REQUEST_META_KEY = "empathycamp.request_id"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def request_id_accept(incoming: str | None) -> str:
    """The incoming request id when it looks like one, else a new one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_from_scope(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request id of an ASGI connection (its X-Request-ID header when sane)."""
    for name, value in headers:
        if name.lower() == b"x-request-id":
            return request_id_accept(value.decode("latin-1"))
    return request_id_accept(None)


def context_bind(*, request_id: str | None = None, session: str | None = None) -> None:
    """Set the context of the rest of this task or connection (asyncio task, thread, Celery task)."""
    if request_id is not None:
        request_id_var.set(request_id)
    if session is not None:
        session_var.set(session)


@contextlib.contextmanager
def context(*, request_id: str | None = None, session: str | None = None) -> Iterator[None]:
    """The context for the block only."""
    tokens = [
        var.set(value) for var, value in ((request_id_var, request_id), (session_var, session)) if value is not None
    ]
    try:
        yield
    finally:
        for token in reversed(tokens):
            token.var.reset(token)


def exception_text(exc: BaseException) -> str:
    """A traceback with every exception's type and frames, and no message (see the module docstring)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts = []
    for item in reversed(chain):
        frames = "".join(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        kind = type(item)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{name} (message not logged)")
    return "\n\nDuring or because of the above:\n\n".join(parts)


def _fields(record: logging.LogRecord) -> dict[str, str | None]:
    request = getattr(record, "request", None)
    meta = getattr(request, "META", None)
    return {
        "request_id": getattr(record, "request_id", None)
        or request_id_var.get()
        or (meta.get(REQUEST_META_KEY) if isinstance(meta, dict) else None),
        "session": getattr(record, "session", None) or session_var.get(),
        "task_id": getattr(record, "task_id", None) or task_id_var.get(),
    }


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, session, task_id (and exc)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info and record.exc_info[1] is not None:
            line["exc"] = exception_text(record.exc_info[1])
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Text for a developer's terminal: time, level, logger, the ids in brackets, the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        # Not logging.Formatter.format: it would reuse an exc_text another handler cached on the
        # record, message included.
        ids = " ".join(f"{k}={v}" for k, v in _fields(record).items() if v)
        record.__dict__["ids"] = f" [{ids}]" if ids else ""
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + exception_text(record.exc_info[1])
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


# --- Celery: the context travels in the task message's headers ------------------------------------


@setup_logging.connect
def _logging_from_django(**kwargs: Any) -> None:
    # Connected, so the worker keeps the LOGGING of the Django settings (the same format as the web
    # process) instead of Celery's own root handler.
    return None


@before_task_publish.connect
def _context_to_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is None:
        return
    request_id, session = request_id_var.get(), session_var.get()
    if request_id and HEADER_REQUEST_ID not in headers:
        headers[HEADER_REQUEST_ID] = request_id
    if session and HEADER_SESSION not in headers:
        headers[HEADER_SESSION] = session


_task_tokens: dict[str, list[contextvars.Token[str | None]]] = {}


@task_prerun.connect
def _context_from_headers(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    # A task run in place (embedded mode, tests) has no headers: the caller's context came with it.
    # Every variable is set, so postrun's reset also undoes what the task bound itself.
    values = [
        (task_id_var, task_id),
        (request_id_var, getattr(request, HEADER_REQUEST_ID, None) or request_id_var.get()),
        (session_var, getattr(request, HEADER_SESSION, None) or session_var.get()),
    ]
    tokens = [var.set(str(value) if value else None) for var, value in values]
    if task_id:
        _task_tokens[task_id] = tokens


@task_postrun.connect
def _context_reset(task_id: str | None = None, **kwargs: Any) -> None:
    for token in reversed(_task_tokens.pop(task_id or "", [])):
        with contextlib.suppress(ValueError):  # set in another context: nothing to undo here
            token.var.reset(token)
