"""Reading the analysis of a learner turn: levels, tone, question, persona-emotion words.

Pure functions over the analysis dict the inference side returns (see `inference.analysis`);
the engine, the feelings update, the guidance and the summary all read a turn through here,
so they agree on what "dismissive" or "asked a question" means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from inference.schema import Mechanism

MECHANISMS: tuple[Mechanism, ...] = ("er", "ip", "ex")
MECHANISM_NAMES: dict[Mechanism, str] = {"er": "emotional reaction", "ip": "interpretation", "ex": "exploration"}

DISMISSIVE_LABELS = frozenset({"disapproval", "annoyance", "anger", "disgust"})
WARM_LABELS = frozenset({"caring", "approval", "gratitude", "admiration", "love", "optimism"})
# A label counts as present when the detector lists it, or its probability is at least this.
TONE_PROB = 0.3

_QUESTION_START = re.compile(
    r"(?:^|[.!?]\s+)(?:what|how|why|when|where|who|which|would|could|can|do|does|did|is|are|was|were|"
    r"have|has|will|shall|should|tell me|may i|might)\b",
    re.IGNORECASE,
)


def levels(analysis: Mapping[str, Any] | None) -> dict[str, int]:
    """{"er": 0..2, "ip": 0..2, "ex": 0..2}; missing mechanisms read as 0."""
    empathy = (analysis or {}).get("empathy") or {}
    return {mech: int((empathy.get(mech) or {}).get("level") or 0) for mech in MECHANISMS}


def suggestion_levels(analysis: Mapping[str, Any] | None) -> dict[str, int]:
    """The levels a next step is chosen by: the shown (confident) level, or the most probable one
    where that is higher. A learner shown ER 0 for "ugh, that sounds so lonely" (the model at .7 for
    ER 1, under the cautious threshold) was told to name the feeling they had just named; praise
    still waits for a confident level, a suggestion need not (as hints while typing, read_drafts)."""
    empathy = (analysis or {}).get("empathy") or {}
    shown = levels(analysis)
    out: dict[str, int] = {}
    for mech in MECHANISMS:
        probs = (empathy.get(mech) or {}).get("probs") or []
        likeliest = max(range(len(probs)), key=lambda k: probs[k]) if len(probs) == 3 else 0
        out[mech] = max(shown[mech], likeliest)
    return out


# Where a quote may start or end: sentence and clause punctuation, and the text's own ends.
_CLAUSE_BREAK = re.compile(r"[.!?;:,\u2014\u2013()\n]|\s-\s|\bbut\b", re.IGNORECASE)


def phrase_around(text: str, start: int, end: int) -> str:
    """The whole clause (or clauses) of `text` around [start, end): a model's span widened to the
    punctuation around it, so a quote is never a lone pronoun ("you") or a fragment ("to keep")."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text)]
    # A break inside the span (a comma in the middle of it) stays inside; look outside it only.
    start = max((b_end for _, b_end in breaks if b_end <= start), default=0)
    end = min((b_start for b_start, _ in breaks if b_start >= end), default=len(text))
    if end < len(text) and text[end] in "?!":
        end += 1  # a question keeps its question mark
    return " ".join(text[start:end].split()).strip(" ,;:-\u2014\u2013")


def rationale_phrases(analysis: Mapping[str, Any] | None, mechanism: str, text: str) -> list[str]:
    """The rationale spans for one mechanism as whole phrases of the learner's `text`, longest first."""
    empathy = (analysis or {}).get("empathy") or {}
    spans = (empathy.get(mechanism) or {}).get("rationales") or []
    phrases = []
    for span in spans:
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int) and text:
            phrase = phrase_around(text, start, end)
        else:
            phrase = " ".join(str(span.get("text", "")).split())
        if phrase:
            phrases.append(phrase)
    return sorted(dict.fromkeys(phrases), key=len, reverse=True)


