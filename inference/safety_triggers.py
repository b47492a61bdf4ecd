"""Literal triggers of the safety rules: the fast path that lets most texts skip the rules.

Most texts contain nothing any rule could match. For each rule pattern this module derives a set
of literal strings such that every match of the pattern contains at least one of them as a
substring (lookarounds, ``\\b`` and the rule's ``unless`` are ignored, which only widens the set).
A text with none of them cannot give any finding, so the screen skips its sentence loop; the
result is exactly what the full path gives.

The patterns are read by a small parser of the regular expression syntax the rules use, kept here
rather than borrowed from the ``re`` module's private parser: literals, escapes (``\\b``, ``\\s``,
``\\w``, ``\\d``, escaped punctuation...), character classes, ``.``, ``^`` and ``$``,
non-capturing, named and capturing groups, lookarounds, alternation and the greedy and lazy
quantifiers. Anything else (inline flags, back-references, conditionals, possessive quantifiers)
raises ``ValueError``, and a test derives triggers for every rule, so a rule written with new
syntax fails in CI rather than being screened wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

TRIGGER_PRODUCT_MAX = 256  # largest set of exact strings expanded from a concatenation
# Function words of English: text with several words and none of them is probably not English.
ENGLISH_FUNCTION_WORDS = frozenset((
    "i", "me", "my", "you", "he", "she", "it", "we", "they", "the", "a", "an", "and", "or", "but", "to", "of",
    "in", "on", "at", "for", "with", "is", "am", "are", "was", "were", "be", "been", "do", "does", "did",
    "not", "no", "have", "has", "had", "this", "that", "so", "just", "what", "when", "how", "why", "if", "can",
    "will", "would", "want", "feel",
))  # fmt: skip
# Words too common to make a good trigger on their own (a guess: it only decides speed, never the result).
COMMON_WORDS = ENGLISH_FUNCTION_WORDS | frozenset((
    "like", "could", "might", "going", "go", "get", "got", "said", "says", "need", "try", "plan", "about",
    "all", "any", "off", "from", "up", "out", "one", "everyone", "nobody", "really", "very", "also",
))  # fmt: skip


# The pattern as a tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chars:
    """One character: one of ``chars``, or when ``chars`` is None any of a set not worth listing."""

    chars: frozenset[str] | None


@dataclass(frozen=True)
class _ZeroWidth:
    """An anchor, ``\\b`` or a lookaround: it matches no characters."""


@dataclass(frozen=True)
class _Sequence:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alternation:
    branches: tuple[_Node, ...]


@dataclass(frozen=True)
class _Repeat:
    item: _Node
    low: int
    high: int | None  # None: no upper bound


_Node = _Chars | _ZeroWidth | _Sequence | _Alternation | _Repeat
_ANY = _Chars(None)
_ZERO = _ZeroWidth()

_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_CLASS_ESCAPES = frozenset("sSwWdD")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


class _Parser:
    """Recursive descent over one pattern; ``parse`` gives its tree or raises ``ValueError``."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.at = 0

    def parse(self) -> _Node:
        node = self._alternation()
        if self.at != len(self.pattern):
            self._fail("unbalanced parenthesis")
        return node

    def _fail(self, problem: str) -> NoReturn:
        raise ValueError(f"safety trigger parser: {problem} at position {self.at} of {self.pattern!r}")

    def _peek(self, ahead: int = 0) -> str:
        at = self.at + ahead
        return self.pattern[at] if at < len(self.pattern) else ""

    def _take(self) -> str:
        char = self._peek()
        if not char:
            self._fail("unexpected end of pattern")
        self.at += 1
        return char

    def _accept(self, text: str) -> bool:
        if self.pattern.startswith(text, self.at):
            self.at += len(text)
            return True
        return False

    def _alternation(self) -> _Node:
        branches = [self._sequence()]
        while self._accept("|"):
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else _Alternation(tuple(branches))

    def _sequence(self) -> _Node:
        items: list[_Node] = []
        while self._peek() not in ("", "|", ")"):
            atom = self._atom()
            bounds = self._quantifier()
            if bounds is not None:
                if self._peek() in ("*", "+", "?") or self._repeat_ahead():
                    self._fail("multiple repeat (possessive quantifiers are not supported)")
                atom = _Repeat(atom, *bounds)
            items.append(atom)
        return _Sequence(tuple(items))

    def _repeat_ahead(self) -> bool:
        start = self.at
        try:
            return self._braces() is not None
        finally:
            self.at = start

    def _braces(self) -> tuple[int, int | None] | None:
        """``{m,n}`` and its forms as ``re`` reads them; None (and nothing consumed) when not one."""
        start = self.at
        if not self._accept("{") or self._peek() == "}":
            self.at = start
            return None
        low = self._digits()
        high = self._digits() if self._accept(",") else low
        if not self._accept("}"):
            self.at = start
            return None
        return (int(low) if low else 0, int(high) if high else None)

    def _digits(self) -> str:
        digits = ""
        while self._peek().isdigit() and self._peek().isascii():
            digits += self._take()
        return digits

    def _quantifier(self) -> tuple[int, int | None] | None:
        char = self._peek()
        bounds: tuple[int, int | None] | None
        if char in ("*", "+", "?"):
            self.at += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        else:
            bounds = self._braces()
        if bounds is not None:
            low, high = bounds
            if high is not None and high < low:
                self._fail("min repeat greater than max repeat")
            self._accept("?")  # lazy: the same strings match
        return bounds

    def _atom(self) -> _Node:
        char = self._take()
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == "\\":
            return self._escape(in_class=False)
        if char == ".":
            return _ANY
        if char in ("^", "$"):
            return _ZERO
        if char in ("*", "+", "?"):
            self._fail("nothing to repeat")
        if char == "{":
            self.at -= 1
            if self._repeat_ahead():
                self._fail("nothing to repeat")
            self.at += 1
        return _Chars(frozenset(char))

    def _group(self) -> _Node:
        zero_width = False
        if self._accept("?"):
            if self._accept(":"):
                pass
            elif self._accept("P<"):
                while self._peek() not in ("", ">"):
                    if not (self._peek().isalnum() or self._peek() == "_"):
                        self._fail("bad group name")
                    self.at += 1
                if not self._accept(">"):
                    self._fail("unterminated group name")
            elif self._accept("=") or self._accept("!") or self._accept("<=") or self._accept("<!"):
                zero_width = True
            else:
                self._fail("unsupported group syntax (inline flags, back-references or conditionals)")
        inner = self._alternation()
        if not self._accept(")"):
            self._fail("missing ), unterminated subpattern")
        return _ZERO if zero_width else inner

    def _escape(self, *, in_class: bool) -> _Node:
        char = self._take()
        if char in _ZERO_WIDTH_ESCAPES and not in_class:
            return _ZERO
        if char == "b":  # in a class, \b is a backspace
            return _Chars(frozenset("\b"))
        if char in _CLASS_ESCAPES:
            return _ANY
        if char in _CONTROL_ESCAPES:
            return _Chars(frozenset(_CONTROL_ESCAPES[char]))
        if char in _HEX_ESCAPES:
            digits = "".join(self._take() for _ in range(_HEX_ESCAPES[char]))
            try:
                return _Chars(frozenset(chr(int(digits, 16))))
            except ValueError:
                self._fail(f"bad escape \\{char}{digits}")
        if char.isascii() and char.isalnum():
            self._fail(f"unsupported escape \\{char}")  # back-references, octal, \N{...}, or an error in re
        return _Chars(frozenset(char))

    def _class(self) -> _Chars:
        """``[...]``: its characters when it lists plain characters only, else any character."""
        negated = self._accept("^")
        chars: set[str] = set()
        plain = not negated
        first = True
        while True:
            char = self._take()
            if char == "]" and not first:
                break
            first = False
            if char == "\\":
                escaped = self._escape(in_class=True)
                if not isinstance(escaped, _Chars) or escaped.chars is None:
                    plain = False
                    continue
                chars |= escaped.chars
            elif char == "[" and self._peek() in (":", "=", "."):
                self._fail("unsupported class syntax")
            else:
                chars.add(char)
            if self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.at += 1  # a range: not listed one by one
                upper = self._take()
                if upper == "\\":
                    self._escape(in_class=True)
                plain = False
        return _Chars(frozenset(chars)) if plain and chars else _ANY


