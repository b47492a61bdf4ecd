"""Guidance after each learner turn: what worked, one thing to try next, an example rewrite.

Composed from templates, the learner's own words, the rationale spans of the empathy model and
the persona's current feelings; no language model. The tone is a coach's: it names what went
well and offers a next step, and never scolds. When the learner's own words raise a safety
concern, the role-play pauses and a calm resource card takes the place of coaching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from courses.practice import signals

REWRITE_MAX_CHARS = 400
# Which gap to coach first when two mechanisms are equally low: feelings, then questions, then meaning.
WEAKEST_ORDER = ("er", "ex", "ip")

RESOURCES: dict[str, Any] = {
    "title": "Let's take a pause",
    "body": (
        "Some of what you wrote sounds like it might be about you, not only the role-play. "
        "If anything here is weighing on you, you don't have to carry it alone."
    ),
    "lines": [
        "Talk to someone you trust: a friend, family member, colleague or doctor.",
        "If you or someone else is in danger right now, call your local emergency number.",
        "In the US you can call or text 988 (Suicide & Crisis Lifeline), any time, free and confidential.",
    ],
    "continue_label": "I'm okay, continue the practice",
}


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_name(persona_name: str) -> str:
    return (persona_name or "They").split()[0]


def weakest_mechanism(levels: Mapping[str, int]) -> str | None:
    """The mechanism with the lowest level (None when all three are at level 2)."""
    low = min(levels[mech] for mech in WEAKEST_ORDER)
    if low >= 2:
        return None
    return next(mech for mech in WEAKEST_ORDER if levels[mech] == low)


def _worked(analysis: Mapping[str, Any], name: str, persona_emotion: str | None) -> str:
    levels = signals.levels(analysis)
    _, noun = signals.emotion_words(persona_emotion)
    lines = {
        "er": f"You named {name}'s {noun}: ‘{{quote}}’.",
        "ip": f"You showed you understood what {name} is going through: ‘{{quote}}’.",
        "ex": f"You invited {name} to say more: ‘{{quote}}’.",
    }
    # The strongest mechanism with words to cite; ties favour feelings, then understanding.
    for mech in sorted(signals.MECHANISMS, key=lambda m: -levels[m]):
        if levels[mech] == 0:
            break
        spans = signals.rationales(analysis, mech)
        if spans:
            return lines[mech].format(quote=_quote(spans[0]))
    if any(levels.values()):
        best = max(signals.MECHANISMS, key=lambda m: levels[m])
        return f"There's some {signals.MECHANISM_NAMES[best]} in your reply — {name} can hear that you're listening."
    return f"You kept the conversation going with {name} — that's where every good response starts."


def _try_next(weakest: str | None, name: str, persona_emotion: str | None, topic_hint: str) -> str:
    adjective, noun = signals.emotion_words(persona_emotion)
    feeling = f"{name} still sounds {adjective}" if persona_emotion else f"{name} is still finding words for this"
    if weakest == "er":
        return f"{feeling} — name that feeling back in a few words, like “you sound really {adjective}”."
    if weakest == "ex":
        return f"{feeling} — ask an open question about it, like “what worries you most about {topic_hint}?”"
    if weakest == "ip":
        return (
            f"{feeling} — say back what you think is behind the {noun}, like “it sounds like this has been "
            f"building up for a while”."
        )
    return f"That was a full response. Keep following {name}'s lead and let them say what matters most next."


def _topic_hint(persona_text: str) -> str:
    """A noun phrase from the persona's last message for the example question ("the deadline"), or "this"."""
    match = re.search(r"\b(?:the|my|our|this|that)\s+([a-z][a-z-]{3,}(?:\s+[a-z][a-z-]{3,})?)", persona_text.lower())
    if not match:
        return "all this"
    words = match.group(1).split()
    stop = {"with", "about", "that", "this", "when", "what", "have", "been", "just", "from", "they", "were", "will"}
    kept = [word for word in words if word not in stop][:2]
    return f"the {' '.join(kept)}" if kept else "all this"


def _clean_turn(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > REWRITE_MAX_CHARS:
        cut = text[:REWRITE_MAX_CHARS]
        end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        text = cut[: end + 1] if end > 40 else cut.rstrip() + "…"
    return text


def _rewrite(text: str, weakest: str | None, persona_emotion: str | None, topic_hint: str) -> str | None:
    if weakest is None:
        return None
    adjective, noun = signals.emotion_words(persona_emotion)
    own = _clean_turn(text)
    if own and own[-1] not in ".!?…":
        own += "."
    if weakest == "er":
        return f"You sound really {adjective}, and I'm sorry. {own}".strip()
    if weakest == "ip":
        return f"It sounds like the {noun} has been building up and you've been carrying it on your own. {own}".strip()
    return f"{own} What's been the hardest part of {topic_hint} for you?".strip()


def guidance_compose(
    *,
    text: str,
    analysis: Mapping[str, Any],
    persona_name: str,
    persona_emotions: Mapping[str, float],
    persona_text: str = "",
) -> dict[str, Any]:
    """Guidance for one learner turn, or the wellbeing pause card if the learner's words raised concern.

    `persona_emotions` are the persona's feelings the learner was answering; `persona_text` is the
    persona message answered (it gives the example question its topic).
    """
    if signals.needs_pause(analysis):
        return {
            "worked": None,
            "try_next": None,
            "rewrite": None,
            "weakest": None,
            "pause": True,
            "resources": RESOURCES,
        }
    name = _first_name(persona_name)
    levels = signals.levels(analysis)
    emotion = signals.strongest_emotion(persona_emotions)
    weakest = weakest_mechanism(levels)
    topic = _topic_hint(persona_text)
    return {
        "worked": _worked(analysis, name, emotion),
        "try_next": _try_next(weakest, name, emotion, topic),
        "rewrite": _rewrite(text, weakest, emotion, topic),
        "weakest": weakest,
        "persona_emotion": emotion,
        "pause": False,
        "resources": None,
    }
