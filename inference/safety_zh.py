"""The safety screen for Chinese text: the written list of ``inference.safety_rules_zh`` with its
context checks. Plain Python, called by ``inference.safety`` for any text with Han characters.

Chinese has no spaces or inflection to lean on, so the checks look at characters around a match:
the clause before it (split at commas and full stops) for who holds the feeling and for a denial
just before it, the sentence for a past the writer says is over, and the whole text for frames
(fiction, news, training material) and jokes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from inference import safety_rules_zh as zh
from inference.safety_rules_zh import RULES, ZhRule

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")
_SENTENCE_BREAK = re.compile(r"[。！？!?；;\n]")
_CLAUSE_BREAK = re.compile(r"[，,、：:。！？!?；;\n（）()]")
_WRITER = "我"
_HOLDER_CATEGORIES = frozenset({"suicide", "self_harm", "distress"})
_JOKE_CATEGORIES = frozenset({"harm_to_others", "distress"})


@dataclass(frozen=True)
class ZhFinding:
    rule: ZhRule
    level: str  # "crisis" or "concern" after the checks
    words: str  # the characters the rule matched
    past: bool = False


@cache
def _compiled() -> tuple[tuple[ZhRule, re.Pattern[str], re.Pattern[str] | None], ...]:
    return tuple((rule, re.compile(rule.pattern), re.compile(rule.urgent) if rule.urgent else None) for rule in RULES)


_IDIOMS = re.compile(zh.IDIOMS)
_MEDIA = re.compile(zh.MEDIA_FRAME)
_OTHER = re.compile(zh.OTHER_SUBJECT)
_FRAME = re.compile(zh.REFLECTIVE_FRAME)
_NEGATION = re.compile(zh.NEGATION)
_PAST = re.compile(zh.PAST)
_RECOVERED = re.compile(zh.RECOVERED)
_RECENT = re.compile(zh.RECENT)
_JOKE = re.compile(zh.JOKE)
# "以为都过去了" (I thought it was over) is not recovery.
_THOUGHT = re.compile(r"以[为為]|以前[为為]")


def han_count(text: str) -> int:
    """How many Han characters ``text`` has (the screen runs the Chinese list when there are two or more)."""
    return len(_HAN.findall(text))


def find_zh(text: str) -> list[ZhFinding]:
    """Every rule of the Chinese list that fires on ``text``, after the context checks."""
    text = _SPACE.sub("", text)
    if han_count(text) < 2 or _MEDIA.search(text):
        return []  # fiction, films, news, research and scripts are not the writer's own state
    # Idioms are cut out (replaced by a clause break, so no phrase joins across them).
    text = _IDIOMS.sub("，", text)
    recovered = any(not _THOUGHT.search(text, max(0, m.start() - 4), m.start()) for m in _RECOVERED.finditer(text))
    joke = bool(_JOKE.search(text))
    findings: list[ZhFinding] = []
    for rule, pattern, urgent in _compiled():
        best: ZhFinding | None = None
        for match in pattern.finditer(text):
            finding = _check(rule, match, text, urgent, recovered=recovered, joke=joke)
            if finding is not None and (best is None or (finding.level == "crisis" and best.level != "crisis")):
                best = finding
        if best is not None:
            findings.append(best)
    return findings


def _check(
    rule: ZhRule,
    match: re.Match[str],
    text: str,
    urgent: re.Pattern[str] | None,
    *,
    recovered: bool,
    joke: bool,
) -> ZhFinding | None:
    start = match.start()
    sentence_start = max((m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    before_sentence = text[sentence_start:start]
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    before_clause = text[clause_start:start]

    # A reflection or a question to someone else ("听起来你很绝望", "你说你觉得自己是负担").
    frames = list(_FRAME.finditer(before_sentence))
    if frames and _WRITER not in before_sentence[frames[-1].end() :]:
        return None
    if rule.category in _HOLDER_CATEGORIES and _held_by_other(before_clause):
        return None
    if rule.negatable and _NEGATION.search(before_clause):
        return None
    if joke and rule.category in _JOKE_CATEGORIES:
        return None

    level = rule.level
    if level == "concern" and urgent is not None and urgent.search(text):
        level = "crisis"
    # In the past: a past marker before the phrase in its sentence, with no "now" between them.
    pasts = list(_PAST.finditer(before_sentence))
    past = bool(pasts) and not _RECENT.search(before_sentence, pasts[-1].end())
    if past:
        if recovered:
            return None  # over, and the writer says so
        if not _RECENT.search(text, match.end()):  # "...这个月又开始想" keeps it current
            if level == "crisis":
                level = "concern"
            elif rule.category == "distress":
                return None
    return ZhFinding(rule=rule, level=level, words=match.group(0), past=past)


def _held_by_other(before_clause: str) -> bool:
    """The nearest subject before the phrase in its clause is someone else, not the writer."""
    last_other = max((m.start() for m in _OTHER.finditer(before_clause)), default=-1)
    return last_other > before_clause.rfind(_WRITER)


def patterns_for_fingerprint() -> list[object]:
    """Everything of the Chinese list that decides a result, for the screen's fingerprint."""
    rules = [[r.name, r.pattern, r.category, r.level, r.negatable, r.urgent] for r in RULES]
    context = [
        zh.IDIOMS,
        zh.MEDIA_FRAME,
        zh.OTHER_SUBJECT,
        zh.REFLECTIVE_FRAME,
        zh.NEGATION,
        zh.PAST,
        zh.RECOVERED,
        zh.RECENT,
        zh.JOKE,
        _THOUGHT.pattern,
        sorted(_HOLDER_CATEGORIES),
        sorted(_JOKE_CATEGORIES),
        _SENTENCE_BREAK.pattern,
        _CLAUSE_BREAK.pattern,
    ]
    return [rules, context]
