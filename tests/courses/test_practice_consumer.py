"""The practice socket on the real ASGI application (origin check, auth middleware, routing),
with the real analysis task running in-process (embedded mode) on the real models."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connections

from courses.models import PracticeSession, Turn
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from empathycamp import tasking
from empathycamp.asgi import application
from tests.db import connections_since_end, database_now
from tests.factories import course_bundle_create, persona_reply_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# The first analysis of the test run loads the models.
FIRST_EVENT_TIMEOUT = 120
EVENT_TIMEOUT = 30


@pytest.fixture(autouse=True)
def embedded(settings):
    settings.EMBEDDED_MODE = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PRACTICE_TOKEN_DELAY_MS = 0
    started = database_now()
    yield
    # Let the embedded worker finish and close its connection. Connections this test's consumer
    # threads opened outlive their threads (they are kept for reuse); end them, so the test
    # database can be flushed and dropped.
    tasking._embedded_executor().submit(connections.close_all).result(timeout=FIRST_EVENT_TIMEOUT)
    connections_since_end(started)


@pytest.fixture
def scenario(db):
    bundle = course_bundle_create(title="Empathy Basics")
    scenario = bundle.scenario
    persona_reply_create(scenario=scenario, text="You're not even listening to me.", max_er=0, max_ip=0, order=0)
    persona_reply_create(
        scenario=scenario,
        text="It was a birthday present for my daughter, and now it's gone again.",
        min_er=1,
        example_learner_lines="That sounds so frustrating.\nI'm sorry this happened again.",
        emotion_shift={"anger": -0.1},
        order=1,
    )
    persona_reply_create(
        scenario=scenario, text="Well, what are you going to do about it?", asked_question=True, order=2
    )
    persona_reply_create(scenario=scenario, text="Thank you. I feel heard.", is_closing=True, order=3)
    scenario.goals.update(min_turns=3)  # the conversation goes on for a few turns
    return scenario


@pytest.fixture
def session(alice, scenario):
    enrollment_create(learner=alice, course=scenario.module.course)
    return practice_session_start(learner=alice, scenario=scenario)


def headers_for(client, user=None, origin: bytes = b"http://localhost") -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if user is not None:
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def communicator(session_id: Any, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/practice/{session_id}/", headers=headers)


async def receive_until(ws: WebsocketCommunicator, last_type: str, timeout: float = EVENT_TIMEOUT) -> list[dict]:
    """Every event up to and including the first of type `last_type`."""
    received: list[dict] = []
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        received.append(event)
        if event["type"] == last_type:
            return received


async def connect_ok(ws: WebsocketCommunicator) -> dict:
    connected, _ = await ws.connect()
    assert connected
    state = await ws.receive_json_from(timeout=5)
    assert state["type"] == "session.state"
    return state


async def refused_code(ws: WebsocketCommunicator) -> int:
    connected, _ = await ws.connect()
    if not connected:
        return _
    message = await ws.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    return message["code"]


def submit(text: str, client_id: str | None = None) -> dict:
    return {"type": "turn.submit", "client_id": client_id or str(uuid.uuid4()), "text": text}


def run(coro_fn, *args):
    return async_to_sync(coro_fn)(*args)


def test_anonymous_unknown_and_other_learners_are_refused_and_see_nothing(client, session, bob):
    anonymous_headers, bob_headers = headers_for(client), headers_for(client, bob)

    async def scenario_run():
        anonymous = communicator(session.pk, anonymous_headers)
        assert await refused_code(anonymous) == 4403
        assert await anonymous.receive_nothing(timeout=0.2)

        # Someone else's session and no session at all get the same code: it tells nothing.
        outsider = communicator(session.pk, bob_headers)
        assert await refused_code(outsider) == 4404
        assert await outsider.receive_nothing(timeout=0.2)

        unknown = communicator(uuid.uuid4(), bob_headers)
        assert await refused_code(unknown) == 4404

        for path in ("/ws/practice/not-a-uuid/", "/ws/practice/", "/ws/elsewhere/"):
            stray = WebsocketCommunicator(application, path, headers=bob_headers)
            assert await refused_code(stray) == 4404, path

    run(scenario_run)


def test_foreign_origin_is_refused(client, session, alice):
    headers = headers_for(client, alice, origin=b"https://evil.example")

    async def scenario_run():
        ws = communicator(session.pk, headers)
        connected, _ = await ws.connect()
        assert not connected

    run(scenario_run)


def test_a_turn_streams_every_event_in_order_and_reload_shows_it(client, session, alice):
    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        state = await connect_ok(ws)
        assert [t["text"] for t in state["turns"]] == ["This is the second time!"]
        assert state["session"]["persona_state"] == {"anger": 0.7, "disappointment": 0.5}

        await ws.send_json_to(submit("That sounds so frustrating, I'm really sorry this happened again."))
        events = await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()

        again = communicator(session.pk, headers)
        reloaded = await connect_ok(again)
        await again.disconnect()
        return events, reloaded

    events, reloaded = run(scenario_run)
    types = [e["type"] for e in events]
    tokens = [e for e in events if e["type"] == "reply.token"]
    assert types[:6] == ["turn.saved", "turn.status", "turn.analysis", "guidance", "persona.state", "reply.start"]
    assert types[-1] == "reply.done" and len(tokens) == len(types) - 7 > 1
    saved, running, analysis, guidance, feelings, start = events[:6]
    done = events[-1]

    turn_id = saved["turn"]["id"]
    assert saved["turn"]["status"] == "queued" and saved["turn"]["index"] == 1
    assert running == {"type": "turn.status", "turn_id": turn_id, "status": "running", "reason": None}
    assert analysis["turn_id"] == guidance["turn_id"] == feelings["turn_id"] == start["in_reply_to"] == turn_id
    result = analysis["analysis"]
    assert set(result) >= {"emotion", "empathy", "safety"}
    assert set(result["empathy"]) == {"er", "ip", "ex"} and result["safety"]["level"] == "none"
    assert result["emotion"]["probs"]
    assert guidance["guidance"]["try_next"] and guidance["guidance"]["pause"] is False
    assert feelings["emotions"] and feelings["trajectory"][0]["emotions"] == {"anger": 0.7, "disappointment": 0.5}
    reply = done["turn"]
    assert reply["id"] == start["turn_id"] and reply["role"] == "persona" and reply["in_reply_to"] == turn_id
    assert "".join(t["token"] for t in tokens) == reply["text"]
    # Unpaced (PRACTICE_TOKEN_DELAY_MS=0), a token carries a few words, not one frame per word.
    assert max(len(t["token"].split()) for t in tokens) > 1
    assert isinstance(reply["emotions"], dict) and reply["emotions"]

    # The database holds everything the events said.
    turns = reloaded["turns"]
    assert [t["role"] for t in turns] == ["persona", "learner", "persona"]
    assert turns[1]["status"] == "done" and turns[1]["analysis"] == result
    assert turns[1]["guidance"] == guidance["guidance"]
    assert turns[2]["text"] == reply["text"]
    assert reloaded["session"]["persona_state"] == feelings["emotions"]


def test_resend_of_the_same_client_id_is_one_turn(client, session, alice):
    headers = headers_for(client, alice)
    cid = str(uuid.uuid4())

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit("I hear you. What happened this time?", cid))
        first = await receive_until(ws, "turn.saved")
        await ws.send_json_to(submit("I hear you. What happened this time?", cid))
        rest = await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()
        return first + rest

    events = run(scenario_run)
    saved = [e for e in events if e["type"] == "turn.saved"]
    assert len(saved) == 2 and saved[0]["turn"]["id"] == saved[1]["turn"]["id"]
    assert saved[0]["turn"]["client_id"] == cid
    assert [e["type"] for e in events].count("turn.analysis") == 1
    assert Turn.objects.filter(session=session, role="learner").count() == 1


def test_bad_input_gets_an_error_and_the_socket_stays_open(client, session, alice):
    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        replies = []
        await ws.send_to(bytes_data=b"\x00\x01binary")
        replies.append(await ws.receive_json_from())
        await ws.send_to(text_data="{not json")
        replies.append(await ws.receive_json_from())
        await ws.send_to(text_data=json.dumps(["a", "list"]))
        replies.append(await ws.receive_json_from())
        await ws.send_json_to({"type": "turn.delete", "turn_id": 1})
        replies.append(await ws.receive_json_from())
        await ws.send_json_to(submit("  " + "x" * 2001 + "  "))
        replies.append(await ws.receive_json_from())
        await ws.send_to(text_data="y" * 20_000)
        replies.append(await ws.receive_json_from())
        await ws.send_json_to({"type": "turn.submit", "client_id": "not-a-uuid", "text": "hi"})
        replies.append(await ws.receive_json_from())
        await ws.send_to(text_data="[" * 50_00 + "]" * 50_00)  # nested past any stack
        replies.append(await ws.receive_json_from())
        await ws.send_to(
            text_data=f'{{"type": "turn.submit", "client_id": "{uuid.uuid4()}", "text": "hi\\u0000there"}}'
        )
        replies.append(await ws.receive_json_from())
        await ws.send_to(
            text_data=f'{{"type": "turn.submit", "client_id": "{uuid.uuid4()}", "text": "half \\ud800 a pair"}}'
        )
        replies.append(await ws.receive_json_from())
        # Still open and working: a harmless message gets its normal answer.
        await ws.send_json_to({"type": "session.continue"})
        replies.append(await ws.receive_json_from())
        await ws.disconnect()
        return replies

    replies = run(scenario_run)
    assert [r["type"] for r in replies[:-1]] == ["error"] * 10
    assert [r["code"] for r in replies[:-1]] == [
        "binary_frame", "malformed", "malformed", "unknown_type", "too_long", "too_long", "malformed",
        "malformed", "malformed", "malformed",
    ]  # fmt: skip
    assert all(r["message"] for r in replies[:-1])
    assert replies[-1]["type"] == "session.state"
    assert not Turn.objects.filter(role="learner").exists()


def test_too_many_turns_a_minute_are_refused_politely(client, session, alice, settings):
    settings.PRACTICE_TURNS_PER_MINUTE = 1

    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit("I'm sorry, that sounds awful."))
        events = await receive_until(ws, "turn.saved")
        second = submit("Tell me more?")
        await ws.send_json_to(second)
        events += await receive_until(ws, "error", timeout=FIRST_EVENT_TIMEOUT)
        events += await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()
        return events, second["client_id"]

    events, client_id = run(scenario_run)
    error = next(e for e in events if e["type"] == "error")
    assert error["code"] == "rate_limited" and error["client_id"] == client_id
    assert "try again" in error["message"]
    assert Turn.objects.filter(session=session, role="learner").count() == 1


def test_closed_session_refuses_turns(client, session, alice):
    PracticeSession.objects.filter(pk=session.pk).update(status=PracticeSession.Status.COMPLETED)

    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        state = await connect_ok(ws)
        await ws.send_json_to(submit("Hello?"))
        error = await ws.receive_json_from()
        await ws.disconnect()
        return state, error

    state, error = run(scenario_run)
    assert state["session"]["status"] == "completed"
    assert error["type"] == "error" and error["code"] == "session_closed"
    assert not Turn.objects.filter(role="learner").exists()


def test_crisis_words_pause_the_role_play_and_continue_resumes(client, session, alice):
    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit("Honestly I want to kill myself, I can't do this anymore."))
        events = await receive_until(ws, "persona.state", timeout=FIRST_EVENT_TIMEOUT)
        quiet = await ws.receive_nothing(timeout=0.5)
        await ws.send_json_to(submit("Sorry, back to you."))
        events.append(await ws.receive_json_from())
        await ws.send_json_to({"type": "session.continue"})
        events.append(await ws.receive_json_from())
        await ws.disconnect()
        return events, quiet

    events, quiet = run(scenario_run)
    guidance = next(e for e in events if e["type"] == "guidance")["guidance"]
    analysis = next(e for e in events if e["type"] == "turn.analysis")["analysis"]
    assert analysis["safety"]["level"] in {"concern", "crisis"}
    # The card takes the place of the emotions and scores: the page is not even sent them.
    assert set(analysis) == {"text_truncated", "safety", "models"}
    assert guidance["pause"] is True and guidance["resources"]["lines"]
    assert quiet, "no persona reply while paused"
    assert events[-2]["type"] == "error" and events[-2]["code"] == "session_closed"
    assert events[-1]["type"] == "session.state" and events[-1]["session"]["status"] == "active"


def test_goals_tick_live_and_wrapping_up_ends_with_a_closing_line_and_a_summary(client, session, alice, scenario):
    scenario.goals.update(min_turns=1)
    goal = scenario.goals.get()

    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit("Oh no, that sounds so frustrating and upsetting. I'm really sorry."))
        turn_events = await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.send_json_to({"type": "session.wrap_up"})
        closing_events = await receive_until(ws, "session.summary", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()
        return turn_events, closing_events

    turn_events, events = run(scenario_run)
    state = next(e for e in turn_events if e["type"] == "persona.state")
    # The goal is met by the turn and ticks at once; the conversation goes on.
    assert state["goals_met"] == [goal.pk] and state["session_status"] == "active"
    assert next(e for e in turn_events if e["type"] == "reply.done")["turn"]["text"] != "Thank you. I feel heard."
    start = next(e for e in events if e["type"] == "reply.start")
    done = next(e for e in events if e["type"] == "reply.done")
    summary = events[-1]
    assert start["in_reply_to"] is None  # the closing line answers no turn in particular
    assert done["turn"]["text"] == "Thank you. I feel heard."
    assert summary["status"] == "completed" and summary["summary"]["goals_met"] is True
    assert summary["summary"]["turns"] == 1 and summary["summary"]["highlights"]
    session.refresh_from_db()
    assert session.status == "completed" and session.score == summary["summary"]["score"]
