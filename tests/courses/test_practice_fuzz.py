"""A fuzz of the practice socket's protocol (Hypothesis): whatever frames arrive, the server answers
each one, never closes the socket (no 1011), and never saves a turn that is not well-formed."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import Turn
from courses.practice import events
from tests.courses import test_practice_consumer as base

# The consumer tests' fixtures: embedded mode, a scenario and a session of alice's.
embedded = base.embedded
scenario = base.scenario
session = base.session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
kinds = st.sampled_from(
    [events.TURN_SUBMIT, events.TURN_RETRY, events.SESSION_CONTINUE, events.SESSION_WRAP_UP, "turn.delete", ""]
)
texts = st.text(max_size=60) | st.sampled_from(["\x00", "a\ud800b", " ", "x" * 3000, "<script>alert(1)</script>"])
frames = st.one_of(
    # Messages shaped like the protocol's, with any values in their fields.
    st.fixed_dictionaries(
        {"type": kinds},
        optional={"text": texts | json_values, "client_id": st.uuids().map(str) | json_values, "turn_id": json_values},
    ).map(json.dumps),
    json_values.map(json.dumps),  # any JSON at all
    st.text(min_size=1, max_size=80),  # any text at all (the test client cannot send an empty frame)
    st.integers(1, 60).map(lambda n: "[" * n + "]" * n),  # nesting
    st.binary(min_size=1, max_size=40),  # binary frames
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(frames, min_size=1, max_size=4))
def test_every_frame_gets_an_answer_and_the_socket_stays_open(client, session, alice, batch):
    headers = base.headers_for(client, alice)

    async def scenario_run():
        ws = base.communicator(session.pk, headers)
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_json_from(timeout=5))["type"] == "session.state"
        for frame in batch:
            if isinstance(frame, bytes):
                await ws.send_to(bytes_data=frame)
            else:
                await ws.send_to(text_data=frame)
            output = await ws.receive_output(timeout=10)
            assert output["type"] == "websocket.send", output  # an answer, never a close
            answer = json.loads(output["text"])
            # The answer, or an event of an earlier valid turn's analysis arriving first: both are
            # the server's own events, never a close.
            assert answer["type"] in events.page_constants()["events"].values(), answer
            if answer["type"] == "error":
                assert answer["code"] in events.page_constants()["errors"].values() and answer["message"]
        await ws.disconnect()

    base.run(scenario_run)
    for turn in Turn.objects.filter(session=session, role=Turn.Role.LEARNER):
        assert turn.text.strip() and len(turn.text) <= events.MAX_TURN_CHARS
        assert "\x00" not in turn.text
        turn.text.encode("utf-8")
        uuid.UUID(str(turn.client_id))
