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
from typing import Any, Final, Literal, NotRequired, TypedDict

from courses.practice import signals
from inference.schema import BLOCKER_NAMES as SCHEMA_BLOCKER_NAMES
from inference.schema import BlockerName, Mechanism

# 2: blockers named (a reply that only blocks is not praised), quotes are whole phrases, and the
# rewrite replaces the blocker. Version 1 rows still render as they were written.
GUIDANCE_VERSION: Final = 2
REWRITE_MAX_CHARS = 400
MECHANISMS = signals.MECHANISMS
# Which gap to coach first when two mechanisms are equally low: feelings, then questions, then meaning.
WEAKEST_ORDER: tuple[Mechanism, ...] = ("er", "ex", "ip")

# What the "worked" line says: the learner named the feeling, showed they understood, invited the
# persona to say more (each citing their words), showed some of a mechanism without words to cite,
# or kept the conversation going.
WorkedCode = Literal["named_feeling", "understood", "invited", "some_mechanism", "kept_going"]
# The step the learner is offered, by the mechanism it adds; "keep_following" when nothing is missing.
Move = Literal["name_feeling", "say_back_meaning", "ask_open_question", "name_and_ask"]
TryNextCode = Move | Literal["keep_following", "instead_of_blocker"]
# The guide's seven communication blockers, by name (the scorer's, from inference.schema).
BLOCKER_NAMES: Final[dict[str, BlockerName]] = {name: name for name in SCHEMA_BLOCKER_NAMES}

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
    blocker: NotRequired[BlockerName | None]  # what to do instead of, for "instead_of_blocker"


class Rewrite(TypedDict):
    code: Move
    text: str  # the learner's own turn (without its blocker), whitespace collapsed, cut to REWRITE_MAX_CHARS
    emotion: str | None
    topic: str | None
    # The language model's minimal edit of the learner's words, shown as it was written instead of
    # the template (courses/practice/rewrite_generation.py keeps one only when the scorer rates it
    # higher and the screen passes it); absent or None: the template built from code and text.
    generated: NotRequired[str | None]
    model: NotRequired[str | None]  # the language model's version that wrote `generated`


class BlockerNote(TypedDict):
    """A blocker the scorer found, with the learner's own words that carry it."""

    code: BlockerName
    quote: str
    persona: str | None
    emotion: str | None


class Guidance(TypedDict):
    """Coaching on one learner turn as decided (Turn.guidance); `render.guidance_render` shows it."""

    version: Literal[1, 2]
    pause: bool  # the learner's own words raised a concern: the resource card instead of coaching
    worked: Worked | None  # None when paused, or when the reply only blocks (nothing to praise)
    blocker: NotRequired[BlockerNote | None]  # version 2
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


def _worked(analysis: Mapping[str, Any], text: str, persona: str | None, emotion: str | None) -> Worked:
    levels = signals.levels(analysis)
    # The strongest mechanism with words to cite; ties favour feelings, then understanding.
    for mech in sorted(MECHANISMS, key=lambda m: -levels[m]):
        if levels[mech] == 0:
            break
        spans = signals.rationale_phrases(analysis, mech, text)
        if spans:
            return Worked(
                code=_WORKED_BY_MECHANISM[mech], mechanism=mech, quote=spans[0], persona=persona, emotion=emotion
            )
    if any(levels.values()):
        best = max(MECHANISMS, key=lambda m: levels[m])
        return Worked(code="some_mechanism", mechanism=best, quote=None, persona=persona, emotion=emotion)
    return Worked(code="kept_going", mechanism=None, quote=None, persona=persona, emotion=emotion)


def clean_turn(text: str) -> str:
    """The learner's turn as the rewrite quotes it: one line, at most REWRITE_MAX_CHARS (cut at a
    sentence end where there is one)."""
    text = " ".join(text.split())
    if len(text) > REWRITE_MAX_CHARS:
        cut = text[:REWRITE_MAX_CHARS]
        end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        text = cut[: end + 1] if end > 40 else cut.rstrip() + "…"
    return text


def without_phrase(text: str, phrase: str | None) -> str:
    """The learner's turn with the words that carry its blocker taken out (what a rewrite keeps)."""
    own = " ".join(text.split())
    if phrase and phrase in own:
        own = own.replace(phrase, " ", 1)
    # Tidy what the cut leaves: doubled spaces, a stray comma or "but" at either end. A learner's
    # own "..." is kept (it once became ". no wonder"): set aside as "…" while the tidying runs.
    own = own.replace("...", "\u2026")
    own = re.sub(r"\s+([,.!?;:])", r"\1", " ".join(own.split()))
    own = re.sub(r"([.!?])[.,;:]+", r"\1", own)  # "easier. ." → "easier."
    own = re.sub(r"^(?:[,.;:!?\-\u2014]\s*|but\s+|and\s+|so\s+)+", "", own, flags=re.IGNORECASE)
    own = re.sub(r"(?:\s*[,;:\-\u2014]|\s+but|\s+and|\s+so)+$", "", own, flags=re.IGNORECASE).strip()
    own = own.replace("\u2026", "...") if "..." in text else own
    return own[:1].upper() + own[1:] if own else own