# What a node can match ---------------------------------------------------------------------------


class _Literals:
    """What a node can match: exactly one of ``exact``, or text containing one of ``need``.

    ``exact`` is None when the node is not a small finite language; ``need`` is None when nothing
    is known to be required (an empty string in a set also means nothing is required).
    """

    __slots__ = ("exact", "need")

    def __init__(self, exact: set[str] | None = None, need: frozenset[str] | None = None):
        self.exact = exact
        self.need = need


def _literal_cost(literal: str) -> int:
    """Higher is rarer in ordinary text (a guess; it only decides speed, never the result)."""
    return sum(1 if word in COMMON_WORDS else len(word) for word in literal.replace("-", " ").split())


def _need_of(info: _Literals) -> frozenset[str] | None:
    if info.exact is not None:
        return None if "" in info.exact else frozenset(info.exact)
    return info.need


def _rarer(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    if b is None:
        return a
    key_a = (min(map(_literal_cost, a)), -len(a))
    key_b = (min(map(_literal_cost, b)), -len(b))
    return a if key_a >= key_b else b


def _literals_of_sequence(items: Iterable[_Node]) -> _Literals:
    # A concatenation: adjacent exact parts multiply out; any one part's requirement holds for the
    # whole, so the rarest one is kept.
    exact: set[str] | None = {""}
    need: frozenset[str] | None = None
    whole = True
    for item in items:
        info = _literals_of(item)
        if exact is not None and info.exact is not None and len(exact) * len(info.exact) <= TRIGGER_PRODUCT_MAX:
            exact = {a + b for a in exact for b in info.exact}
            continue
        whole = False
        if exact is not None:
            need = _rarer(need, None if "" in exact else frozenset(exact))
        need = _rarer(need, _need_of(info))
        exact = set(info.exact) if info.exact is not None else None
    if whole:
        return _Literals(exact=exact)
    if exact is not None:
        need = _rarer(need, None if "" in exact else frozenset(exact))
    return _Literals(need=need)


def _literals_of_alternation(branches: Iterable[_Node]) -> _Literals:
    infos = [_literals_of(branch) for branch in branches]
    exacts = [info.exact for info in infos if info.exact is not None]
    if len(exacts) == len(infos):
        union = set().union(*exacts)
        if len(union) <= TRIGGER_PRODUCT_MAX:
            return _Literals(exact=union)
    needs = [_need_of(info) for info in infos]
    required = [need for need in needs if need is not None]
    if len(required) < len(needs):
        return _Literals()
    return _Literals(need=frozenset().union(*required))


def _literals_of(node: _Node) -> _Literals:
    if isinstance(node, _Chars):
        return _Literals(exact=set(node.chars)) if node.chars is not None else _Literals()
    if isinstance(node, _ZeroWidth):
        return _Literals(exact={""})  # contributes no characters to the match
    if isinstance(node, _Sequence):
        return _literals_of_sequence(node.items)
    if isinstance(node, _Alternation):
        return _literals_of_alternation(node.branches)
    inner = _literals_of(node.item)
    if inner.exact is not None and node.high is not None and node.high <= 1:
        return _Literals(exact=inner.exact | {""} if node.low == 0 else set(inner.exact))
    if node.low >= 1:
        return _Literals(need=_need_of(inner))
    return _Literals()


def rule_triggers(pattern: str) -> frozenset[str]:
    """Literals of which every match of ``pattern`` contains at least one (raises if there are none)."""
    need = _need_of(_literals_of(_Parser(pattern).parse()))
    if not need or "" in need:
        raise ValueError(f"no literal trigger can be derived from rule pattern {pattern!r}")
    return need


def literal_alternation(literals: Iterable[str]) -> str:
    """A regex matching any of ``literals``, as a trie so each position tries few branches."""
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        # Ending here already suffices (only whether some literal occurs matters).
        if "" in node:
            return ""
        alternatives = [re.escape(char) + emit(child) for char, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(trie)
