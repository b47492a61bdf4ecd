"""The shape of an analysis, as ``inference.analysis`` returns it and the database stores it.

Plain typing and a few constant tuples (no torch, no Django), so the web side can import these
types for free. The
values are plain JSON: dicts, lists, strings, numbers and booleans, stored as they are.
"""

from __future__ import annotations

from typing import Final, Literal, NotRequired, TypedDict, get_args

SafetyLevel = Literal["none", "concern", "crisis"]
SafetyCategory = Literal["suicide", "self_harm", "harm_to_others", "abuse", "distress"]
# EPITOME's three empathy communication mechanisms and their levels (0 none, 1 weak, 2 strong).
Mechanism = Literal["er", "ip", "ex"]
EmpathyLevel = Literal[0, 1, 2]

# The communication blockers of the annotation guide (after Thomas Gordon's roadblocks), the main
# one a coach would name in a reply. "none" is the blocker head's eighth class, never a span's name.
BlockerName = Literal[
    "dismissive", "advice", "closed_question", "self_focus", "judging", "false_reassurance", "deflection"
]
NO_BLOCKER: Final = "none"
BLOCKER_NAMES: Final[tuple[BlockerName, ...]] = get_args(BlockerName)
# The blocker head's classes, in its output order (an artefact's config lists them as "blockers").
BLOCKER_CLASSES: Final[tuple[str, ...]] = (NO_BLOCKER, *BLOCKER_NAMES)

# One of the three most probable emotions: ``[label, probability]``, a JSON pair (a list, not a tuple).
TopEmotion = list[str | float]


class Highlight(TypedDict):
    """A word of the analysed text that pushed an emotion up: ``text == analysed[start:end]``."""

    start: int
    end: int
    text: str
    weight: float  # relative to the strongest word of that emotion, in [0.3, 1.0]


class GroupedReading(TypedDict):
    """The Ekman or sentiment view: a group's probability is the highest of its member labels'."""

    probs: dict[str, float]  # every group of the view, in the view's order
    labels: list[str]  # the groups present, most probable first; ["neutral"] when none is


class EmotionReading(TypedDict):
    """The emotion model's reading of one text, over the 28 GoEmotions labels."""

    probs: dict[str, float]  # all 28 labels, in GOEMOTIONS_LABELS order, rounded to 4 places
    labels: list[str]  # labels over their tuned threshold, most probable first; ["neutral"] when none is
    top: list[TopEmotion]  # the three most probable labels
    ekman: GroupedReading
    sentiment: GroupedReading
    highlights: dict[str, list[Highlight]]  # for the top labels other than neutral, words in text order
    # The labels a learner is shown as chips: over a display threshold tuned for precision >= .70 on
    # GoEmotions dev (a label that cannot reach it is never shown), most probable first; never neutral.
    shown: list[str]


class Rationale(TypedDict):
    """A span of the response behind a mechanism's level: ``text == response[start:end]``."""

    start: int
    end: int
    text: str


class MechanismReading(TypedDict):
    level: EmpathyLevel
    probs: list[float]  # of levels 0, 1 and 2, rounded to 4 places
    rationales: list[Rationale]  # empty at level 0


class EmpathyReading(TypedDict):
    er: MechanismReading  # Emotional Reactions
    ip: MechanismReading  # Interpretations
    ex: MechanismReading  # Explorations


class BlockerSpan(TypedDict):
    """A blocker the scorer names in the reply, with the clause that carries it:
    ``text == reply[start:end]``."""

    name: BlockerName
    start: int
    end: int
    text: str
    probability: float  # of this blocker for the whole reply, rounded to 4 places


class SafetyEvidence(TypedDict):
    by: Literal["rules", "model"]  # the written rules, or the learned risk classifier
    words: str  # the words that fired: a rule's match, or a word the classifier leaned on most


class SafetyResult(TypedDict):
    level: SafetyLevel
    reason: str  # one or two sentences for the learner and the instructor
    category: SafetyCategory | None  # None when the level is "none"
    # Which part fired and on which words (analyses saved before the classifier have none).
    evidence: NotRequired[list[SafetyEvidence]]


class RiskReading(TypedDict):
    """The learned risk classifier's reading of one text (``inference.risk``)."""

    level: SafetyLevel  # by the artefact's tuned thresholds
    probs: dict[str, float]  # none / concern / crisis, summing to 1
    harmless: bool  # P(none) over the artefact's set-aside threshold: may overrule a weak rule finding
    certain: NotRequired[bool]  # P(none) over its higher threshold: may overrule any rule finding
    words: list[str]  # the words that pushed most towards risk, most first


class ModelVersions(TypedDict):
    """The fingerprint of each model behind an analysis (see the model cards for how it is computed)."""

    emotion: str
    empathy: str
    safety: str  # the rules (English and Chinese lists)
    risk: NotRequired[str]  # the learned risk classifier (analyses before it have none)


class TurnAnalysis(TypedDict):
    text_truncated: bool  # some of the text was cut before a model read it
    emotion: EmotionReading
    empathy: EmpathyReading
    # Most confident first, each at or over the artefact's tuned threshold; the first is the main
    # blocker. Empty when none is, or when the empathy artefact has no blocker head.
    blockers: list[BlockerSpan]
    safety: SafetyResult
    models: ModelVersions
