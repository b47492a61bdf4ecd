"""An example rewrite shown against the learner's own words: which words it kept, took out and added.

Word-level (`difflib` on whitespace-separated words), computed on the server into typed segments
the page, the socket and the history page draw the same way (`<del>` / `<ins>`). Words are
compared without their case and the punctuation around them, so "fine," → "fine." or a
capital at a new sentence start is not shown as a change; a kept run is shown in the rewrite's
spelling. Plain Python: no Django, no models.
"""

from __future__ import annotations

import difflib
import re
from typing import Literal, TypedDict

DiffOp = Literal["kept", "removed", "added"]

_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


class DiffSegment(TypedDict):
    """A run of words: kept from the learner's text, removed from it, or added by the rewrite."""

    op: DiffOp
    text: str  # the run's words, separated by single spaces


def _key(word: str) -> str:
    """What a word is compared by: lower case, without the punctuation at its edges ("Fine," → "fine");
    a word that is only punctuation ("—") is compared as it is."""
    stripped = _EDGE_PUNCTUATION.sub("", word.lower())
    return stripped or word


def _matcher(before: list[str], after: list[str]) -> difflib.SequenceMatcher[str]:
    # autojunk off: a short reply's common words ("you", "I") must never be treated as junk.
    return difflib.SequenceMatcher(None, [_key(w) for w in before], [_key(w) for w in after], autojunk=False)


def word_diff(before: str, after: str, *, for_reading: bool = False) -> list[DiffSegment]:
    """The segments that turn `before` (the learner's words) into `after` (the rewrite), in reading
    order; a replaced run is its removed words, then its added ones. Adjacent segments of one kind
    are merged; empty texts give no segments. `for_reading` (what a learner is shown): a single kept
    word between two changes counts as changed, so the changes around it read as one: a learner
    saw "hmm so" struck, an added question ending "the hardest part of", a kept "all", then their
    whole interpretation struck."""
    old, new = before.split(), after.split()
    segments: list[DiffSegment] = []

    def add(op: DiffOp, words: list[str]) -> None:
        if not words:
            return
        if segments and segments[-1]["op"] == op:
            segments[-1]["text"] += " " + " ".join(words)
        else:
            segments.append(DiffSegment(op=op, text=" ".join(words)))

    removed: list[str] = []
    added: list[str] = []
    codes = _matcher(old, new).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(codes):
        lone = for_reading and tag == "equal" and i2 - i1 == 1 and 0 < k < len(codes) - 1
        if tag == "equal" and not lone:
            add("removed", removed)
            add("added", added)
            removed, added = [], []
            add("kept", new[j1:j2])
        else:
            removed += old[i1:i2]
            added += new[j1:j2]
    add("removed", removed)
    add("added", added)
    return segments


def word_similarity(before: str, after: str) -> float:
    """How much of the two texts' words are the same, in order: difflib's ratio on words (2 × matched
    words / all words of both), 1.0 for two empty texts."""
    old, new = before.split(), after.split()
    if not old and not new:
        return 1.0
    return _matcher(old, new).ratio()


def added_words(before: str, after: str) -> int:
    """How many words `after` adds to `before` (the words of its "added" segments)."""
    return sum(len(segment["text"].split()) for segment in word_diff(before, after) if segment["op"] == "added")


def word_keys(text: str) -> list[str]:
    """The words of `text` as they are compared (lower case, no punctuation at their edges)."""
    return [_key(word) for word in text.split()]


def kept_share(before: str, after: str) -> float:
    """The share of the learner's words (`before`) the rewrite keeps, in order (1.0 for an empty turn)."""
    old, new = before.split(), after.split()
    if not old:
        return 1.0
    kept = sum(block.size for block in _matcher(old, new).get_matching_blocks())
    return kept / len(old)
