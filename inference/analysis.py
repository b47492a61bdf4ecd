"""The front door of the models: what the rest of the project calls to analyse text.

``analyse_turns`` analyses many learner turns with all three models in one batched pass per model
(plus, for an empathy artefact with a blocker head, one more pass over the clauses of the replies
that have a blocker, to find the words that carry it) and returns plain JSON-serialisable dicts (the web side and the database store them as they are),
shaped as ``inference.schema.TurnAnalysis`` says. ``detect_emotions`` reads persona replies,
``similarity`` and ``encode_sentences`` serve the scripted persona engine, ``warm`` loads
everything at worker start. The models themselves are loaded by ``inference.registry``; importing
this module does not import torch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from inference import registry, safety_zh_model
from inference.formulas import (
    AT_LEAST,
    BRUSH_ASIDE,
    NON_APOLOGY,
    NORMALISING,
    REFERRAL,
    STOCK_INFERENCE,
    judging_phrase,
    solidarity_only,
)
from inference.safety import rules_fingerprint, screen_texts
from inference.safety_zh import han_count
from inference.schema import (
    BlockerName,
    BlockerSpan,
    EmotionReading,
    EmpathyReading,
    ModelVersions,
    Rationale,
    RiskReading,
    SafetyResult,
    TurnAnalysis,
)

if TYPE_CHECKING:  # the model modules import torch: this module loads them only when first used
    from inference.empathy import EmpathyPass
    from inference.encoder import EncodedText

# Far beyond what either model reads (128 / 256 word pieces): cut before tokenising so a pasted
# novel costs no more than a long message. The flag tells the learner.
MAX_CHARS = 4000


@dataclass(frozen=True)
class TurnInput:
    text: str
    context: str = ""  # the persona message being answered


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _cut(text: str) -> tuple[str, bool]:
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


def analyse_turns(turns: Sequence[TurnInput], batch_size: int = 64) -> list[TurnAnalysis]:
    """Emotion, empathy, blockers and safety for each turn, in input order, in one batched pass per
    model (and one over the clauses of replies with a blocker)."""
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
    scored = scorer.score(empathy_items, batch_size=batch_size)
    empathy = scorer.results(texts, empathy_items, scored.log_probs, scored.tags)
    blockers = scorer.blockers(texts, contexts, empathy_items, scored.blocker_probs, batch_size=batch_size)
    _agree(texts, empathy, blockers)

    safety = screen_texts(raw, emotions, _risk_readings(texts))
    versions = model_versions()
    return [
        {
            "text_truncated": bool(cut[i][1] or emotion_items[i].truncated or empathy_items[i].truncated),
            "emotion": emotions[i],
            "empathy": empathy[i],
            "blockers": blockers[i],
            "safety": safety[i],
            "models": versions.copy(),
        }
        for i in range(len(turns))
    ]


class EmpathyJudgement(TypedDict):
    """The empathy part of an analysis alone: what the scorer says of a reply."""

    empathy: EmpathyReading
    blockers: list[BlockerSpan]


def judge_replies(turns: Sequence[TurnInput], batch_size: int = 64) -> list[EmpathyJudgement]:
    """Levels and blockers only, in one batched pass of the empathy scorer (and one over the clauses
    of replies with a blocker): for checking candidate rewrites, where emotions and safety are
    not needed."""
    if not turns:
        return []
    texts, contexts, items, scored, empathy = _empathy_pass(turns, batch_size)
    blockers = registry.empathy_scorer().blockers(texts, contexts, items, scored.blocker_probs, batch_size=batch_size)
    _agree(texts, empathy, blockers)
    return [{"empathy": empathy[i], "blockers": blockers[i]} for i in range(len(turns))]


def _empathy_pass(
    turns: Sequence[TurnInput], batch_size: int
) -> tuple[list[str], list[str], list[EncodedText], EmpathyPass, list[EmpathyReading]]:
    """One batched pass of the empathy scorer over (context, reply) pairs: the texts as read, the
    encoded items, the raw scores and the levels with their rationales."""
    texts = [_cut(_as_text(turn.text))[0] for turn in turns]
    contexts = [_cut(_as_text(turn.context))[0] for turn in turns]
    scorer = registry.empathy_scorer()
    items = scorer.encode(contexts, texts)
    scored = scorer.score(items, batch_size=batch_size)
    return texts, contexts, items, scored, scorer.results(texts, items, scored.log_probs, scored.tags)


class DraftReading(TypedDict):
    """What hints while typing need of a draft: a level per mechanism and the blockers' names."""

    levels: dict[str, int]  # "er", "ip", "ex" -> 0..2
    blockers: list[str]  # most probable first


