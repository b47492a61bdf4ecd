"""Safety screen: none / concern / crisis for a learner's turn or a generated persona reply.

Plain Python on purpose (no torch, no Django): the worker's ``inference.analysis``, the
``evaluate_safety`` command (``inference.safety_eval``), the benchmark and the tests import it
cheaply, without loading a model. The learned risk classifier (``inference.risk``) runs in the
worker beside the emotion model; its reading of each text comes in as ``risks`` and is combined
here with the rules: the rules keep precision on the phrasings they know, the classifier brings
recall on the ones they do not (and may set aside a rule's finding it is sure is harmless, see
``_combine``); guards (``inference.safety_guards``) set aside its flags on text that is plainly an
idiom, a past that is over, a denial or someone else's worry. Chinese text goes through the written
list of ``inference.safety_zh`` (the classifier's encoder cannot read it), with the character n-gram
classifier of ``inference.safety_zh_model`` beside it (its reading comes in as ``risks`` too). The English rules are data in ``inference.safety_rules``; this
module only normalises text, runs the rules sentence by sentence, applies the context checks
(negation, past and recovered, jokes, films and news) and, when the emotion model's output is
given, lets strong negative emotion lift the writer's own weak distress cues to ``concern``.
Distress and risk phrases said of someone else (a learner reflecting a persona: "that sounds
really lonely", "you must feel so alone") are dropped; see ``_holder``. Emotion alone never
makes a crisis.

Public contract (other modules rely on it, keep it stable)::

    screen_texts(texts, emotions=None, risks=None) -> [SafetyResult, ...]
        # {"level", "reason", "category", "evidence"}
    screen_text(text, emotion=None, risk=None) -> SafetyResult
    rules_fingerprint() -> str  # the screen's version, recorded on every analysis

See ``inference/artefacts/safety/MODEL_CARD.md`` for what it catches, what it misses and the
evaluation figures.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from inference import safety_guards, safety_rules, safety_zh_model
from inference.safety_rules import RULES, Rule
from inference.safety_triggers import ENGLISH_FUNCTION_WORDS as _ENGLISH_FUNCTION_WORDS
from inference.safety_triggers import literal_alternation, rule_triggers
from inference.safety_zh import ZhFinding, find_zh, han_count, patterns_for_fingerprint
from inference.schema import RiskReading, SafetyCategory, SafetyEvidence, SafetyLevel, SafetyResult
from inference.versions import fingerprint

# A rule's level once the context checks have run; "cue" never flags on its own.
FindingLevel = Literal["none", "cue", "concern", "crisis"]

# Only this many characters are screened; the reason says so when text was cut.
MAX_CHARS = 10_000

# Emotion signals that count as strong negative affect, and how strong they must be.
DISTRESS_EMOTIONS: tuple[str, ...] = ("grief", "sadness", "fear", "nervousness", "remorse")
DISTRESS_SINGLE_THRESHOLD = 0.5  # any one of them at least this probable
DISTRESS_SUM_THRESHOLD = 0.8  # or together at least this much

_RANK = {"none": 0, "concern": 1, "crisis": 2}
_FINDING_RANK = {"none": 0, "cue": 1, "concern": 2, "crisis": 3}
# When several crisis rules fire, the reason names the most urgent category first.
_CATEGORY_PRIORITY: tuple[SafetyCategory, ...] = ("suicide", "self_harm", "abuse", "harm_to_others", "distress")

_CHECK_IN = "a gentle check-in may help."
_REASONS: dict[tuple[str, str], str] = {
    ("crisis", "suicide"): "The message suggests thoughts of suicide or of ending one's life.",
    ("crisis", "self_harm"): "The message describes hurting oneself on purpose.",
    ("crisis", "harm_to_others"): "The message expresses an intent to seriously harm someone.",
    ("crisis", "abuse"): "The message describes being hurt, abused or threatened by someone.",
    ("concern", "suicide"): f"The message touches on suicide or wanting to die; {_CHECK_IN}",
    ("concern", "self_harm"): f"The message touches on self-harm; {_CHECK_IN}",
    ("concern", "harm_to_others"): "The message shows strong anger at someone; worth a check-in.",
    ("concern", "abuse"): "The message suggests the writer may not feel safe with someone.",
    ("concern", "distress"): f"The message shows signs of serious distress; {_CHECK_IN}",
}
_REASON_FALLBACK = {
    "crisis": "The message may describe someone in danger.",
    "concern": f"The message may need attention; {_CHECK_IN}",
}
_REASON_NONE = "No safety concerns found."
_REASON_EMPTY = "There is no text to screen."
_REASON_THIRD_PARTY = "The message is about someone else who may be at risk; a gentle check-in may help."
_REASON_SET_ASIDE = "No safety concerns found (a phrase that can signal risk reads here as everyday speech)."
_REASON_GUARDED = "No safety concerns found (words that can signal risk read here as an idiom, a past that is over, a denial or someone else's worry)."
_REASON_EMOTION = "Strong sadness or fear comes with signs of distress; a gentle check-in may help."
_NOTE_PAST = " It is described as in the past."
_NOTE_JOKE = " It may be said in jest, but it is worth a gentle check."
_NOTE_TRUNCATED = f" Only the first {MAX_CHARS:,} characters were screened."
_NOTE_NOT_ENGLISH = " The screen covers English and Chinese only, and this text may be neither."
_NOTE_UNREADABLE = " Unreadable characters were ignored."


@dataclass(frozen=True)
class Finding:
    """One rule that fired on one sentence, after the context checks."""

    rule: Rule
    level: FindingLevel
    sentence: str
    negated: bool = False
    past: bool = False
    joke: bool = False
    first_person: bool = False  # the writer is the one who feels it (needed for emotion lift)
    words: str = ""  # what the rule matched, shown as evidence


# Compiled patterns --------------------------------------------------------------------------------


@cache
def _compiled_rules() -> tuple[tuple[Rule, re.Pattern[str], re.Pattern[str] | None], ...]:
    """The rules compiled on first use (~70 ms), so importing this module stays cheap."""
    return tuple((rule, re.compile(rule.pattern), re.compile(rule.unless) if rule.unless else None) for rule in RULES)


# Fast path: literal triggers ---------------------------------------------------------------------
# Every match of a rule contains one of its literal triggers (``inference.safety_triggers``), so a
# text with none of them cannot give any finding: ``find`` returns [] at once, exactly what the
# full path gives.


@cache
def _trigger_regex() -> re.Pattern[str]:
    """One search for every rule's triggers (built on first use with the rules)."""
    literals: set[str] = set()
    for rule in RULES:
        literals |= rule_triggers(rule.pattern)
    return re.compile(literal_alternation(literals))


