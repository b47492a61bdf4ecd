"""What the generation worker reads to write an example rewrite after a generative persona's reply:
the learner turn the reply answered, its saved analysis and guidance, and the persona's message it
answered (courses/practice/rewrite_generation.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from courses.models import Turn
from courses.practice.guidance import Guidance
from inference.schema import TurnAnalysis


@dataclass(frozen=True)
class TurnToRewrite:
    turn_id: int
    session_id: uuid.UUID
    text: str  # the learner's own words
    analysis: TurnAnalysis
    guidance: Guidance
    persona_text: str  # the persona's message the learner answered ("" when none)


def turn_to_rewrite(*, persona_turn_id: int) -> TurnToRewrite | None:
    """The learner turn a persona turn answers, analysed and with guidance; None when the persona
    turn answers no turn (a closing line) or that turn has no analysis or guidance. Two queries."""
    learner = (
        Turn.objects.filter(persona_reply__pk=persona_turn_id, role=Turn.Role.LEARNER)
        .only("pk", "session_id", "index", "text", "analysis", "guidance")
        .first()
    )
    if learner is None or not learner.analysis or not learner.guidance:
        return None
    persona_text = (
        Turn.objects.filter(session_id=learner.session_id, index__lt=learner.index, role=Turn.Role.PERSONA)
        .order_by("-index")
        .values_list("text", flat=True)
        .first()
    )
    return TurnToRewrite(
        turn_id=learner.pk,
        session_id=learner.session_id,
        text=learner.text,
        analysis=cast(TurnAnalysis, learner.analysis),  # a done learner turn's, as the worker saved it
        guidance=cast(Guidance, learner.guidance),
        persona_text=persona_text or "",
    )
