"""Instructor trials of a persona ("Try this persona" in the scenario's admin page): the request goes
into the cache under a random token and a task analyses it; nothing is stored as a learner turn."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache

from courses.practice.trial import TRIAL_TTL_S, TrialRequest, request_key, result_key
from courses.tasks import persona_try_task
from empathycamp.tasking import enqueue

PENDING: dict[str, Any] = {"status": "pending"}


def persona_try_start(*, user_id: int, scenario_id: int, text: str, turn_number: int) -> str:
    """Store the trial's line in the cache for TRIAL_TTL_S and enqueue its analysis; returns the
    token its result will be written under."""
    token = secrets.token_urlsafe(18)
    request: TrialRequest = {"user_id": user_id, "scenario_id": scenario_id, "text": text, "turn_number": turn_number}
    cache.set(request_key(token), request, TRIAL_TTL_S)
    enqueue(persona_try_task, token)
    return token


def persona_try_result(*, token: str, user_id: int, scenario_id: int) -> dict[str, Any] | None:
    """The trial's result ({"status": "pending"} until the task writes it), or None when the token is
    unknown, expired, or someone else's."""
    request: TrialRequest | None = cache.get(request_key(token))
    if request is None or request["user_id"] != user_id or request["scenario_id"] != scenario_id:
        return None
    result: dict[str, Any] | None = cache.get(result_key(token))
    return result or PENDING
