"""The worker side of a hint while typing: read an unsent draft with the empathy scorer alone (levels
and blockers, no emotions, no persona, nothing saved) and send the page its hint.

The draft's words exist only in the task's arguments and in memory here: never stored, never in a
log line (the task is sent with a redacted argsrepr, and an error logs its type only).
"""

from __future__ import annotations

import logging
import time
import uuid

from courses.practice import hints
from courses.practice.broadcast import events_send
from empathycamp import runtime
from inference import analysis as models
from inference.safety import screen_text

logger = logging.getLogger(__name__)


def drafts_warm() -> None:
    """Load the empathy scorer and read one draft, so the first learner's hint waits for no load (a
    drafts worker loads nothing else)."""
    runtime.inference_configure()
    models.read_drafts([models.TurnInput(text="That sounds hard. What happened?", context="I had a rough day.")])
    logger.info("Draft scorer warm")


def draft_read(*, session_id: uuid.UUID, draft_id: str, context: str, text: str, persona_name: str) -> None:
    """Score `text` as a reply to `context` (the persona's last message) and send draft.hint to the
    session's pages. A draft the safety rules flag gets no reading: the turn, if sent, is screened
    in full and the wellbeing card answers it; a hint about empathy would be the wrong answer."""
    started = time.perf_counter()
    if screen_text(text)["level"] != "none":
        events_send(session_id, hints.draft_quiet(draft_id=draft_id))
        return
    runtime.inference_configure()
    reading = models.read_drafts([models.TurnInput(text=text, context=context)])[0]
    levels = reading["levels"]
    event = hints.draft_hint(
        draft_id=draft_id,
        levels=hints.Levels(er=levels["er"], ip=levels["ip"], ex=levels["ex"]),
        blockers=reading["blockers"],
        persona_name=persona_name,
    )
    events_send(session_id, event)
    logger.debug("Draft read in %.0f ms", (time.perf_counter() - started) * 1000)
