"""Guidance after each learner turn: what worked, one thing to try next, an example rewrite.

Decided from the learner's own words, the rationale spans of the empathy model and the persona's
current feelings; no language model. What is stored is the decision (`Guidance`: codes, the quoted
words, the persona's first name and feeling, the topic), never sentences: `courses.practice.render`
turns it into text when it is shown, so a corrected label or another interface language re-renders
it. The tone is a coach's: it names what went well and offers a next step, and never scolds. When
the learner's own words raise a safety concern, the role-play pauses and a calm resource card takes
the place of coaching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal, TypedDict

from courses.practice import signals
from inference.schema import Mechanism

GUIDANCE_VERSION: Final = 1
REWRITE_MAX_CHARS = 400
MECHANISMS = signals.MECHANISMS
# Which gap to coach first when two mechanisms are equally low: feelings, then questions, then meaning.
WEAKEST_ORDER: tuple[Mechanism, ...] = ("er", "ex", "ip")

# What the "worked" line says: the learner named the feeling, showed they understood, invited the
# persona to say more (each citing their words), showed some of a mechanism without words to cite,
# or kept the conversation going.
WorkedCode = Literal["named_feeling", "understood", "invited", "some_mechanism", "kept_going"]
# The step the learner is offered, by the mechanism it adds; "keep_following" when nothing is missing.
Move = Literal["name_feeling", "say_back_meaning", "ask_open_question"]
TryNextCode = Move | Literal["keep_following"]

_WORKED_BY_MECHANISM: Final[dict[Mechanism, WorkedCode]] = {"er": "named_feeling", "ip": "understood", "ex": "invited"}
_MOVE_BY_MECHANISM: Final[dict[Mechanism, Move]] = {
    "er": "name_feeling",
    "ip": "say_back_meaning",
    "ex": "ask_open_question",
}


class Worked(TypedDict):
    code: WorkedCode
    mechanism: Mechanism | None  # the mechanism cited (or shown, for "some_mechanism")
    quote: str | None  # the learner's words the empathy model pointed at, as it gave them
    persona: str | None  # the persona's first name (None: the scenario names none)
    emotion: str | None  # the persona's feeling (a GoEmotions label), named in "named_feeling"


class TryNext(TypedDict):
    code: TryNextCode
    persona: str | None
    emotion: str | None
    topic: str | None  # words from the persona's last message ("deadline"); None: nothing to name


class Rewrite(TypedDict):
    code: Move
    text: str  # the learner's own turn, whitespace collapsed and cut to REWRITE_MAX_CHARS
    emotion: str | None
    topic: str | None


class Guidance(TypedDict):
    """Coaching on one learner turn as decided (Turn.guidance); `render.guidance_render` shows it."""

    version: Literal[1]
    pause: bool  # the learner's own words raised a concern: the resource card instead of coaching
    worked: Worked | None  # None when paused
    try_next: TryNext | None  # None when paused
    rewrite: Rewrite | None  # None when nothing is missing, or paused
    weakest: Mechanism | None
    persona_emotion: str | None


def first_name(persona_name: str) -> str | None:
    """The persona's first name, or None when the scenario gives no name."""
    words = (persona_name or "").split()
    return words[0] if words else None


def weakest_mechanism(levels: Mapping[str, int]) -> Mechanism | None:
    """The mechanism with the lowest level (None when all three are at level 2)."""
    low = min(levels[mech] for mech in WEAKEST_ORDER)
    if low >= 2:
        return None
    return next(mech for mech in WEAKEST_ORDER if levels[mech] == low)


def _worked(analysis: Mapping[str, Any], persona: str | None, emotion: str | None) -> Worked:
    levels = signals.levels(analysis)
    # The strongest mechanism with words to cite; ties favour feelings, then understanding.
    for mech in sorted(MECHANISMS, key=lambda m: -levels[m]):
        if levels[mech] == 0:
            break
        spans = signals.rationales(analysis, mech)
        if spans:
            return Worked(
                code=_WORKED_BY_MECHANISM[mech], mechanism=mech, quote=spans[0], persona=persona, emotion=emotion
            )
    if any(levels.values()):
        best = max(MECHANISMS, key=lambda m: levels[m])
        return Worked(code="some_mechanism", mechanism=best, quote=None, persona=persona, emotion=emotion)
    return Worked(code="kept_going", mechanism=None, quote=None, persona=persona, emotion=emotion)


def topic_of(persona_text: str) -> str | None:
    """A noun phrase from the persona's last message for the example question ("deadline"), or None."""
    match = re.search(r"\b(?:the|my|our|this|that)\s+([a-z][a-z-]{3,}(?:\s+[a-z][a-z-]{3,})?)", persona_text.lower())
    if not match:
        return None
    words = match.group(1).split()
    stop = {"with", "about", "that", "this", "when", "what", "have", "been", "just", "from", "they", "were", "will"}
    kept = [word for word in words if word not in stop][:2]
    return " ".join(kept) or None


def clean_turn(text: str) -> str:
    """The learner's turn as the rewrite quotes it: one line, at most REWRITE_MAX_CHARS (cut at a
    sentence end where there is one)."""
    text = " ".join(text.split())
    if len(text) > REWRITE_MAX_CHARS:
        cut = text[:REWRITE_MAX_CHARS]
        end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        text = cut[: end + 1] if end > 40 else cut.rstrip() + "…"
    return text


def guidance_compose(
    *,
    text: str,
    analysis: Mapping[str, Any],
    persona_name: str,
    persona_emotions: Mapping[str, float],
    persona_text: str = "",
) -> Guidance:
    """Guidance for one learner turn, or the wellbeing pause if the learner's words raised concern.

    `persona_emotions` are the persona's feelings the learner was answering; `persona_text` is the
    persona message answered (it gives the example question its topic).
    """
    if signals.needs_pause(analysis):
        return Guidance(
            version=GUIDANCE_VERSION,
            pause=True,
            worked=None,
            try_next=None,
            rewrite=None,
            weakest=None,
            persona_emotion=None,
        )
    persona = first_name(persona_name)
    emotion = signals.strongest_emotion(persona_emotions)
    weakest = weakest_mechanism(signals.levels(analysis))
    topic = topic_of(persona_text)
    return Guidance(
        version=GUIDANCE_VERSION,
        pause=False,
        worked=_worked(analysis, persona, emotion),
        try_next=TryNext(
            code=_MOVE_BY_MECHANISM[weakest] if weakest else "keep_following",
            persona=persona,
            emotion=emotion,
            topic=topic,
        ),
        rewrite=(
            Rewrite(code=_MOVE_BY_MECHANISM[weakest], text=clean_turn(text), emotion=emotion, topic=topic)
            if weakest
            else None
        ),
        weakest=weakest,
        persona_emotion=emotion,
    )
