"""The persona's feelings (the "thought bubble"): a few GoEmotions labels with intensities 0..1.

They start from the scenario's authored emotions and move with each learner turn: empathic
turns calm the difficult feelings and raise trust-like ones, dismissive turns stoke anger and
disappointment; then the chosen reply's authored shift applies, and a little of what the
emotion detector reads in the persona's own reply is blended in. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from courses.practice import signals

TOP_LABELS = 5
MIN_INTENSITY = 0.05
CALMED = ("anger", "annoyance", "sadness", "fear", "nervousness", "disappointment", "disapproval", "grief")
TRUST = ("gratitude", "relief", "approval")
# How far one fully empathic turn (all three mechanisms at level 2) moves the feelings.
CALM_RATE = 0.35
TRUST_RATE = 0.25
# How far a clearly dismissive turn moves them.
STOKE_ANGER = 0.25
STOKE_DISAPPOINTMENT = 0.2
# Share of the detector's reading of the persona's reply blended into the state.
READING_WEIGHT = 0.15


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def persona_state_normalise(emotions: Mapping[str, Any]) -> dict[str, float]:
    """Clamp to 0..1, drop faint and neutral labels, keep the strongest few, rounded for display."""
    cleaned = {
        label: round(_clamp(float(value)), 3)
        for label, value in emotions.items()
        if label != "neutral" and isinstance(value, (int, float))
    }
    ranked = sorted(((v, k) for k, v in cleaned.items() if v >= MIN_INTENSITY), reverse=True)[:TOP_LABELS]
    return {label: value for value, label in ranked}


def empathy_strength(analysis: Mapping[str, Any] | None) -> float:
    """0..1: the share of the maximum empathy levels the turn reached (ER, IP and EX, 0..2 each)."""
    levels = signals.levels(analysis)
    return sum(levels.values()) / (2 * len(levels))


def persona_state_next(
    *, current: Mapping[str, float], analysis: Mapping[str, Any] | None, shift: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The persona's feelings after a learner turn and the reply's authored shift (before the reading)."""
    state = {label: float(value) for label, value in current.items()}
    empathy = empathy_strength(analysis)
    if signals.is_dismissive(analysis):
        # Blame cancels part of any empathy in the same breath.
        empathy *= 0.5
        dismissive = max(signals.dismissive_strength(analysis), 0.5)
        state["anger"] = state.get("anger", 0.0) + STOKE_ANGER * dismissive
        state["disappointment"] = state.get("disappointment", 0.0) + STOKE_DISAPPOINTMENT * dismissive
        for label in TRUST:
            if label in state:
                state[label] *= 1 - 0.3 * dismissive
    if empathy > 0:
        for label in CALMED:
            if label in state:
                state[label] *= 1 - CALM_RATE * empathy
        for label in TRUST:
            state[label] = state.get(label, 0.0) + TRUST_RATE * empathy
    for label, delta in (shift or {}).items():
        state[label] = state.get(label, 0.0) + float(delta)
    return persona_state_normalise(state)


def persona_state_blend(
    *, state: Mapping[str, float], reading: Mapping[str, float] | None, weight: float = READING_WEIGHT
) -> dict[str, float]:
    """Blend a little of what the detector read in the persona's reply into its feelings."""
    if not reading:
        return persona_state_normalise(state)
    # Only the labels the detector read move; the rest of the state is left as the turn made it.
    blended = {label: float(value) for label, value in state.items()}
    for label, value in reading.items():
        if label != "neutral":
            blended[label] = (1 - weight) * blended.get(label, 0.0) + weight * float(value)
    return persona_state_normalise(blended)


def reading_from_emotion(emotion: Mapping[str, Any] | None) -> dict[str, float]:
    """The detector's reading of a reply as {label: probability}, its top labels only."""
    top = (emotion or {}).get("top") or []
    return {str(label): float(prob) for label, prob in top if label != "neutral"}


def trajectory(states: Sequence[tuple[int, Mapping[str, float]]]) -> list[dict[str, Any]]:
    """[{"index": turn index, "emotions": {...}}, ...] in conversation order, for the bubble and the summary."""
    return [{"index": index, "emotions": dict(emotions)} for index, emotions in states]