def _could_fire(text: str) -> bool:
    """False only when no rule can match any sentence of the normalised ``text``."""
    if '"' in text and _MEDIA.search(text):
        # Quotes are blanked out of sentences about films and songs, which can join words that
        # were apart; such text always takes the full path.
        return True
    return _trigger_regex().search(text) is not None


_NEGATION = re.compile(safety_rules.NEGATION)
_NEGATION_BREAKERS = re.compile(safety_rules.NEGATION_BREAKERS)
_PAST = re.compile(safety_rules.PAST)
_RECENT = re.compile(safety_rules.RECENT)
_JOKE = re.compile(safety_rules.JOKE)
_MEDIA = re.compile(safety_rules.MEDIA)
_QUOTED = re.compile(r'"[^"]{0,500}"')
_CLAUSE_BREAK = re.compile(r",|:|\b(?:but|though|although|however|yet|except|because)\b")
# Where the tense can change: "years ago, I tried..." is one clause, "... but now I want..." two.
_TENSE_BREAK = re.compile(r"\b(?:but|though|although|however|yet|except|because|now|and now)\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_WORD = re.compile(r"[a-z']+")
_FOR_YOU = re.compile(r"\s*(?:for|to|in|with) (?:you|him|her|them)\b")
_FOR_ME = re.compile(r"\s*(?:for|to|in|with|about) me\b")
_FRAME = re.compile(safety_rules.REFLECTIVE_FRAME)
_FIRST_PERSON = re.compile(safety_rules.FIRST_PERSON)
_OTHER_SUBJECT = re.compile(safety_rules.OTHER_SUBJECT)
_SUBJECT_BREAK = re.compile(safety_rules.SUBJECT_BREAK)
_SENTENCE = re.compile(r"(.*?)([.!?;\n\r]+|\s-{1,2}\s|—|–|$)", re.DOTALL)
# Texts with at least this many Han characters go through the Chinese list (and not the classifier).
_HAN_MIN = 2
_HOLDER_WINDOW = 200  # characters before a phrase searched for its frame or subject
# Rules whose phrase can be said of the writer or reflected back to someone else. Threats and
# urging ("you should kill yourself", "I'll hurt you") are harm_to_others and always count.
_ATTRIBUTABLE_CATEGORIES = frozenset({"suicide", "self_harm", "abuse", "distress"})

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)
# Order matters: irregular forms before the general n't.
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bwon't\b", "will not"),
        (r"\bcan'?t\b|\bcan not\b", "cannot"),
        (r"\bshan't\b", "shall not"),
        (r"\bain'?t\b", "is not"),
        (r"n't\b", " not"),
        (
            r"\b(do|does|did|is|was|were|are|would|could|should|have|has|had|must|need)nt\b",
            r"\1 not",
        ),
        (r"\bwont\b", "will not"),
        (r"\bi'?m\b", "i am"),
        (r"\bive\b", "i have"),
        (r"\b(you|they)re\b", r"\1 are"),  # not "we": "were" is a word
        (r"\b(there|what|that|it|he|she|who|everything|nothing|life)'?s\b", r"\1 is"),
        (r"'re\b", " are"),
        (r"'ve\b", " have"),
        (r"'ll\b", " will"),
        (r"'d\b", " would"),
        (r"\bgonna\b", "going to"),
        (r"\bwanna\b", "want to"),
        (r"\bgotta\b", "got to"),
        (r"\btryna\b", "trying to"),
        (r"\bkms\b", "kill myself"),
        (r"\bunalive\b", "kill"),
        (r"\bsewerslide\b|\bsuicde\b|\bsucide\b", "suicide"),
        (r"\bmy self\b", "myself"),
        (r"\bu\b", "you"),
        (r"\bnever,? ever\b", "never"),
        (r"\bcant\b", "cannot"),
    )
)
_SPACES = re.compile(r"[ \t\f\v]+")


