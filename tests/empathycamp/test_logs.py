"""Log lines: JSON that parses, with the request id of the request (echoed in X-Request-ID) and the
context carried into Celery tasks; and never a learner's words, at any level, on any path."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from courses.models import Turn
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from empathycamp import logs
from empathycamp.logs import JsonFormatter, PlainFormatter

# Imported here, not in a test: importing the ASGI application runs django.setup() again, which
# configures logging afresh and would drop a test's capturing handler.
from tests.courses.test_practice_consumer import (
    FIRST_EVENT_TIMEOUT,
    communicator,
    connect_ok,
    headers_for,
    receive_until,
    run,
    submit,
)
from tests.factories import course_bundle_create, persona_reply_create


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record the root logger sees, down to DEBUG, as the JSON lines production writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_gets_an_id_its_log_lines_and_response_carry(client, captured):
    response = client.get("/metrics", HTTP_X_REQUEST_ID="edge-7f3a.42")
    assert response.status_code == 404 and response["X-Request-ID"] == "edge-7f3a.42"
    [line] = [entry for entry in lines(captured) if entry["logger"] == "django.request"]
    assert line["request_id"] == "edge-7f3a.42" and line["level"] == "WARNING"
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "session", "task_id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


@pytest.mark.django_db
def test_an_odd_incoming_request_id_is_replaced(client):
    for odd in ("has space", "x" * 200, "<script>", "ümlaut"):
        given = client.get("/healthz", HTTP_X_REQUEST_ID=odd)["X-Request-ID"]
        assert given != odd and re.fullmatch(r"[0-9a-f]{32}", given)
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz")["X-Request-ID"])


def test_plain_lines_name_the_ids_and_no_exception_message():
    record = logging.LogRecord("courses.tasks", logging.ERROR, __file__, 1, "Analysis of turns %s failed", ([3],), None)
    words = "my " + "secret words"  # not on a line of the traceback: the frames' lines are code

    def save(text: str) -> None:
        raise ValueError(f"duplicate key: (text)=({text})")

    try:
        save(words)
    except ValueError as error:
        record.exc_info = (ValueError, error, error.__traceback__)
    with logs.context(request_id="r-1", session="5b0c"):
        plain = PlainFormatter().format(record)
        line = json.loads(JsonFormatter().format(record))
    assert "[request_id=r-1 session=5b0c]" in plain and "Analysis of turns [3] failed" in plain
    assert "ValueError (message not logged)" in plain and "test_logs.py" in plain
    assert line["exc"].endswith("ValueError (message not logged)") and line["session"] == "5b0c"
    assert "secret" not in plain and "secret" not in line["exc"]


def test_the_context_travels_in_a_task_message_and_is_undone_after_the_task():
    headers: dict = {}
    with logs.context(request_id="r-2", session="9e1d"):
        logs._context_to_headers(headers=headers)
    assert headers == {logs.HEADER_REQUEST_ID: "r-2", logs.HEADER_SESSION: "9e1d"}

    task = SimpleNamespace(request=SimpleNamespace(**headers))
    logs._context_from_headers(task_id="t-1", task=task)
    assert (logs.request_id_var.get(), logs.session_var.get(), logs.task_id_var.get()) == ("r-2", "9e1d", "t-1")
    logs.context_bind(session="changed-by-the-task")
    logs._context_reset(task_id="t-1")
    assert (logs.request_id_var.get(), logs.session_var.get(), logs.task_id_var.get()) == (None, None, None)


# --- Learners' words, through the real path --------------------------------------------------------

SENTENCE = "Zanzibar marmalade tastes of my grandmother's quiet kitchen"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_learners_words_appear_in_no_log_line(client, alice, captured, settings, monkeypatch, embedded_practice):
    """A turn through the socket, the embedded task and the real models, with SQL logging on (DEBUG):
    then a turn whose analysis fails with the words in the error, and a frame whose handler does."""
    settings.DEBUG = True  # every connection logs its SQL, with parameters, to django.db.backends
    bundle = course_bundle_create()
    persona_reply_create(scenario=bundle.scenario, text="Thanks, that helps.", order=0)
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    headers = [*headers_for(client, alice), (b"x-request-id", b"socket-request-1")]

    def guidance_fails(**kwargs):
        raise ValueError(f"cannot guide {kwargs['text']!r}")

    def retry_fails(self, content):
        raise RuntimeError(f"retry of {SENTENCE}")

    async def conversation() -> None:
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit(f"{SENTENCE}. That sounds so hard."))
        await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        monkeypatch.setattr("courses.practice.pipeline.guidance_compose", guidance_fails)
        await ws.send_json_to(submit(f"Tell me more about {SENTENCE}?"))
        events = await receive_until(ws, "turn.status")
        if events[-1]["status"] == "running":
            events = await receive_until(ws, "turn.status")
        assert events[-1]["status"] == "failed"
        monkeypatch.setattr("courses.consumers.PracticeConsumer.turn_retry", retry_fails)
        await ws.send_json_to({"type": "turn.retry", "turn_id": 1, "note": SENTENCE})
        assert (await ws.receive_json_from(timeout=5))["code"] == "server_error"
        await ws.send_json_to({"type": SENTENCE})
        assert (await ws.receive_json_from(timeout=5))["code"] == "unknown_type"
        await ws.disconnect()

    run(conversation)
    assert Turn.objects.filter(session=session, text__contains=SENTENCE).count() == 2  # saved, as it should be
    output = captured.getvalue()
    entries = lines(captured)
    messages = [entry["message"] for entry in entries]
    # The paths ran and were logged: the batch line, the failed analysis, the failed frame.
    assert any(m.startswith("practice batch: 1 turns") for m in messages)
    failed = next(e for e in entries if e["message"].startswith("Analysis of turns"))
    assert "ValueError (message not logged)" in failed["exc"]
    assert failed["request_id"] == "socket-request-1" and failed["session"] == str(session.pk)
    assert any(m == "practice socket: a turn.retry frame failed" for m in messages)
    for word in ("Zanzibar", "marmalade", "grandmother"):
        assert word not in output
