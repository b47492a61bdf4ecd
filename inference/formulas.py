"""Politeness formulas that carry an emotion word but no emotion of the writer's.

"I'm afraid cancellations can only be made within 24 hours" showed the learner a Fear chip
(P .98), and the non-apology "I'm sorry you feel that way" a Remorse chip: the emotion model reads
the word, a reader hears a formula. Only the chips a learner sees are corrected here; the labels
``evaluate_emotion`` scores stay the model's own, so its figures are unchanged.
"""

from __future__ import annotations

import re

# "I'm afraid" followed, within its clause, by what cannot or must be done: a refusal softened,
# not a fear. A future ("I'm afraid it will get worse", "...you'll leave") is a fear and is kept.
_AFRAID_FORMULA = re.compile(
    r"\b(?:i'?m|i\s+am|im)\s+afraid\b"
    # Not a fear of or for something, nor one about a person ("...he doesn't love me anymore").
    r"(?!\s+(?:that\s+)?(?:of|for|he|she|they|you|you'll|my|his|her|their|someone|somebody|nobody|everyone|people)\b)"
    r"(?=[^.!?;]*?\b(?:can'?t|cannot|can\s+only|couldn'?t|don'?t|doesn'?t|isn'?t|aren'?t|won'?t\s+be\s+able|"
    r"not\s+(?:possible|able|something)|no\s+longer|unable|have\s+to|has\s+to|need\s+to|must|only)\b|\s+(?:not|so)\b)",
    re.IGNORECASE,
)
_AFRAID_FUTURE = re.compile(r"\b(?:will|'ll|going\s+to|gonna|might|may)\b", re.IGNORECASE)
_FEAR_WORDS = re.compile(
    r"\b(?:scared|frightened|terrified|worried|worry|worrying|nervous|anxious|panic\w*|fear\w*|afraid)\b",
    re.IGNORECASE,
)

# The guide's brush-aside-not-er: "I'm sorry you feel that way" is a non-apology; the analysis reads
# it as no emotional reaction and as dismissive (``inference.analysis._agree``), the chips as no remorse.
NON_APOLOGY = re.compile(
    r"\bsorry\s+(?:if\s+|that\s+)?you\s+(?:feel|felt|see|saw|took|take)\s+(?:it\s+|things\s+)?"
    r"(?:that\s+way|like\s+that)",
    re.IGNORECASE,
)
_REMORSE_WORDS = re.compile(r"\b(?:sorry|apologi[sz]e\w*|my\s+fault|regret\w*)\b", re.IGNORECASE)


def _afraid_is_formula(text: str) -> bool:
    """Every "afraid" in the text is the softened refusal, and no other fear word is there."""
    found = list(_AFRAID_FORMULA.finditer(text))
    if not found:
        return False
    for match in found:
        clause = re.split(r"[.!?;]", text[match.end() :], maxsplit=1)[0]
        if _AFRAID_FUTURE.search(clause):
            return False
    rest = _AFRAID_FORMULA.sub(" ", text)
    return _FEAR_WORDS.search(rest) is None


def _sorry_is_formula(text: str) -> bool:
    """The only apology word in the text is the non-apology's."""
    if NON_APOLOGY.search(text) is None:
        return False
    return _REMORSE_WORDS.search(NON_APOLOGY.sub(" ", text)) is None


def formula_only(text: str) -> frozenset[str]:
    """The emotion labels whose only evidence in ``text`` is a politeness formula: not shown as chips."""
    labels: set[str] = set()
    if _afraid_is_formula(text):
        labels |= {"fear", "nervousness"}
    if _sorry_is_formula(text):
        labels |= {"remorse", "sadness"}
    return frozenset(labels)


# The guide's named brush-asides (`promise-vs-minimise`, `dismissive`): set phrases that shrink or
# excuse the present hurt. "I understand your frustration, but these things happen in a busy clinic"
# was praised in a walkthrough with no blocker named; the guide labels it dismissive.
BRUSH_ASIDE = re.compile(
    r"\b(?:these things happen|(?:it|this|that|stuff like this) happens (?:to everyone|all the time)|"
    r"everything happens for a reason|don'?t let it get to you|(?:it'?s|its|it is) not (?:a|that) big (?:a )?deal|"
    r"no big deal|get over it|could(?:'ve| have)? been worse|look on the bright side)\b",
    re.IGNORECASE,
)

# The guide's `solidarity-er1`: briefly joining their feeling ("I'd be livid too") is an emotional
# reaction, not self_focus, while the reply says nothing else of the writer.
SOLIDARITY = re.compile(
    r"\b(?:i'?d|i\s+would|id)\s+(?:be|feel|want\s+to\s+\w+|have\s+been|be\s+so|be\s+really)(?:\s+\w+){0,2}?"
    r"\s+(?:too|as\s+well)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself|i'?m|i'?ve|i'?ll|i'?d|im|ive)\b", re.IGNORECASE)


def solidarity_only(text: str) -> re.Match[str] | None:
    """The solidarity formula in ``text`` when it is all the reply says of the writer, else None."""
    found = SOLIDARITY.search(text)
    if found is None:
        return None
    rest = text[: found.start()] + " " + text[found.end() :]
    return None if _FIRST_PERSON.search(rest) else found
