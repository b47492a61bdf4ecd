"""A generative scenario through the real socket and the real task path in embedded mode: the learner
turn analysed by the real models on the task thread, its persona turn saved streaming, the reply
generated on the generation thread by a tiny causal LM (tests/tiny_lm.py), its tokens streamed in
several events, then reply.done; a reload reads the saved reply."""

from __future__ import annotations

import pytest
from django.db import connections

from courses.models import Scenario
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from empathycamp import runtime, tasking
from inference.safety import screen_texts
from tests.courses.test_practice_consumer import (
    FIRST_EVENT_TIMEOUT,
    communicator,
    connect_ok,
    headers_for,
    receive_until,
    run,
    submit,
)
from tests.db import connections_since_end, database_now
from tests.factories import course_bundle_create, persona_reply_create
from tests.tiny_lm import tiny_lm_save

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LINE = "I waited all morning for that call. Nobody rang back, not once!"


@pytest.fixture(autouse=True)
def embedded(settings, tmp_path, monkeypatch):
    settings.EMBEDDED_MODE = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PRACTICE_TOKEN_DELAY_MS = 0
    settings.PERSONA_MODEL_PATH = str(tiny_lm_save(tmp_path / "lm", LINE))
    settings.PERSONA_TEMPERATURE = 0.0
    settings.PERSONA_TOKENS_PER_EVENT = 2
    monkeypatch.setattr(runtime, "_generator_configured", False)
    # The rules alone screen the line (the learned classifier flags "I waited all morning" today).
    monkeypatch.setattr("inference.analysis.screen_generated", lambda texts, batch_size=64: screen_texts(texts))
    started = database_now()
    yield
    tasking._embedded_executor().submit(connections.close_all).result(timeout=FIRST_EVENT_TIMEOUT)
    if tasking._generation_executor is not None:
        tasking._generation_executor.submit(connections.close_all).result(timeout=FIRST_EVENT_TIMEOUT)
    connections_since_end(started)


@pytest.fixture
def session(alice, db):
    scenario = course_bundle_create(title="Generated").scenario
    scenario.engine = Scenario.Engine.GENERATIVE
    scenario.save(update_fields=["engine"])
    persona_reply_create(scenario=scenario, text="It was a present for my daughter.", order=0)
    persona_reply_create(scenario=scenario, text="Thank you. I feel heard.", is_closing=True, order=1)
    scenario.goals.update(min_turns=3)
    enrollment_create(learner=alice, course=scenario.module.course)
    return practice_session_start(learner=alice, scenario=scenario)


def test_a_generated_reply_streams_over_the_socket_then_reload_shows_it(client, session, alice):
    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(submit("That sounds so frustrating, I'm really sorry this happened again."))
        events = await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()
        again = communicator(session.pk, headers)
        reloaded = await connect_ok(again)
        await again.disconnect()
        return events, reloaded

    events, reloaded = run(scenario_run)
    types = [e["type"] for e in events]
    assert types[:6] == ["turn.saved", "turn.status", "turn.analysis", "guidance", "persona.state", "reply.start"]
    tokens = [e for e in events if e["type"] == "reply.token"]
    assert len(tokens) >= 4 and types[-1] == "reply.done"
    assert "".join(t["token"] for t in tokens) == LINE
    assert [t["offset"] for t in tokens] == sorted(t["offset"] for t in tokens)
    done = events[-1]["turn"]
    assert done["text"] == LINE and done["status"] == "done" and done["id"] == events[5]["turn_id"]
    persona = reloaded["turns"][-1]
    assert persona["role"] == "persona" and persona["text"] == LINE and persona["status"] == "done"