def read_drafts(turns: Sequence[TurnInput], batch_size: int = 64) -> list[DraftReading]:
    """One pass of the empathy scorer, no clause pass for a blocker's evidence (a hint names no
    words): about a third of `judge_replies`' time on a draft with a blocker in it. A level here is
    the more generous of the confident level and the most probable one: a hint that asks for a
    feeling the learner has just named ("that sounds so lonely") is worse than no hint."""
    if not turns:
        return []
    texts, _, _, scored, empathy = _empathy_pass(turns, batch_size)
    scorer = registry.empathy_scorer()
    named = scorer.named_blockers(scored.blocker_probs, texts)
    readings: list[DraftReading] = []
    for reading, found in zip(empathy, named, strict=True):
        names = [scorer.blocker_classes[c] for c, _ in found]
        levels = {
            mech: max(int(reading[mech]["level"]), int(max(range(3), key=lambda k: reading[mech]["probs"][k])))
            for mech in ("er", "ip", "ex")
        }
        if names and names[0] == "closed_question":
            levels["ex"] = 0  # as `_agree`: a closed factual question is no exploration
        readings.append({"levels": levels, "blockers": names})
    return readings


# The guide's brush-aside-not-er (``inference.formulas.NON_APOLOGY``): the scorer met it in a few
# training rows only and still read it as warmth in a browser walkthrough ("You met Jordan's feelings
# with warmth"), so the formula is read as the guide reads it.
def _agree(texts: Sequence[str], empathy: Sequence[EmpathyReading], blockers: list[list[BlockerSpan]]) -> None:
    """One reading of a reply, not two: when the blocker head names a closed factual question
    (its threshold is tuned for precision), the reply is no exploration, whatever the EX head read;
    a non-apology ("I'm sorry you feel that way") is no emotional reaction, and dismissive where
    the head named no blocker, as is a brush-aside the guide names ("these things happen"); joining
    their feeling ("I'd be livid too") is an emotional reaction, not self_focus."""
    for text, reading, found in zip(texts, empathy, blockers, strict=True):
        if found and found[0]["name"] == "closed_question" and reading["ex"]["level"] > 0:
            reading["ex"] = {**reading["ex"], "level": 0, "rationales": []}
        solidarity = solidarity_only(text)
        # The formula is the reply ("I'd be livid too."), or the head took it for talk about oneself.
        alone = (
            solidarity is not None
            and len(re.findall(r"\w+", text[: solidarity.start()] + text[solidarity.end() :])) <= 3
        )
        if solidarity is not None and (alone or (found and found[0]["name"] == "self_focus")):
            if alone:
                found.clear()
            else:
                found.pop(0)
            if reading["er"]["level"] == 0:
                # A rule's reading: the guide's ER 1, with the words that carry it.
                span: Rationale = {"start": solidarity.start(), "end": solidarity.end(), "text": solidarity.group(0)}
                reading["er"] = {**reading["er"], "level": 1, "rationales": [span]}
        _consolation(text, reading, found)
        formula = NON_APOLOGY.search(text)
        if formula is not None:
            start, end = formula.start(), formula.end()
            elsewhere = [r for r in reading["er"]["rationales"] if r["end"] <= start or r["start"] >= end]
            if reading["er"]["level"] > 0 and not elsewhere:
                reading["er"] = {**reading["er"], "level": 0, "rationales": []}
        else:
            formula = BRUSH_ASIDE.search(text)
        if formula is not None and not found:
            found.append(_rule_finding("dismissive", text, formula.start(), formula.end()))
        _guide_blockers(text, found)
        inference = STOCK_INFERENCE.search(text) or NORMALISING.search(text)
        if inference is not None and not found and reading["ip"]["level"] == 0:
            # A rule's reading, as the guide scores the phrase: IP 1, with the words that carry it.
            start, end = inference.start(), _clause_end(text, inference.start())
            said: Rationale = {"start": start, "end": end, "text": text[start:end]}
            reading["ip"] = {**reading["ip"], "level": 1, "rationales": [said]}


def _consolation(text: str, reading: EmpathyReading, found: list[BlockerSpan]) -> None:
    """The guide's "at least…" (``inference.formulas.AT_LEAST``): the reply is dismissive, and the
    sorry or reaction before it closes the topic, as the corpus labels every such reply (ER 0, IP 0)."""
    match = AT_LEAST.search(text)
    if match is None:
        return
    for mech in ("er", "ip"):
        if reading[mech]["level"] > 0:
            reading[mech] = {**reading[mech], "level": 0, "rationales": []}
    # Every such reply in the corpus is dismissive whatever else it holds: the head's other reading
    # gives way ("…at least your mum's got you fighting her corner" was named judging in a walkthrough).
    found[:] = [_rule_finding("dismissive", text, match.start(1), _clause_end(text, match.start(1)))]


