"""What the generation worker writes: a streaming persona turn claimed, then finished (its final
words, or the authored line it already holds, with the record of how it was written).

A persona turn of a generative scenario is saved streaming by `persona_replies_save`, with the
authored line as its text, so that whatever happens to the generation (a worker killed, a check
failed, a cancel) the conversation already holds a whole reply. Finishing is one conditional
update: whoever finishes first (the generation task, or the sweeper for a lost one) wins, and the
other writes and sends nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from courses.models import Turn
from inference.schema import EmotionReading


def persona_stream_claim(*, turn_id: int, claimer: str) -> bool:
    """Claim a streaming persona turn for this worker (`claimer`: its heartbeat's name). False when
    it is not streaming any more or another task has it (a redelivered message). Sends nothing."""
    return bool(
        Turn.objects.filter(
            pk=turn_id, role=Turn.Role.PERSONA, status=Turn.Status.STREAMING, claimed_at__isnull=True
        ).update(claimed_at=timezone.now(), claimed_by=claimer[:200])
    )


def persona_stream_finish(
    *, turn_id: int, text: str | None, record: dict[str, Any], reading: EmotionReading | None
) -> Turn | None:
    """Mark a streaming persona turn done with its final words (`text` None: the authored line it
    holds) and add `record` (model, fell_back, reason...) to its generation record; the detector's
    `reading` of generated words replaces the authored line's. Returns the saved turn, or None when
    it was finished already. Sends nothing."""
    with transaction.atomic():
        turn = Turn.objects.select_for_update().filter(pk=turn_id, status=Turn.Status.STREAMING).first()
        if turn is None:
            return None
        fields = ["status", "generation"]
        turn.status = Turn.Status.DONE
        turn.generation = {**(turn.generation or {}), **record}
        if text is not None:
            turn.text = text
            fields.append("text")
        if reading is not None:
            turn.analysis = {"emotion": dict(reading)}
            fields.append("analysis")
        turn.save(update_fields=fields)
    return turn


def persona_streams_stale(*, older_than: timedelta) -> list[int]:
    """Persona turns still streaming `older_than` after they were saved: their worker died, or their
    task message was lost. Reads only; the sweeper finishes them with their authored lines."""
    cutoff = timezone.now() - older_than
    return list(
        Turn.objects.filter(role=Turn.Role.PERSONA, status=Turn.Status.STREAMING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def session_streaming_turns(*, session_id: uuid.UUID) -> list[int]:
    """A session's persona turns still streaming, oldest first. Reads only."""
    return list(
        Turn.objects.filter(session_id=session_id, role=Turn.Role.PERSONA, status=Turn.Status.STREAMING)
        .order_by("index")
        .values_list("pk", flat=True)
    )
