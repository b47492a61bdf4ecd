"""The checks a generated persona line passes before a learner sees it, sentence by sentence.

Plain Python (no torch, no Django): the generation step runs them on each sentence as it is
completed, beside the safety screen (`inference.analysis.screen_generated`), and only a sentence
that passes all of them is streamed. The phrases that give an assistant away are the corpus's own
(`inference.persona_corpus.ASSISTANT_PHRASES`), so the writers' checks and the served ones agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Final, Literal

from inference.persona_corpus import ASSISTANT_PHRASES

# Why a generated line was not used (a small fixed set: metric labels and the turn's record).
FallbackReason = Literal["unsafe", "out_of_character", "repetition", "empty", "error", "cancelled", "lost"]
FALLBACK_REASONS: Final[tuple[FallbackReason, ...]] = (
    "unsafe",
    "out_of_character",
    "repetition",
    "empty",
    "error",
    "cancelled",
    "lost",  # its worker died mid-stream: the sweeper said the authored line
)

MAX_SENTENCES: Final = 3
# Two lines this alike (difflib's ratio over their normalised words) say the same thing.
REPEAT_RATIO: Final = 0.8

# A model that slips out of the role writes the next speaker's label, a template token, or talks
# about "the user" or "the customer" as an outsider would.
_ROLE_LEAK = re.compile(
    r"<\|[^|]*\|>|\b(?:user|assistant|system|learner|persona)\s*:|\bthe (?:user|learner)\b|"
    r"\b(?:as|i am) (?:a|an|your) (?:assistant|chatbot|ai)\b|"
    # A sentence that ends on a colon introduces something: a speaker, an example, a list.
    r":\s*$",
    re.IGNORECASE,
)
# What the base model says as an assistant beyond the corpus's phrases (seen in bench_generation).
_ASSISTANT_MORE = re.compile(
    r"\bhere(?:'s| is| are) (?:an?|the|some) (?:example|list|summary|way|tips?)\b|\blet me (?:try to )?explain\b|"
    r"\bi can (?:help|assist|improve|offer)\b|\b(?:rephrase|paraphrase|reword)\b|"
    r"\b(?:this|that|the|your) (?:sentence|translation|paragraph|phrase)\b|"
    # Seen in the persona evaluation's base-model replies (inference/artefacts/persona/EVALUATION.md).
    r"\b(?:happy|glad) to help\b|\bi'?ll (?:finish|start|end) by\b|\byour (?:response|reply|answer) is\b",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
# A sentence ends at . ! ? or … (with closing quotes) followed by white space; the white space
# is kept with the sentence so the streamed words keep their spacing.
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]’”]*\s+")


def normalised(text: str) -> str:
    """Lower case, words only, single spaces: what two lines are compared on."""
    return " ".join(_NON_WORD.sub(" ", text.lower().replace("’", "'")).split())


# A sentence this short ("Oh.", "Thank you, love.") says nothing about who is speaking.
SHORT_WORDS: Final = 3


def substantive(sentence: str) -> bool:
    """Whether the sentence is long enough to show who speaks (more than SHORT_WORDS words)."""
    return len(sentence.split()) > SHORT_WORDS


# An assistant turns to advising the person it talks to; the corpus's personas never do. Sentences
# that open on advice to the learner ("You should…", "Try to…", "Make sure…") are out of character.
_ADVISES = re.compile(
    r"^\W*(?:(?:maybe |perhaps )?you (?:should|could|might want to|may want to|need to|must)\b(?! have\b)|"
    r"try (?:to|and)\b|make sure\b|consider\b|remember (?:that|to)\b|don'?t hesitate\b|"
    r"it (?:might|may|could|can) (?:help|be helpful)\b)",
    re.IGNORECASE,
)


def out_of_character(sentence: str, *, first: bool, persona_name: str = "") -> bool:
    """Whether the sentence breaks the persona: an assistant's phrase, a speaker label or template
    token, the persona named in the third person or as a label, advice to the learner; and, where
    `first` (the reply's first substantive sentence), an opening that speaks about neither the
    persona nor anything in particular is allowed: the first-person rule this check once had
    failed 40% of the corpus's own hand-written replies ("Friday, the 11th.", "That's it exactly.")."""
    if ASSISTANT_PHRASES.search(sentence) or _ASSISTANT_MORE.search(sentence) or _ROLE_LEAK.search(sentence):
        return True
    names = [re.escape(part) for part in (persona_name.strip(), *persona_name.split()[:1]) if part]
    if names:
        name = "(?:" + "|".join(names) + ")"
        if re.search(
            rf"^\W*{name}\s*:|\b{name}\s+(?:is|was|feels|felt|says|said|thinks|replies|answers)\b",
            sentence,
            re.IGNORECASE,
        ):
            return True
    return bool(_ADVISES.search(sentence))


def repeats(sentence: str, earlier: Iterable[str]) -> bool:
    """Whether the sentence says again what one of the `earlier` lines (or sentences) said."""
    mine = normalised(sentence)
    if not mine:
        return False
    for line in earlier:
        for other in split_sentences(line):
            theirs = normalised(other)
            if theirs and (mine == theirs or SequenceMatcher(None, mine, theirs).ratio() >= REPEAT_RATIO):
                return True
    return False


def split_sentences(text: str) -> list[str]:
    """The sentences of a finished text (the last one need not end with a stop)."""
    splitter = SentenceSplitter()
    return [*splitter.feed(text), *splitter.close()]


@dataclass
class SentenceSplitter:
    """Collects streamed text and gives back each sentence once it is complete."""

    _buffer: str = ""
    sentences: list[str] = field(default_factory=list)

    def feed(self, text: str) -> list[str]:
        """Add streamed text; returns the sentences it completed (each with its trailing space)."""
        self._buffer += text
        done: list[str] = []
        while True:
            match = _SENTENCE_END.search(self._buffer)
            if match is None:
                break
            sentence, self._buffer = self._buffer[: match.end()], self._buffer[match.end() :]
            if sentence.strip():
                done.append(sentence)
        self.sentences += done
        return done

    def close(self) -> list[str]:
        """The text left when generation stopped, as a last sentence (none if only white space)."""
        rest, self._buffer = self._buffer, ""
        if not rest.strip():
            return []
        self.sentences.append(rest)
        return [rest]

    @property
    def pending(self) -> str:
        return self._buffer


@dataclass(frozen=True)
class SentenceVerdict:
    ok: bool
    reason: FallbackReason | None = None


def sentence_verdict(
    sentence: str,
    *,
    first: bool,
    persona_name: str,
    earlier: Sequence[str],
    safety_level: str,
) -> SentenceVerdict:
    """One sentence's verdict, given the safety screen's level for it: unsafe first, then out of
    character, then a repeat of the persona's earlier lines or of this reply's earlier sentences."""
    if safety_level != "none":
        return SentenceVerdict(False, "unsafe")
    if out_of_character(sentence, first=first, persona_name=persona_name):
        return SentenceVerdict(False, "out_of_character")
    if repeats(sentence, earlier):
        return SentenceVerdict(False, "repetition")
    return SentenceVerdict(True)
