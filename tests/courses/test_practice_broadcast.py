"""Practice events through the real channel layer: what is sent together travels as one layer
message (a turn's dozen events cost a few Redis round trips, not a dozen), in order; a pause
between steps sends what gathered first."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from courses.practice import events
from courses.practice.broadcast import events_send_steps
from courses.practice.events import CHANNEL_MESSAGE_TYPE


async def _join(session_id: uuid.UUID) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.group_name(session_id), channel)
    return channel


async def _drain(channel: str) -> list[dict]:
    layer = get_channel_layer()
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
        except TimeoutError:
            return messages


def test_events_sent_together_arrive_as_one_message_in_order_per_session():
    first, second = uuid.uuid4(), uuid.uuid4()
    channels = {sid: async_to_sync(_join)(sid) for sid in (first, second)}
    token = lambda sid, n: (sid, events.reply_token(turn_id=n, token=f"w{n} "))

    events_send_steps([([token(first, 1), token(second, 1)], 0.0), ([token(first, 2)], 0.0), ([token(first, 3)], 0.0)])

    got_first = async_to_sync(_drain)(channels[first])
    got_second = async_to_sync(_drain)(channels[second])
    assert [m["type"] for m in got_first] == [CHANNEL_MESSAGE_TYPE]
    assert [e["token"] for e in got_first[0]["events"]] == ["w1 ", "w2 ", "w3 "]
    assert [[e["token"] for e in m["events"]] for m in got_second] == [["w1 "]]


def test_a_pause_sends_what_gathered_before_it():
    sid = uuid.uuid4()
    channel = async_to_sync(_join)(sid)
    start = (sid, events.reply_start(turn_id=7, in_reply_to=6))
    word = (sid, events.reply_token(turn_id=7, token="Thank "))
    done = (sid, {"type": "reply.done", "turn": {"id": 7}})

    events_send_steps([([start], 0.0), ([word], 0.01), ([done], 0.0)])

    got = async_to_sync(_drain)(channel)
    assert [[e["type"] for e in m["events"]] for m in got] == [["reply.start", "reply.token"], ["reply.done"]]