# Public API -------------------------------------------------------------------------------------


def screen_texts(
    texts: Sequence[object],
    emotions: Sequence[Mapping[str, object] | None] | None = None,
    risks: Sequence[RiskReading | None] | None = None,
) -> list[SafetyResult]:
    """Screen each text; ``emotions[i]`` (the emotion model's output for text i) and ``risks[i]``
    (the risk classifier's reading of it) are optional: without them, the rules alone decide.

    Returns one ``{"level", "reason", "category", "evidence"}`` per text, in order. Never raises
    for bad text: empty, huge, binary-looking or foreign input gives a well-formed result.
    """
    results = []
    for index, text in enumerate(texts):
        emotion = emotions[index] if emotions is not None and index < len(emotions) else None
        risk = risks[index] if risks is not None and index < len(risks) else None
        results.append(screen_text(text, emotion, risk))
    return results


def screen_text(
    text: object, emotion: Mapping[str, object] | None = None, risk: RiskReading | None = None
) -> SafetyResult:
    """Screen one text; see ``screen_texts``."""
    return _screen(text, emotion, risk, full=False)


def _screen_full(
    text: object, emotion: Mapping[str, object] | None = None, risk: RiskReading | None = None
) -> SafetyResult:
    """``screen_text`` without the literal-trigger fast path (tests check the two agree)."""
    return _screen(text, emotion, risk, full=True)