def _clause_end(text: str, start: int) -> int:
    """Where the clause that begins at ``start`` ends: the whole phrase a coach would quote."""
    return start + len(re.split(r"[.!?;,]", text[start:], maxsplit=1)[0].rstrip())


def _rule_finding(name: BlockerName, text: str, start: int, end: int) -> BlockerSpan:
    """A rule's finding, not the head's: its probability is given as certain."""
    return {"name": name, "start": start, "end": end, "text": text[start:end], "probability": 1.0}


# The head misses a few of the guide's own named examples (the tuning split: "you're being dramatic"
# read as dismissive or nothing, "Have you spoken to your GP?" as advice), and learners write them.
def _guide_blockers(text: str, found: list[BlockerSpan]) -> None:
    """The guide's judging-scope and advice-vs-deflection, where the head named nothing: fault found
    with the person is judging, a referral or a rule is deflection; a referral the head took for
    advice or a closed question is deflection, "even when it is phrased as advice or as a yes/no
    question"."""
    referral = REFERRAL.search(text)
    if found:
        if referral is not None and found[0]["name"] in ("advice", "closed_question"):
            found[0] = _rule_finding("deflection", text, referral.start(), referral.end())
        return
    judging = judging_phrase(text)
    if judging is not None:
        found.append(_rule_finding("judging", text, judging.start(), judging.end()))
    elif referral is not None:
        found.append(_rule_finding("deflection", text, referral.start(), referral.end()))


def safety_screen(texts: Sequence[object], batch_size: int = 64) -> list[SafetyResult]:
    """The safety screen as analyses run it (rules, emotion lift, risk classifier) for texts that are
    not learner turns: generated text before anyone sees it, and ``evaluate_safety``."""
    if not texts:
        return []
    raw = [_as_text(text) for text in texts]
    cut = [_cut(text)[0] for text in raw]
    emotions = registry.emotion_detector().analyse(cut, batch_size=batch_size, highlights=False)
    return screen_texts(raw, emotions, _risk_readings(cut, batch_size=batch_size))


def screen_generated(texts: Sequence[str], batch_size: int = 64) -> list[SafetyResult]:
    """The safety screen for text the product writes (example rewrites; a generative persona's
    lines): the rules and the risk classifier. The emotion lift is left out: it exists for a writer's
    own weak distress cues, and this writer is the product."""
    if not texts:
        return []
    cut = [_cut(_as_text(text))[0] for text in texts]
    return screen_texts(cut, None, _risk_readings(cut, batch_size=batch_size))


def _risk_readings(texts: Sequence[str], batch_size: int = 64) -> list[RiskReading | None]:
    """The risk classifier's reading of each text; for Chinese text, which its encoder cannot read,
    the Chinese n-gram classifier's (``inference.safety_zh_model``, beside the Chinese list)."""
    readable = [i for i, text in enumerate(texts) if han_count(text) < 2]
    readings: list[RiskReading | None] = [None] * len(texts)
    chinese = [i for i, text in enumerate(texts) if han_count(text) >= 2]
    for i, zh_reading in zip(chinese, safety_zh_model.read([texts[i] for i in chinese]), strict=True):
        readings[i] = zh_reading
    if readable:
        for i, reading in zip(
            readable, registry.risk_classifier().read([texts[i] for i in readable], batch_size=batch_size), strict=True
        ):
            readings[i] = reading
    return readings


def detect_emotions(texts: Sequence[str], batch_size: int = 64) -> list[EmotionReading]:
    """Only the "emotion" part, for many texts at once (used to read persona replies)."""
    if not texts:
        return []
    return registry.emotion_detector().analyse([_cut(_as_text(t))[0] for t in texts], batch_size=batch_size)


def similarity(text: str, candidates: Sequence[str]) -> list[float]:
    """Cosine similarity of ``text`` to each candidate, in candidate order (0.0 for empty text)."""
    if not candidates:
        return []
    vectors = registry.sentence_encoder().encode([text, *candidates])
    return [round(float(x), 4) for x in vectors[1:] @ vectors[0]]


def encode_sentences(texts: Sequence[str]) -> None:
    """Encode ``texts`` in one batched pass so the sentence encoder's cache holds their vectors;
    ``similarity`` over them afterwards is a dot product, not a forward pass."""
    registry.sentence_encoder().encode(texts)


def model_versions() -> ModelVersions:
    """The fingerprint of each model an analysis comes from (loads the models if need be)."""
    return {
        "emotion": registry.emotion_detector().version,
        "empathy": registry.empathy_scorer().version,
        "safety": rules_fingerprint(),
        "risk": registry.risk_classifier().version,
    }


def warm() -> None:
    """Load every model and run one tiny batch through each, so the first real turn is fast."""
    encode_sentences(["warm up"])
    registry.risk_classifier()
    analyse_turns([TurnInput(text="Thanks for telling me. How are you feeling now?", context="I had a rough day.")])
