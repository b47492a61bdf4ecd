"""The worker side of hints while typing: read unsent drafts with the empathy scorer alone (levels and
blockers, no emotions, no persona, nothing saved) and send each page its hint.

Drafts wait in a list (Redis, or this process's memory in embedded mode) and a drafts task reads all
that are waiting in batches, in one model pass each: at twenty learners typing, one task per draft
queued behind one another and the hint came seconds late. A draft waiting longer than STALE_S is
dropped unread: its learner has typed on. The words are never stored beyond that list (which
expires within a minute) and never logged (the task has no arguments; an error logs its type only).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass

from django.conf import settings

from courses.practice import hints
from courses.practice.broadcast import Message, events_send_many
from empathycamp import kv, runtime
from inference import analysis as models
from inference.safety import screen_text

logger = logging.getLogger(__name__)

QUEUE_KEY = "empathycamp:drafts"
BATCH = 16
STALE_S = 5.0
EXPIRE_S = 60

_local: deque[str] = deque()
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Draft:
    session_id: str
    draft_id: str
    context: str  # the persona's last message: what the draft answers
    text: str
    persona_name: str
    queued_at: float  # time.time() when the socket queued it


def draft_queue(draft: Draft) -> None:
    """Put a draft where the drafts task reads it."""
    payload = json.dumps(asdict(draft))
    if settings.EMBEDDED_MODE:
        with _local_lock:
            _local.append(payload)
        return
    pipe = kv.client().pipeline()
    pipe.rpush(QUEUE_KEY, payload)
    pipe.expire(QUEUE_KEY, EXPIRE_S)
    pipe.execute()


def _drafts_take(count: int) -> list[Draft]:
    if settings.EMBEDDED_MODE:
        with _local_lock:
            raw = [_local.popleft() for _ in range(min(count, len(_local)))]
    else:
        raw = kv.client().lpop(QUEUE_KEY, count) or []
    now = time.time()
    drafts = [Draft(**json.loads(item)) for item in raw]
    return [draft for draft in drafts if now - draft.queued_at <= STALE_S]


def drafts_read() -> int:
    """Read every draft waiting, BATCH at a time, and send each session's pages their hints.
    Returns how many were read."""
    read = 0
    while drafts := _drafts_take(BATCH):
        events_send_many(_hints_for(drafts))
        read += len(drafts)
    return read


def _hints_for(drafts: list[Draft]) -> list[Message]:
    # A draft the safety rules flag gets no reading: the turn, if sent, is screened in full and the
    # wellbeing card answers it; a hint about empathy would be the wrong answer.
    flagged = {draft.draft_id for draft in drafts if screen_text(draft.text)["level"] != "none"}
    to_read = [draft for draft in drafts if draft.draft_id not in flagged]
    messages: list[Message] = [
        (uuid.UUID(draft.session_id), hints.draft_quiet(draft_id=draft.draft_id))
        for draft in drafts
        if draft.draft_id in flagged
    ]
    if to_read:
        runtime.inference_configure()
        readings = models.read_drafts([models.TurnInput(text=d.text, context=d.context) for d in to_read])
        for draft, reading in zip(to_read, readings, strict=True):
            levels = reading["levels"]
            event = hints.draft_hint(
                draft_id=draft.draft_id,
                levels=hints.Levels(er=levels["er"], ip=levels["ip"], ex=levels["ex"]),
                blockers=reading["blockers"],
                persona_name=draft.persona_name,
            )
            messages.append((uuid.UUID(draft.session_id), event))
    return messages


def drafts_warm() -> None:
    """Load the empathy scorer and read one draft, so the first learner's hint waits for no load (a
    drafts worker loads nothing else). One torch thread: a draft is one short text, and a second
    thread would only contend for the cores with the inference worker's (measured 12 ms a draft on
    one thread)."""
    runtime.inference_configure(threads=1)
    models.read_drafts([models.TurnInput(text="That sounds hard. What happened?", context="I had a rough day.")])
    logger.info("Draft scorer warm")