def rewrite_options(guidance: Guidance, *, text: str, analysis: Mapping[str, Any]) -> list[Rewrite]:
    """Every rewrite worth checking, the weakest mechanism's first: each adds one move to the
    learner's own words with any blocker taken out. The worker keeps the first one the scorer rates
    above the original with no blocker found in it."""
    if guidance["pause"]:
        return []
    blocker = guidance.get("blocker")
    own = _kept_words(text, analysis, blocker["quote"] if blocker else None)
    levels = signals.levels(analysis)
    moves: list[Move] = [_MOVE_BY_MECHANISM[m] for m in WEAKEST_ORDER if levels[m] < 2]
    weakest = guidance["weakest"]
    if weakest is not None and _MOVE_BY_MECHANISM[weakest] in moves:
        moves.remove(_MOVE_BY_MECHANISM[weakest])
        moves.insert(0, _MOVE_BY_MECHANISM[weakest])
    if not own:
        moves.insert(0, "name_and_ask")  # nothing of theirs to keep: show both a feeling and a question
    topic = guidance["try_next"]["topic"] if guidance["try_next"] else None
    return [Rewrite(code=m, text=own, emotion=guidance["persona_emotion"], topic=topic) for m in moves]


def _kept_words(text: str, analysis: Mapping[str, Any], blocker_quote: str | None) -> str:
    """What of the learner's turn a rewrite keeps: all of it; without the blocker's words when there
    is empathy beside them; nothing when the turn only blocks (the rest of it blocks too)."""
    if signals.only_blocks(analysis):
        return ""
    own = clean_turn(without_phrase(text, blocker_quote))
    # A bare token (the guide's "ok", "Right.", "k") does nothing: a rewrite that kept it read
    # "You sound really let down, and I'm sorry. K." in a walkthrough.
    return "" if _BARE_TOKEN.fullmatch(own) else own


_BARE_TOKEN = re.compile(
    r"\s*(?:k+|ok(?:ay)?|oki|right|noted|hm+|mm+|fair enough|sure|yeah|yep|yup|cool|fine|alright|got it|"
    r"i see|oh|ah|lol|ok(?:ay)? thanks?|thanks|ta)\s*[.!?…]*\s*",
    re.IGNORECASE,
)


def guidance_compose(
    *,
    text: str,
    analysis: Mapping[str, Any],
    persona_name: str,
    persona_emotions: Mapping[str, float],
) -> Guidance:
    """Guidance for one learner turn, or the wellbeing pause if the learner's words raised concern.

    `persona_emotions` are the persona's feelings the learner was answering.
    """
    if signals.needs_pause(analysis):
        return Guidance(
            version=GUIDANCE_VERSION,
            pause=True,
            worked=None,
            blocker=None,
            try_next=None,
            rewrite=None,
            weakest=None,
            persona_emotion=None,
        )
    persona = first_name(persona_name)
    emotion = signals.strongest_emotion(persona_emotions)
    weakest = weakest_mechanism(signals.suggestion_levels(analysis))
    # The example question names no topic ("what worries you most about all this?"). It used to borrow a
    # noun phrase from the persona's message, and in a walkthrough that read as nonsense on 6 of 39 turns
    # ("the hardest part of the door", "...of the last person", "about the grade" right after "it's not
    # even the grade"): picking the topic needs understanding the message, which this step does not have.
    topic = None
    blocker_name = BLOCKER_NAMES.get(signals.main_blocker(analysis) or "")
    quote = signals.blocker_phrase(analysis, text) if blocker_name else None
    blocker = (
        BlockerNote(code=blocker_name, quote=quote, persona=persona, emotion=emotion)
        if blocker_name and quote
        else None
    )
    if blocker is not None:
        try_next = TryNext(
            code="instead_of_blocker", persona=persona, emotion=emotion, topic=topic, blocker=blocker["code"]
        )
    else:
        try_next = TryNext(
            code=_MOVE_BY_MECHANISM[weakest] if weakest else "keep_following",
            persona=persona,
            emotion=emotion,
            topic=topic,
        )
    own = _kept_words(text, analysis, quote)
    worked = _worked(analysis, text, persona, emotion) if any(signals.levels(analysis).values()) else None
    if worked is not None and quote and worked["quote"] and (worked["quote"] in quote or quote in worked["quote"]):
        worked = None  # the words that got in the way are not also what worked
    return Guidance(
        version=GUIDANCE_VERSION,
        pause=False,
        # Nothing is praised in a reply with no empathy in it (one that only blocks least of all):
        # "what worked" is left out, and a blocker note or the next step says what to do.
        worked=worked,
        blocker=blocker,
        try_next=try_next,
        rewrite=(
            Rewrite(code=_MOVE_BY_MECHANISM[weakest] if own else "name_and_ask", text=own, emotion=emotion, topic=topic)
            if weakest
            else None
        ),
        weakest=weakest,
        persona_emotion=emotion,
    )