def _screen(
    text: object, emotion: Mapping[str, object] | None, risk: RiskReading | None, *, full: bool
) -> SafetyResult:
    prepared, truncated, odd = _prepare(text)
    if not prepared.strip():
        return _result("none", _REASON_EMPTY, None)

    normalised = normalise(prepared)
    if full:
        findings = _find_all(normalised)
    else:
        findings = find(normalised, already_normalised=True)
    chinese = han_count(prepared) >= _HAN_MIN
    set_aside = False
    if risk is not None and not chinese and findings:
        kept = _agreed(findings, normalised, risk["level"])
        set_aside = len(kept) < len(findings)
        findings = kept
    level, category, reason = _decide(findings, emotion)
    if set_aside and level == "none":
        reason = _REASON_SET_ASIDE
    evidence: list[SafetyEvidence] = []
    if level != "none":
        evidence = [SafetyEvidence(by="rules", words=f.words) for f in findings if f.level == level and f.words][:3]

    if chinese:
        zh_level, zh_category, zh_evidence = _decide_zh(find_zh(prepared))
        if _RANK[zh_level] > _RANK[level]:
            level, category, evidence = zh_level, zh_category, zh_evidence
            reason = _REASONS.get((level, category or "distress"), _REASON_FALLBACK.get(level, _REASON_NONE))
        if risk is not None and _RANK[risk["level"]] > _RANK[level]:
            # The Chinese n-gram classifier (``inference.safety_zh_model``) may raise the list's level,
            # never lower it: the list has no classifier beside it that can read its idioms better.
            level = risk["level"]
            if category is None or (level == "crisis" and category == "distress"):
                category = "suicide" if level == "crisis" else "distress"
            evidence = [SafetyEvidence(by="model", words=w) for w in risk.get("words", [])[:3]] + evidence
            reason = _REASONS.get((level, category), _REASON_FALLBACK[level])
    elif risk is not None:
        level, category, reason, evidence = _combine(level, category, reason, evidence, findings, risk, normalised)

    if level == "none" and not chinese and _looks_not_english(normalised):
        reason += _NOTE_NOT_ENGLISH
    if odd and level == "none":
        reason += _NOTE_UNREADABLE
    if truncated:
        reason += _NOTE_TRUNCATED
    return _result(level, reason, category, evidence)


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and quotes, spell out contractions, squeeze spaces."""
    text = text.translate(_APOSTROPHES).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text)


def find(text: str, *, already_normalised: bool = False) -> list[Finding]:
    """Every rule match in ``text`` with its level after the context checks (for tests, tools)."""
    if not already_normalised:
        text = normalise(_prepare(text)[0])
    if not _could_fire(text):
        return []  # no rule's literal trigger anywhere: no rule can match (see safety_triggers)
    return _find_all(text)


def _find_all(text: str) -> list[Finding]:
    """``find`` on normalised text, every rule tried on every sentence (no fast path)."""
    joke = bool(_JOKE.search(text))
    findings: list[Finding] = []
    for raw_sentence, question in _sentences(text):
        sentence = raw_sentence.strip()
        if not sentence:
            continue
        media = bool(_MEDIA.search(sentence))
        if media:
            # Quoted lines in a sentence about a film or song are not the writer's own words.
            sentence = _QUOTED.sub(" ", sentence)
        for rule, pattern, unless in _compiled_rules():
            if rule.third_party and media:
                continue
            if unless is not None and pattern.search(sentence) and unless.search(sentence):
                continue
            # Every match counts, not just the first: "I'd never X, but I want to X" must not
            # hide behind its own denial.
            best: Finding | None = None
            top_level = "concern" if rule.third_party and rule.level == "crisis" else rule.level
            for match in pattern.finditer(sentence):
                first_person = True
                if not rule.third_party and rule.category in _ATTRIBUTABLE_CATEGORIES:
                    holder = _holder(sentence, match, question)
                    if holder == "other":
                        continue  # a reflection, validation or question to someone else
                    first_person = holder == "writer"
                finding = replace(_contextualise(rule, match, sentence, joke, first_person), words=match.group(0))
                if best is None or _FINDING_RANK[finding.level] > _FINDING_RANK[best.level]:
                    best = finding
                if best.level == top_level:
                    break  # no later match can rank higher (keeps repetitive text cheap)
            if best is not None:
                findings.append(best)
    return findings


# Internals --------------------------------------------------------------------------------------


def _prepare(text: object) -> tuple[str, bool, bool]:
    """Coerce anything to str, cap its length, drop control characters."""
    if text is None:
        return "", False, False
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    truncated = len(text) > MAX_CHARS
    if truncated:
        text = text[:MAX_CHARS]
    cleaned, n_odd = _CONTROL.subn(" ", text)
    # Mostly unreadable characters: screen what little is readable, and say so.
    odd = n_odd > 0 and n_odd >= 0.1 * max(len(text), 1)
    return cleaned, truncated, odd


def _key_start(match: re.Match[str]) -> int:
    for name in ("key", "key2", "key3"):
        if name in match.re.groupindex and match.group(name) is not None:
            return match.start(name)
    return match.start()


def _is_negated(sentence: str, start: int) -> bool:
    """A negation word in the same clause, at most six words before the phrase."""
    before = sentence[:start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    words = clause.split()[-6:]
    window = " ".join(words)
    negations = list(_NEGATION.finditer(window))
    if not negations:
        return False
    after = window[negations[-1].end() :]
    return _NEGATION_BREAKERS.search(after) is None


def _clause(sentence: str, match: re.Match[str]) -> str:
    """The part of the sentence holding the match, between changes of tense."""
    start = 0
    for brk in _TENSE_BREAK.finditer(sentence, 0, match.start()):
        start = brk.end()
    following = _TENSE_BREAK.search(sentence, match.end())
    return sentence[start : following.start() if following else len(sentence)]


def _sentences(text: str) -> list[tuple[str, bool]]:
    """The sentences of ``text``, each with whether it ended in a question mark."""
    out = []
    for m in _SENTENCE.finditer(text):
        if m.group(1).strip():
            out.append((m.group(1), "?" in m.group(2)))
        if m.end() >= len(text):
            break
    return out


def _holder(sentence: str, match: re.Match[str], question: bool) -> str:
    """Whose feeling the phrase states: "writer", "other" or "unknown" (no subject named).

    A learner reflecting a persona ("that sounds really lonely", "I'm sorry the weekends feel so
    empty", "it must feel like nothing will get better", "you must feel so alone", "she sounds
    like she can't cope") or asking them ("are you feeling hopeless?") is not in distress. The
    writer named in the phrase or after the frame ("I hear you, and I feel so empty too", "sounds
    like nothing will get better for me") keeps it the writer's. "unknown" (no subject at all:
    "what's the point") still flags as before but cannot be lifted by emotion alone.
    """
    key = _key_start(match)
    own = sentence[match.start() : match.end()]
    if _FIRST_PERSON.search(own) or _FOR_ME.match(sentence, match.end()):
        return "writer"
    # Only the nearby part of the sentence (keeps long, repetitive text cheap).
    window_start = max(0, key - _HOLDER_WINDOW)
    before = sentence[window_start:key]
    # 1. A reflective frame earlier in the sentence, with no "I" between it and the phrase.
    frames = list(_FRAME.finditer(before))
    if frames:
        between = before[frames[-1].end() :]
        if not _FIRST_PERSON.search(between) and not re.search(r"\b(?:but|though|although|however|yet)\b", between):
            return "other"
    # 2. The nearest subject before the phrase, in its own clause.
    if _FOR_YOU.match(sentence, match.end()):
        return "other"
    clause = _SUBJECT_BREAK.split(before)[-1]
    for word in reversed(clause.split()[-6:]):
        if _FIRST_PERSON.fullmatch(word):
            return "writer"
        if _OTHER_SUBJECT.fullmatch(word):
            return "other"
    # 3. A question to someone else that does not mention the writer.
    if question and _OTHER_SUBJECT.search(sentence) and not _FIRST_PERSON.search(sentence):
        return "other"
    return "writer" if _FIRST_PERSON.search(sentence) else "unknown"


def _contextualise(rule: Rule, match: re.Match[str], sentence: str, joke: bool, first_person: bool = True) -> Finding:
    level: FindingLevel = rule.level
    if rule.negatable and _is_negated(sentence, _key_start(match)):
        # A denied crisis phrase is still a weak cue: with strong negative emotion, or with
        # another weak cue in the same message, it becomes a concern.
        return Finding(
            rule,
            "cue" if level == "crisis" else "none",
            sentence,
            negated=True,
            first_person=first_person,
        )
    if rule.third_party and level == "crisis":
        level = "concern"
    # The past marker must sit in the phrase's own clause ("I used to be happy but I want to
    # die" is present); any recent marker in the sentence keeps it current.
    past = level in ("crisis", "concern") and bool(_PAST.search(_clause(sentence, match)))
    past = past and not _RECENT.search(sentence)
    if past:
        if level == "crisis":
            level = "concern"
        elif rule.category == "distress":
            level = "none"
    if joke and level in ("crisis", "concern"):
        if level == "crisis":
            level = "concern"
        elif rule.category in ("distress", "harm_to_others"):
            level = "none"
    return Finding(
        rule,
        level,
        sentence,
        past=past,
        joke=joke and rule.level != "cue",
        first_person=first_person,
    )


def _distress_emotion(emotion: Mapping[str, object] | None) -> bool:
    """Strong negative emotion in the emotion model's output (tolerant of odd shapes)."""
    if not isinstance(emotion, Mapping):
        return False
    probs = emotion.get("probs")
    if not isinstance(probs, Mapping):
        return False
    values = []
    for label in DISTRESS_EMOTIONS:
        try:
            value = float(probs.get(label, 0.0))
        except (TypeError, ValueError):
            continue
        if not math.isnan(value):
            values.append(min(max(value, 0.0), 1.0))
    if not values:
        return False
    return max(values) >= DISTRESS_SINGLE_THRESHOLD or sum(values) >= DISTRESS_SUM_THRESHOLD


def _decide(
    findings: list[Finding], emotion: Mapping[str, object] | None
) -> tuple[SafetyLevel, SafetyCategory | None, str]:
    flagged = [f for f in findings if f.level in ("concern", "crisis")]
    if flagged:
        top = max(_RANK[f.level] for f in flagged)
        level: SafetyLevel = "crisis" if top == 2 else "concern"
        at_top = [f for f in flagged if f.level == level]
        winner = min(at_top, key=lambda f: _CATEGORY_PRIORITY.index(f.rule.category))
        category = winner.rule.category
        reason = _REASONS.get((level, category), _REASON_FALLBACK[level])
        if winner.rule.third_party:
            reason = _REASON_THIRD_PARTY
        if winner.past:
            reason += _NOTE_PAST
        elif winner.joke:
            reason += _NOTE_JOKE
        return level, category, reason

    cues = [f for f in findings if f.level == "cue"]
    if cues:
        negated_crisis = any(f.negated for f in cues)
        plain_cues = [f for f in cues if not f.negated]
        if negated_crisis and plain_cues:
            return "concern", "distress", _REASONS[("concern", "distress")]
        # Emotion lifts only the writer's own cue: a learner's "that sounds so lonely" reads as
        # sad to the emotion model, but the sadness is the persona's.
        if any(f.first_person for f in cues) and _distress_emotion(emotion):
            return "concern", "distress", _REASON_EMOTION
    return "none", None, _REASON_NONE


# Guards that set aside the rules' own findings too, whatever the classifier reads (a denial does not:
# "i'm not suicidal, i just can't get out of bed" is a concern the rules find).
_GUARDS_OVER_RULES = frozenset({"idiom", "past_recovered", "third_person"})


def _agreed(findings: list[Finding], normalised: str, model_level: SafetyLevel) -> list[Finding]:
    """The rule findings that stand beside the learned classifier's reading of an English text.

    - In a text a guard reads as plainly an idiom, a past the writer says is over, or someone else's
      risk with the writer only worrying or helping (``inference.safety_guards``), a finding of an
      ambiguous rule (``Rule.needs_model``: everyday senses, someone else's risk) or one the rules
      read as past does not stand, whatever the classifier reads.
    - Where the classifier reads the text as none, such findings need its agreement, and do not
      stand either.
    The phrasings the rules know as risk in the first person and the present stand whatever the
    classifier reads and whatever a guard says.
    """
    if model_level != "none" and safety_guards.guard(normalised) not in _GUARDS_OVER_RULES:
        return findings
    return [f for f in findings if not (f.rule.needs_model or f.past)]


def rules_beside_model(text: object) -> tuple[SafetyLevel, SafetyLevel, bool]:
    """The English rules' level for ``text`` as served beside the classifier (``_agreed``): when the
    classifier flags the text, when it reads it as none, and whether the latter is weak (``_weak``).
    What the risk trainer tunes the classifier's thresholds against (without emotion)."""
    prepared, _, _ = _prepare(text)
    if not prepared.strip():
        return "none", "none", False
    normalised = normalise(prepared)
    findings = find(normalised, already_normalised=True)
    if han_count(prepared) >= _HAN_MIN or not findings:
        level = _decide(findings, None)[0]
        return level, level, _weak(level, findings)
    flagged = _agreed(findings, normalised, "concern")
    unflagged = _agreed(findings, normalised, "none")
    level_none = _decide(unflagged, None)[0]
    return _decide(flagged, None)[0], level_none, _weak(level_none, unflagged)


def _looks_not_english(normalised: str) -> bool:
    letters = [c for c in normalised if c.isalpha()]
    if len(letters) >= 3 and sum(c.isascii() for c in letters) < 0.5 * len(letters):
        return True  # mostly non-Latin script
    words = _WORD.findall(normalised)
    if len(words) < 4:
        return False
    return not any(word in _ENGLISH_FUNCTION_WORDS for word in words)


def _result(
    level: SafetyLevel, reason: str, category: SafetyCategory | None, evidence: list[SafetyEvidence] | None = None
) -> SafetyResult:
    return {"level": level, "reason": reason, "category": category, "evidence": evidence or []}


def _decide_zh(findings: list[ZhFinding]) -> tuple[SafetyLevel, SafetyCategory | None, list[SafetyEvidence]]:
    """The Chinese list's verdict: the highest level any rule reached, its most urgent category."""
    if not findings:
        return "none", None, []
    level: SafetyLevel = "crisis" if any(f.level == "crisis" for f in findings) else "concern"
    top = [f for f in findings if f.level == level]
    winner = min(top, key=lambda f: _CATEGORY_PRIORITY.index(f.rule.category))
    return level, winner.rule.category, [SafetyEvidence(by="rules", words=f.words) for f in top][:3]


def _combine(
    level: SafetyLevel,
    category: SafetyCategory | None,
    reason: str,
    evidence: list[SafetyEvidence],
    findings: list[Finding],
    risk: RiskReading,
    normalised: str = "",
) -> tuple[SafetyLevel, SafetyCategory | None, str, list[SafetyEvidence]]:
    """The rules' verdict and the classifier's, as one (``combined_level`` decides the level)."""
    model_level = risk["level"]
    if _RANK[model_level] > _RANK[level] and safety_guards.guard(normalised) is not None:
        # The classifier would raise the level of a text that is plainly an idiom, a past the writer
        # says is over, a denial or someone else's risk (``inference.safety_guards``): its flag is set
        # aside and the rules' verdict stands.
        return level, category, (_REASON_GUARDED if level == "none" else reason), evidence
    # Near certain the text is harmless, the classifier may set aside any rule finding (recovery
    # stories told in the past tense the rules do not parse, idioms they do not know).
    weak = _weak(level, findings) or bool(risk.get("certain"))
    final = combined_level(level, weak, model_level, bool(risk.get("harmless")))
    if final == "none":
        return "none", None, (_REASON_SET_ASIDE if level != "none" else reason), []
    model_words = [SafetyEvidence(by="model", words=w) for w in risk.get("words", [])[:3]]
    if _RANK[final] > _RANK[level]:
        model_category: SafetyCategory = category if category is not None else "distress"
        if final == "crisis" and category in (None, "distress"):
            model_category = "suicide"
        text = _REASONS.get((final, model_category), _REASON_FALLBACK[final])
        return final, model_category, text, model_words + evidence
    if model_level == level:
        evidence = evidence + model_words
    return level, category, reason, evidence


def combined_level(rule_level: SafetyLevel, rule_weak: bool, model_level: SafetyLevel, harmless: bool) -> SafetyLevel:
    """The screen's level from the rules' and the classifier's.

    The higher wins, so the classifier adds what the rules miss (indirect phrasings, plans,
    farewells, burden). A rule's finding stands against the classifier except where the classifier
    is sure the text is harmless (P(none) over the artefact's threshold, tuned on the dev split) and
    the finding is weak (``_weak``): the kinds of text (idioms, recovery stories, worry about a
    friend) where the rules' false alarms are.
    """
    if rule_level != "none" and rule_weak and harmless and model_level == "none":
        return "none"
    return rule_level if _RANK[rule_level] >= _RANK[model_level] else model_level


def _weak(level: SafetyLevel, findings: list[Finding]) -> bool:
    """A rules verdict the classifier may set aside: a concern, or a crisis phrase the rules
    themselves marked as in jest, in the past or not the writer's own."""
    if level == "concern":
        return True
    crisis = [f for f in findings if f.level == "crisis"]
    return bool(crisis) and all(f.past or f.joke or not f.first_person for f in crisis)


def rules_verdict(text: object) -> tuple[SafetyLevel, bool]:
    """The English rules' level for ``text`` and whether it is weak (``_weak``), without emotion
    or classifier: what the risk trainer tunes the classifier's thresholds against."""
    prepared, _, _ = _prepare(text)
    if not prepared.strip():
        return "none", False
    findings = find(normalise(prepared), already_normalised=True)
    level, _, _ = _decide(findings, None)
    return level, _weak(level, findings)


def _zh_classifier_version() -> str | None:
    model = safety_zh_model.classifier()
    return model.version if model is not None else None


def guarded(text: object) -> bool:
    """Whether a guard (``inference.safety_guards``) would set aside a flag by which the classifier
    raises the rules' level on ``text``: what the risk trainer tunes the thresholds with, as served."""
    prepared, _, _ = _prepare(text)
    if not prepared.strip() or han_count(prepared) >= _HAN_MIN:
        return False
    return safety_guards.guard(normalise(prepared)) is not None


# The screen's version ---------------------------------------------------------------------------


@cache
def rules_fingerprint() -> str:
    """The screen's version, recorded on every analysis as ``models.safety``: a fingerprint
    (``inference.versions.fingerprint``) of everything that decides its results.

    One JSON line per rule (all its fields but the explanation, whose wording decides nothing),
    then the context patterns of ``inference.safety_rules``, this module's own patterns and
    contractions, its thresholds and limits, and the reasons it gives.
    """
    patterns = {
        name: [pattern.pattern, pattern.flags]
        for name, pattern in (
            ("negation", _NEGATION),
            ("negation_breakers", _NEGATION_BREAKERS),
            ("past", _PAST),
            ("recent", _RECENT),
            ("joke", _JOKE),
            ("media", _MEDIA),
            ("quoted", _QUOTED),
            ("clause_break", _CLAUSE_BREAK),
            ("tense_break", _TENSE_BREAK),
            ("control", _CONTROL),
            ("word", _WORD),
            ("for_you", _FOR_YOU),
            ("for_me", _FOR_ME),
            ("frame", _FRAME),
            ("first_person", _FIRST_PERSON),
            ("other_subject", _OTHER_SUBJECT),
            ("subject_break", _SUBJECT_BREAK),
            ("sentence", _SENTENCE),
            ("spaces", _SPACES),
        )
    }
    settings = {
        "max_chars": MAX_CHARS,
        "distress_emotions": DISTRESS_EMOTIONS,
        "distress_single_threshold": DISTRESS_SINGLE_THRESHOLD,
        "distress_sum_threshold": DISTRESS_SUM_THRESHOLD,
        "holder_window": _HOLDER_WINDOW,
        "category_priority": _CATEGORY_PRIORITY,
        "attributable_categories": sorted(_ATTRIBUTABLE_CATEGORIES),
        "english_function_words": sorted(_ENGLISH_FUNCTION_WORDS),
        "apostrophes": sorted(_APOSTROPHES.items()),
        "contractions": [[pattern.pattern, replacement] for pattern, replacement in _CONTRACTIONS],
    }
    reasons = {
        "reasons": sorted([*key, text] for key, text in _REASONS.items()),
        "fallback": _REASON_FALLBACK,
        "texts": [
            _REASON_NONE,
            _REASON_EMPTY,
            _REASON_THIRD_PARTY,
            _REASON_EMOTION,
            _REASON_SET_ASIDE,
            _REASON_GUARDED,
            _NOTE_PAST,
            _NOTE_JOKE,
            _NOTE_TRUNCATED,
            _NOTE_NOT_ENGLISH,
            _NOTE_UNREADABLE,
        ],
    }
    rules = [
        [rule.name, rule.pattern, rule.category, rule.level, rule.unless, rule.negatable, rule.third_party]
        + ([True] if rule.needs_model else [])
        for rule in RULES
    ]
    return fingerprint(
        [
            *(json.dumps(rule, ensure_ascii=False) for rule in rules),
            json.dumps(patterns, ensure_ascii=False, sort_keys=True),
            json.dumps(settings, ensure_ascii=False, sort_keys=True),
            json.dumps(reasons, ensure_ascii=False, sort_keys=True),
            json.dumps(patterns_for_fingerprint(), ensure_ascii=False),
            json.dumps(safety_guards.patterns_for_fingerprint(), ensure_ascii=False),
            json.dumps({"zh_classifier": _zh_classifier_version()}),
            json.dumps({"han_min": _HAN_MIN}),
        ]
    )
