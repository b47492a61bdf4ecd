"""Hints while typing over the real practice socket: draft.analyze read by the real empathy scorer
(embedded mode runs the drafts task on a thread of its own), answered with draft.hint; never stored,
never logged, limited per minute, and a newer draft replaces one still waiting."""

from __future__ import annotations

import logging
import uuid

import pytest

from courses.models import Turn
from tests.courses import test_practice_consumer as socket_tests
from tests.courses.test_practice_consumer import FIRST_EVENT_TIMEOUT, communicator, connect_ok, headers_for, run

# The same socket set-up as the other socket tests: embedded mode with the in-memory layer (autouse),
# a scenario with replies, a session of alice's.
embedded = socket_tests.embedded
scenario = socket_tests.scenario
session = socket_tests.session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ADVICE = "You should just call them again tomorrow and complain louder."


def draft(text: str, draft_id: str | None = None) -> dict[str, str]:
    return {"type": "draft.analyze", "draft_id": draft_id or str(uuid.uuid4()), "text": text}


async def hint_for(ws, draft_id: str, timeout: float = FIRST_EVENT_TIMEOUT) -> dict:
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        if event["type"] == "draft.hint" and event["draft_id"] == draft_id:
            return event


def test_a_draft_gets_one_hint_from_the_real_scorer_and_nothing_is_stored_or_logged(client, session, alice, caplog):
    headers = headers_for(client, alice)
    caplog.set_level(logging.DEBUG)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        await ws.send_json_to(draft(ADVICE, "advice-1"))
        event = await hint_for(ws, "advice-1")
        assert event["blocker"] == "advice"
        assert event["hint"] == "You're offering a fix — try naming what Dana feels first."
        assert set(event["levels"]) == {"er", "ip", "ex"}

        # Too short to read: answered at once, with no reading.
        await ws.send_json_to(draft("ok so", "short-1"))
        quiet = await hint_for(ws, "short-1", timeout=2)
        assert quiet["levels"] is None and quiet["hint"] is None
        await ws.disconnect()

    run(scenario_run)
    assert Turn.objects.filter(session=session, role=Turn.Role.LEARNER).count() == 0
    assert "complain louder" not in caplog.text


def test_a_newer_draft_replaces_one_still_waiting_and_drafts_are_limited_per_minute(client, session, alice, settings):
    headers = headers_for(client, alice)
    settings.DRAFTS_PER_MINUTE = 4

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        # Warm the scorer, so the next draft is still in flight when the two after it arrive.
        await ws.send_json_to(draft(ADVICE, "warm"))
        await hint_for(ws, "warm")
        for draft_id in ("a", "b", "c"):
            await ws.send_json_to(draft(ADVICE + f" ({draft_id})", draft_id))
        answered = []
        while "c" not in answered:
            event = await ws.receive_json_from(timeout=FIRST_EVENT_TIMEOUT)
            if event["type"] == "draft.hint":
                answered.append(event["draft_id"])
        assert answered == ["a", "c"]  # "b" was waiting when "c" came: it is stale, never read
        # The fifth draft within the minute is not read.
        await ws.send_json_to(draft(ADVICE, "e"))
        limited = await hint_for(ws, "e", timeout=2)
        assert limited["limited"] is True and limited["levels"] is None
        await ws.disconnect()

    run(scenario_run)


def test_a_malformed_draft_is_refused_with_an_error_and_the_socket_stays(client, session, alice):
    headers = headers_for(client, alice)

    async def scenario_run():
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        for bad in ({"type": "draft.analyze", "text": "no id here at all"}, {"type": "draft.analyze", "draft_id": "x"}):
            await ws.send_json_to(bad)
            error = await ws.receive_json_from(timeout=5)
            assert error["type"] == "error" and error["code"] == "malformed"
        await ws.send_json_to(draft("That sounds \x00 hard to carry alone.", "nul"))
        assert (await hint_for(ws, "nul", timeout=5))["levels"] is None
        await ws.disconnect()

    run(scenario_run)


def test_waiting_drafts_are_read_together_each_hint_to_its_session_and_a_stale_one_dropped(settings, monkeypatch):
    import time

    from courses.practice import drafts

    settings.EMBEDDED_MODE = True
    sent: list[tuple] = []
    monkeypatch.setattr(drafts, "events_send_many", lambda messages: sent.extend(messages))
    passes: list[int] = []
    read = drafts.models.read_drafts
    monkeypatch.setattr(drafts.models, "read_drafts", lambda turns: passes.append(len(turns)) or read(turns))
    first, second = uuid.uuid4(), uuid.uuid4()
    now = time.time()

    def queue(session, draft_id, text, age=0.0):
        drafts.draft_queue(drafts.Draft(str(session), draft_id, "I had a rough week.", text, "Dana Reyes", now - age))

    queue(first, "a", ADVICE)
    queue(second, "b", "That sounds exhausting. What has the week been like?")
    queue(first, "old", ADVICE, age=drafts.STALE_S + 1)  # its learner typed on long ago
    queue(second, "c", "I can't go on, I want to end my life.")  # the safety rules: no reading
    assert drafts.drafts_read() == 3
    assert passes == [2]  # one model pass for the two drafts it read
    by_id = {event["draft_id"]: (session, event) for session, event in sent}
    assert set(by_id) == {"a", "b", "c"}
    assert by_id["a"][0] == first and by_id["a"][1]["blocker"] == "advice"
    assert by_id["b"][0] == second and by_id["b"][1]["levels"] is not None
    assert by_id["c"][1]["levels"] is None
    assert drafts.drafts_read() == 0  # nothing left waiting
