"""Persona engines: given the analysis of a learner turn, what does the persona say next?

`engine_for(scenario)` picks the engine named by `Scenario.engine`. The scripted engine here
chooses among the instructor's authored replies; the grounded generative engine beside it chooses
the same way, then marks the choice to be written by the language model, with the authored line
as its guidance and its fallback (the words are generated later, by a task of their own:
`courses/practice/persona_stream.py`).

The engine is pure: it receives the replies, the analysis and a `similarity` function
(the encoder's, on a worker) and touches neither the database nor a model itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from courses.models import PersonaReply, Scenario
from courses.practice import signals
from empathycamp.metrics import persona_fallback
from inference.schema import TurnAnalysis

Similarity = Callable[[str, list[str]], list[float]]


@dataclass(frozen=True)
class TurnFacts:
    """What the engine knows about the learner turn it answers."""

    text: str
    analysis: TurnAnalysis
    turn_number: int  # 1 for the learner's first turn
    last_turn: bool = False  # this turn reaches the scenario's max_turns: the persona closes
    wrap_up: bool = False  # the learner asked to end the conversation: the persona closes
    used_reply_ids: frozenset[int] = field(default_factory=frozenset)
    said: str = ""  # everything said in the conversation so far, both sides


@dataclass(frozen=True)
class ReplyChoice:
    text: str
    reply: PersonaReply | None  # None for a generated or fallback line
    emotion_shift: dict[str, float]
    ends_session: bool
    engine: str = "scripted"  # the Scenario.Engine that chose it
    # True: a language model writes the words, guided by `text` (the authored line), which is also
    # what is said if the generated words fail a check. The persona turn streams until then.
    generate: bool = False


class PersonaEngine(Protocol):
    def choose_reply(
        self, *, scenario: Scenario, replies: Sequence[PersonaReply], facts: TurnFacts, similarity: Similarity | None
    ) -> ReplyChoice: ...


def reply_fits(reply: PersonaReply, facts: TurnFacts) -> bool:
    """Whether every condition the instructor set on the reply holds for this turn."""
    levels = signals.levels(facts.analysis)
    for mech in signals.MECHANISMS:
        low, high = getattr(reply, f"min_{mech}"), getattr(reply, f"max_{mech}")
        if low is not None and levels[mech] < low:
            return False
        if high is not None and levels[mech] > high:
            return False
    if reply.asked_question is not None and reply.asked_question != signals.asked_question(facts.text):
        return False
    if reply.tone == PersonaReply.Tone.DISMISSIVE and not signals.is_dismissive(facts.analysis):
        return False
    if reply.tone == PersonaReply.Tone.WARM and not signals.is_warm(facts.analysis):
        return False
    if reply.min_turn is not None and facts.turn_number < reply.min_turn:
        return False
    return not (reply.max_turn is not None and facts.turn_number > reply.max_turn)


def reply_specificity(reply: PersonaReply) -> int:
    """How many conditions the reply sets: a reply written for this exact case beats a generic one."""
    count = sum(
        getattr(reply, f"{bound}_{mech}") is not None for mech in signals.MECHANISMS for bound in ("min", "max")
    )
    count += reply.asked_question is not None
    count += reply.tone != PersonaReply.Tone.ANY
    count += (reply.min_turn is not None) + (reply.max_turn is not None)
    return count


def _example_lines(reply: PersonaReply) -> list[str]:
    return [line.strip() for line in (reply.example_learner_lines or "").splitlines() if line.strip()]


def _tie_break(candidates: list[PersonaReply], text: str, similarity: Similarity | None) -> PersonaReply:
    """Among equally good replies, the one whose example learner lines read most like this turn."""
    if len(candidates) == 1 or similarity is None:
        return candidates[0]
    owners: list[int] = []
    lines: list[str] = []
    for position, reply in enumerate(candidates):
        for line in _example_lines(reply):
            owners.append(position)
            lines.append(line)
    if not lines:
        return candidates[0]
    best = [-1.0] * len(candidates)
    for owner, score in zip(owners, similarity(text, lines), strict=True):
        best[owner] = max(best[owner], float(score))
    # max() keeps the first of equal scores, i.e. the authored order.
    return candidates[max(range(len(candidates)), key=lambda i: best[i])]


def _best(pool: list[PersonaReply], facts: TurnFacts, similarity: Similarity | None) -> PersonaReply | None:
    if not pool:
        return None
    # Never repeat a line while another one fits.
    fresh = [reply for reply in pool if reply.pk not in facts.used_reply_ids]
    pool = fresh or pool
    top = max((reply_specificity(reply), reply.priority) for reply in pool)
    return _tie_break([r for r in pool if (reply_specificity(r), r.priority) == top], facts.text, similarity)


FALLBACK_CLOSING = "Thank you for talking this through with me."

_WORD = re.compile(r"[a-z][a-z'-]{4,}")
# Words too common to be a reference to something said: a closing line using them mentions nothing.
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "already",
        "always",
        "another",
        "anything",
        "around",
        "because",
        "before",
        "being",
        "better",
        "really",
        "right",
        "should",
        "since",
        "something",
        "sorry",
        "still",
        "thank",
        "thanks",
        "their",
        "there",
        "these",
        "thing",
        "things",
        "think",
        "those",
        "though",
        "through",
        "today",
        "tomorrow",
        "tonight",
        "would",
        "could",
        "maybe",
        "might",
        "little",
        "other",
        "listening",
        "listen",
        "feel",
        "feeling",
        "feels",
        "felt",
        "going",
        "gonna",
        "getting",
        "where",
        "which",
        "while",
        "whole",
        "without",
        "every",
        "first",
        "people",
        "person",
        "never",
        "night",
        "years",
        "sure",
        "okay",
        "having",
        "again",
        "yours",
        "yourself",
        "myself",
        "actually",
        "honestly",
        "instead",
        "enough",
        "talking",
        "talked",
        "talk",
        "help",
        "helped",
        "helps",
        "means",
    ]
)


def _content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _COMMON}


def _mentions_only_what_was_said(reply: PersonaReply, replies: Sequence[PersonaReply], said: str) -> bool:
    """A closing line may refer only to what came up: a specific word it shares with another
    authored reply (the climbing group of one of them, say) must have been said in this conversation."""
    elsewhere: set[str] = set()
    for other in replies:
        if other.pk != reply.pk and not other.is_closing:
            elsewhere |= _content_words(other.text)
    return not ((_content_words(reply.text) & elsewhere) - _content_words(said))


# A quotation of the learner in an authored line: "'These things happen.' Right. They keep happening
# to us." It opens the line, or follows "you say", "you said", "you tell me" and the like; a quote
# the persona makes of their own words ("When they call I say 'great'") is not the learner's. The
# closing quote comes before a space, a stop or the end, so the apostrophes of "I'm" or "it's" never
# close one.
_QUOTED = re.compile(
    r"(?:^\s*|\byou\s+(?:say|said|tell\s+me|told\s+me|keep\s+saying)[,:]?\s+)"
    r"['\"\u2018\u201c]([^'\"\u2018\u2019\u201c\u201d]{3,80}?)['\"\u2019\u201d](?=[\s.,!?;:]|$)",
    re.IGNORECASE,
)


def _stem(word: str) -> str:
    return word.removesuffix("s")


def _quotes_only_what_was_said(reply: PersonaReply, turn_text: str) -> bool:
    """An authored line that quotes the learner fits only a turn that said it, in so many words: a
    walkthrough heard Daniel answer a judging turn with "'These things happen.' Right.", which
    nobody had said. The words that carry the quote must be in the turn (a plural or not); a
    quote of only common words must be there as written."""
    words_said = _WORD.findall(turn_text.lower())
    turn = " ".join(words_said)
    turn_words = {_stem(w) for w in words_said}
    for quoted in _QUOTED.findall(reply.text):
        words = {_stem(w) for w in _content_words(quoted)}
        if words:
            if not words <= turn_words:
                return False
        elif " ".join(_WORD.findall(quoted.lower())) not in turn:
            return False
    return True


class ScriptedEngine:
    """Chooses the best-fitting authored reply: conditions filter, specificity then priority rank,
    sentence similarity to the example learner lines breaks ties, and no line repeats while another fits.
    Goals never end the conversation: the persona closes at the last turn or when the learner wraps up."""

    def choose_reply(
        self, *, scenario: Scenario, replies: Sequence[PersonaReply], facts: TurnFacts, similarity: Similarity | None
    ) -> ReplyChoice:
        ends = facts.last_turn or facts.wrap_up
        chosen: PersonaReply | None = None
        if ends:
            closing = [r for r in replies if r.is_closing and _mentions_only_what_was_said(r, replies, facts.said)]
            chosen = _best([r for r in closing if reply_fits(r, facts)], facts, similarity)
            if chosen is None:
                persona_fallback(engine=Scenario.Engine.SCRIPTED, reason="closing_line")
                return ReplyChoice(text=FALLBACK_CLOSING, reply=None, emotion_shift={}, ends_session=True)
        else:
            regular = [reply for reply in replies if not reply.is_closing]
            fitting = [r for r in regular if reply_fits(r, facts)]
            chosen = _best(
                [r for r in fitting if _quotes_only_what_was_said(r, facts.text)] or fitting, facts, similarity
            )
            if chosen is None:
                # Nothing authored fits: the most generic line (fewest conditions) reads least out of place.
                fewest = min((reply_specificity(r) for r in regular), default=0)
                chosen = _best([r for r in regular if reply_specificity(r) == fewest], facts, similarity)
                if chosen is not None:
                    persona_fallback(engine=Scenario.Engine.SCRIPTED, reason="generic_line")
        if chosen is None:
            persona_fallback(engine=Scenario.Engine.SCRIPTED, reason="no_line")
            return ReplyChoice(text="…", reply=None, emotion_shift={}, ends_session=False)
        return ReplyChoice(
            text=chosen.text,
            reply=chosen,
            emotion_shift={k: float(v) for k, v in (chosen.emotion_shift or {}).items()},
            ends_session=ends,
        )


class GroundedEngine:
    """The generative persona, grounded: the scripted engine's choice is the guidance and the
    fallback of a generated line. Closing lines stay authored (they end the session with its summary,
    and may only mention what was said); a scenario with no authored line at all says "…" as the
    scripted engine does, since there is nothing to ground the model in."""

    def __init__(self, scripted: ScriptedEngine) -> None:
        self.scripted = scripted

    def choose_reply(
        self, *, scenario: Scenario, replies: Sequence[PersonaReply], facts: TurnFacts, similarity: Similarity | None
    ) -> ReplyChoice:
        choice = self.scripted.choose_reply(scenario=scenario, replies=replies, facts=facts, similarity=similarity)
        generate = not choice.ends_session and choice.reply is not None
        return replace(choice, engine=Scenario.Engine.GENERATIVE, generate=generate)


_SCRIPTED = ScriptedEngine()
ENGINES: dict[str, PersonaEngine] = {
    Scenario.Engine.SCRIPTED: _SCRIPTED,
    Scenario.Engine.GENERATIVE: GroundedEngine(_SCRIPTED),
}


def engine_for(scenario: Scenario) -> PersonaEngine:
    """The persona engine the scenario asks for (scripted when unknown)."""
    return ENGINES.get(scenario.engine, ENGINES[Scenario.Engine.SCRIPTED])
