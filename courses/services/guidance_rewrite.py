"""The generation worker's one write for example rewrites: a learner turn's saved guidance gets the
language model's rewrite (courses/practice/rewrite_generation.py keeps one only when it passed)."""

from __future__ import annotations

from typing import cast

from django.db import transaction

from courses.models import Turn
from courses.practice.guidance import Guidance, Rewrite


def guidance_rewrite_save(*, turn_id: int, rewrite: Rewrite) -> Guidance | None:
    """Put `rewrite` in place of the turn's example rewrite, under a row lock; None (nothing
    written) when the turn has no guidance or its guidance is a wellbeing pause."""
    with transaction.atomic():
        turn = Turn.objects.select_for_update().filter(pk=turn_id, role=Turn.Role.LEARNER).only("guidance").first()
        if turn is None or not turn.guidance or turn.guidance.get("pause"):
            return None
        guidance = cast(Guidance, {**turn.guidance, "rewrite": rewrite})
        turn.guidance = guidance
        turn.save(update_fields=["guidance"])
    return guidance
