"""The batched entry point: one call analyses many learner turns with all three models.

Returns plain JSON-serialisable dicts (the web side and the database store them as they are):

    {"text_truncated": bool,
     "emotion": {"probs", "labels", "top", "ekman", "sentiment", "highlights"},
     "empathy": {"er" | "ip" | "ex": {"level", "probs", "rationales"}},
     "safety": {"level", "reason", "category"}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inference import registry

# Far beyond what either model reads (128 / 256 word pieces): cut before tokenising so a pasted
# novel costs no more than a long message. The flag tells the learner.
MAX_CHARS = 4000


@dataclass(frozen=True)
class TurnInput:
    text: str
    context: str = ""  # the persona message being answered


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _cut(text: str) -> tuple[str, bool]:
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


def analyse_turns(turns: Sequence[TurnInput], batch_size: int = 64) -> list[dict[str, Any]]:
    """Emotion, empathy and safety for each turn, in input order, in one batched pass per model."""
    from inference.safety import screen_texts

    if not turns:
        return []
    raw = [_as_text(turn.text) for turn in turns]
    cut = [_cut(text) for text in raw]
    texts = [text for text, _ in cut]
    contexts = [_cut(_as_text(turn.context))[0] for turn in turns]

    detector = registry.emotion_detector()
    emotion_items = detector.encode(texts)
    probs, tokens = detector.forward_encoded(emotion_items, batch_size=batch_size)
    emotions = detector.results(texts, emotion_items, probs, tokens)

    scorer = registry.empathy_scorer()
    empathy_items = scorer.encode(contexts, texts)
    log_probs, tags = scorer.forward_encoded(empathy_items, batch_size=batch_size)
    empathy = scorer.results(texts, empathy_items, log_probs, tags)

    safety = screen_texts(raw, emotions)
    return [
        {
            "text_truncated": bool(cut[i][1] or emotion_items[i].truncated or empathy_items[i].truncated),
            "emotion": emotions[i],
            "empathy": empathy[i],
            "safety": safety[i],
        }
        for i in range(len(turns))
    ]


def detect_emotions(texts: Sequence[str], batch_size: int = 64) -> list[dict[str, Any]]:
    """Only the "emotion" part, for many texts at once (used to read persona replies)."""
    if not texts:
        return []
    return registry.emotion_detector().analyse([_cut(_as_text(t))[0] for t in texts], batch_size=batch_size)