def blockers(analysis: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The blockers the scorer named in the turn, most confident first (none from older models)."""
    found = (analysis or {}).get("blockers") or []
    return [b for b in found if isinstance(b, Mapping) and b.get("name")]


def main_blocker(analysis: Mapping[str, Any] | None) -> str | None:
    """The blocker that dominates the turn, if the scorer named one."""
    found = blockers(analysis)
    return str(found[0]["name"]) if found else None


def blocker_phrase(analysis: Mapping[str, Any] | None, text: str) -> str | None:
    """The learner's words that carry the main blocker, as a whole phrase of `text`."""
    found = blockers(analysis)
    if not found:
        return None
    start, end = found[0].get("start"), found[0].get("end")
    if isinstance(start, int) and isinstance(end, int) and text:
        return phrase_around(text, start, end) or None
    return " ".join(str(found[0].get("text") or "").split()) or None


def only_blocks(analysis: Mapping[str, Any] | None) -> bool:
    """A turn dominated by a blocker: one is named and no mechanism reaches level 1. Such a turn
    is never praised and never counts towards a goal."""
    return main_blocker(analysis) is not None and not any(levels(analysis).values())


def emotion_probs(analysis: Mapping[str, Any] | None) -> dict[str, float]:
    return dict(((analysis or {}).get("emotion") or {}).get("probs") or {})


def emotion_labels(analysis: Mapping[str, Any] | None) -> set[str]:
    return set(((analysis or {}).get("emotion") or {}).get("labels") or [])


def _tone_strength(analysis: Mapping[str, Any] | None, labels: frozenset[str]) -> float:
    """How strongly the turn shows any of `labels`: the highest probability among them."""
    probs = emotion_probs(analysis)
    return max((float(probs.get(label, 0.0)) for label in labels), default=0.0)


def dismissive_strength(analysis: Mapping[str, Any] | None) -> float:
    """0..1: how dismissive or blaming the learner's turn reads (disapproval, annoyance, anger, disgust)."""
    return _tone_strength(analysis, DISMISSIVE_LABELS)


# Blockers that brush the persona aside or blame them: what a "dismissive" reply condition means.
# Deflection is one (the guide: policy-speak, passing the buck, "in place of listening"): told
# "that's not really my department", the clinic's Daniel answered as if given a new date.
DISMISSIVE_BLOCKERS = frozenset({"dismissive", "judging", "deflection"})


def is_dismissive(analysis: Mapping[str, Any] | None) -> bool:
    """The turn brushes the persona aside or blames them: the scorer named such a blocker, or (a
    scorer that names no blockers) its tone reads so and it shows no empathy at all. Angry words on
    the persona's behalf ("that makes me furious for you") are not dismissive."""
    blocker = main_blocker(analysis)
    if blocker is not None:
        return blocker in DISMISSIVE_BLOCKERS
    if any(levels(analysis).values()):
        return False
    return bool(emotion_labels(analysis) & DISMISSIVE_LABELS) or dismissive_strength(analysis) >= TONE_PROB


def is_warm(analysis: Mapping[str, Any] | None) -> bool:
    warm = bool(emotion_labels(analysis) & WARM_LABELS) or _tone_strength(analysis, WARM_LABELS) >= TONE_PROB
    return warm and not is_dismissive(analysis)


def asked_question(text: str) -> bool:
    """Whether the learner asked something: a question mark, or a sentence opening like a question."""
    stripped = text.strip()
    return "?" in stripped or bool(_QUESTION_START.search(stripped))


def safety_level(analysis: Mapping[str, Any] | None) -> str:
    return str(((analysis or {}).get("safety") or {}).get("level") or "none")


def needs_pause(analysis: Mapping[str, Any] | None) -> bool:
    """The learner's own words were flagged as concern or crisis: the role-play pauses."""
    return safety_level(analysis) in {"concern", "crisis"}


# Feelings a learner should still attend to: guidance aims at the strongest of these first.
DIFFICULT_EMOTIONS = frozenset(
    {"anger", "annoyance", "disapproval", "disgust", "disappointment", "sadness", "grief", "fear",
     "nervousness", "confusion", "embarrassment", "remorse"}
)  # fmt: skip


def strongest_emotion(emotions: Mapping[str, float], *, difficult_first: bool = True) -> str | None:
    """The persona's strongest feeling, preferring a difficult one the learner can still respond to."""
    ranked = sorted(((v, k) for k, v in emotions.items() if k != "neutral" and v > 0), reverse=True)
    if difficult_first:
        for _, label in ranked:
            if label in DIFFICULT_EMOTIONS:
                return label
    return ranked[0][1] if ranked else None
