"""Label metadata for the emotion and empathy models.

Plain Python on purpose (no torch): the model modules, the trainers, the evaluate commands and
the model-card writer share it, and the web process imports it too (``courses`` validates a
persona's authored emotions against these labels), so it must never pull in torch. The groupings
are the GoEmotions authors' own (``ekman_mapping.json`` and ``sentiment_mapping.json``), copied
here so grouped figures compare with the published ones.
"""

from __future__ import annotations

from inference.schema import Mechanism

GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration",
    "amusement",
    "anger",
    "annoyance",
    "approval",
    "caring",
    "confusion",
    "curiosity",
    "desire",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "excitement",
    "fear",
    "gratitude",
    "grief",
    "joy",
    "love",
    "nervousness",
    "optimism",
    "pride",
    "realization",
    "relief",
    "remorse",
    "sadness",
    "surprise",
    "neutral",
)
NEUTRAL = "neutral"

EKMAN_MAPPING: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy",
        "amusement",
        "approval",
        "excitement",
        "gratitude",
        "love",
        "optimism",
        "relief",
        "pride",
        "admiration",
        "desire",
        "caring",
    ),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    NEUTRAL: (NEUTRAL,),
}
EKMAN_LABELS: tuple[str, ...] = tuple(EKMAN_MAPPING)

SENTIMENT_MAPPING: dict[str, tuple[str, ...]] = {
    "positive": (
        "admiration",
        "amusement",
        "approval",
        "caring",
        "desire",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "optimism",
        "pride",
        "relief",
    ),
    "negative": (
        "anger",
        "annoyance",
        "disappointment",
        "disapproval",
        "disgust",
        "embarrassment",
        "fear",
        "grief",
        "nervousness",
        "remorse",
        "sadness",
    ),
    "ambiguous": ("confusion", "curiosity", "realization", "surprise"),
    NEUTRAL: (NEUTRAL,),
}
SENTIMENT_LABELS: tuple[str, ...] = tuple(SENTIMENT_MAPPING)

# EPITOME (Sharma et al., EMNLP 2020): the three empathy communication mechanisms.
EMPATHY_MECHANISMS: tuple[Mechanism, ...] = ("er", "ip", "ex")
EMPATHY_MECHANISM_NAMES: dict[Mechanism, str] = {
    "er": "Emotional Reactions",
    "ip": "Interpretations",
    "ex": "Explorations",
}


def group_of(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each fine label to its group name in ``mapping``."""
    return {label: group for group, members in mapping.items() for label in members}


def group_label_sets(label_sets: list[list[str]], mapping: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Replace every fine label by its group, keeping each group once (the standard grouping)."""
    lookup = group_of(mapping)
    grouped = []
    for labels in label_sets:
        seen: list[str] = []
        for label in labels:
            group = lookup[label]
            if group not in seen:
                seen.append(group)
        grouped.append(seen)
    return grouped


def _check_mappings() -> None:
    for mapping in (EKMAN_MAPPING, SENTIMENT_MAPPING):
        covered = sorted(label for members in mapping.values() for label in members)
        if covered != sorted(GOEMOTIONS_LABELS):
            raise AssertionError("label grouping does not cover the 28 GoEmotions labels exactly")


_check_mappings()
