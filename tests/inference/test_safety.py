"""The safety screen: crisis phrases caught, idioms and negations left alone, bad input survived."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inference import safety
from inference.safety import MAX_CHARS, find, rules_fingerprint, screen_text, screen_texts
from inference.safety_eval import evaluate, load_labelled_csv
from inference.safety_rules import CATEGORIES, LEVELS, RULES
from inference.safety_triggers import rule_triggers

ARTEFACTS = Path(__file__).resolve().parents[2] / "inference" / "artefacts" / "safety"


def _level(text: str, emotion: dict | None = None) -> str:
    return screen_text(text, emotion)["level"]


@pytest.mark.parametrize(
    "text",
    [
        "This exam is killing me.",
        "I could kill for a coffee",
        "My feet are killing me after that shift.",
        "I'm dying to see the new film!",
        "You're killing it today.",
        "That cheesecake was to die for.",
        "She'll murder me if I'm late again.",
        "My mum would kill me if she knew I skipped class, haha.",
        "I'm so angry I could scream.",
        "My character dies in the book.",
        "The news about a suicide in our town was really sad.",
        "Suicide prevention week is next month.",
        "I'm killing myself laughing at this.",
        "I cut myself shaving this morning.",
        "I'm going to kill the boss in Elden Ring tonight.",
        "She beat me at chess again.",
        "My dad hit me up on text earlier.",
        "I'm going to strangle my printer.",
        "I nearly died of embarrassment.",
        "The batteries are dead.",
        "I don't want to wake up early tomorrow.",
        "I'm sad my team lost.",
        "Have you ever thought about killing yourself?",  # a counsellor's check-in question
        "It sounds like you want to die, and that must be so painful.",  # a learner reflecting
        "I can imagine you feel hopeless right now.",
        "How do I kill a Python process?",
    ],
)
def test_idioms_media_and_everyday_talk_are_not_flagged(text):
    assert _level(text) == "none", find(text)


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt myself.",
        "I'm not going to kill myself, don't worry.",
        "No, I don't want to die, I'm just venting about work.",
        "I’m not suicidal, just stressed.",  # curly apostrophe
        "I'd never kill myself, I love my kids too much.",
        "I would never, ever kill myself.",
        "I no longer want to die.",
        "I don't want to hurt anyone, I'm just annoyed.",
    ],
)
def test_negated_crisis_phrases_are_not_flagged(text):
    assert _level(text) == "none", find(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself.", "suicide"),
        ("i dont wanna live anymore", "suicide"),
        ("I don’t want to be alive", "suicide"),
        ("Everyone would be better off without me.", "suicide"),
        ("I've been stockpiling my antidepressants for weeks.", "suicide"),
        ("I KEEP THINKING ABOUT KILLING MYSELF", "suicide"),
        ("I can't stop thinking about killing myself", "suicide"),
        ("I tried to kill myself last night.", "suicide"),
        ("I don't know if I want to live anymore.", "suicide"),
        ("I'd never kill myself, but honestly I want to kill myself sometimes.", "suicide"),
        ("I cut myself again last night.", "self_harm"),
        ("I want to hurt myself really badly right now.", "self_harm"),
        ("I'm going to kill him.", "harm_to_others"),
        ("You should kill yourself.", "harm_to_others"),
        ("My husband hits me when he's angry.", "abuse"),
        ("My boyfriend threatened to kill me if I leave.", "abuse"),
    ],
)
def test_crisis_phrases_are_flagged_with_their_category(text, category):
    result = screen_text(text)
    assert result["level"] == "crisis", find(text)
    assert result["category"] == category
    assert result["reason"].endswith(".")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("How do I help a friend who self-harms?", "self_harm"),  # someone else at risk
        ("My friend told me she wants to kill herself.", "suicide"),
        ("I used to cut myself when I was a teenager.", "self_harm"),  # past, recovered
        ("I tried to kill myself years ago, but I'm doing much better now.", "suicide"),
        ("I feel hopeless.", "distress"),
        ("I can't cope anymore.", "distress"),
        ("I don't feel safe at home.", "abuse"),
        (
            "Ugh, I want to die, this meeting is so boring lol",
            "suicide",
        ),  # joke: lowered, not cleared
    ],
)
def test_third_party_past_and_joking_mentions_are_concern_not_crisis(text, category):
    result = screen_text(text)
    assert result["level"] == "concern", find(text)
    assert result["category"] == category


def test_a_recent_act_stays_crisis_even_with_past_tense():
    assert _level("I cut myself again last night.") == "crisis"
    assert _level("I used to cut myself when I was a teenager.") == "concern"
    assert _level("Years ago, I tried to kill myself.") == "concern"
    # The past belongs to another clause: the wish is present.
    assert _level("I used to be happy but I want to die.") == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t  ",
        None,
        12345,
        b"\x00\xff\xfeabc",
        "\x00\x01\x02\x03" * 50,
        "😊😊😊",
        "asdfghjkl",
        "Mi perro murió ayer y estoy muy triste por eso.",
        "我很难过",
        "i " * 20_000,
        "hello " * 100_000,
    ],
)
def test_bad_input_gives_a_well_formed_result(text):
    result = screen_text(text)
    assert set(result) == {"level", "reason", "category", "evidence"}
    assert result["level"] in LEVELS
    assert isinstance(result["reason"], str) and result["reason"]
    assert result["category"] is None or result["category"] in CATEGORIES


def test_long_text_is_capped_and_the_reason_says_so():
    padding = "Today was fine and I went for a walk. " * 400
    assert len(padding) > MAX_CHARS
    result = screen_text(padding + "I want to kill myself.")
    assert result["level"] == "none"  # past the cap: not seen, and the reason says so
    assert "first 10,000 characters" in result["reason"]
    early = screen_text("I want to kill myself. " + padding)
    assert early["level"] == "crisis"
    assert "first 10,000 characters" in early["reason"]


def test_text_in_a_language_the_screen_does_not_cover_is_not_silently_passed_as_screened():
    assert "English and Chinese only" in screen_text("Мне очень грустно, я не хочу жить")["reason"]
    assert screen_text("我很难过，不想活了")["level"] == "crisis"  # Chinese has its own list


SAD = {"probs": {"sadness": 0.86, "grief": 0.2, "neutral": 0.05}, "labels": ["sadness"]}
CALM = {"probs": {"neutral": 0.9, "sadness": 0.05}, "labels": ["neutral"]}


def test_strong_negative_emotion_lifts_a_weak_cue_to_concern():
    text = "I'm so tired of everything."
    assert _level(text) == "none"
    assert _level(text, CALM) == "none"
    lifted = screen_text(text, SAD)
    assert lifted["level"] == "concern"
    assert lifted["category"] == "distress"


def test_emotion_alone_never_flags_and_never_makes_a_crisis():
    assert _level("My dog died last year and I miss him.", SAD) == "none"  # grief, no cue
    assert _level("I'm so tired of everything.", {"probs": {"grief": 1.0, "fear": 1.0}}) == "concern"
    assert _level("I'm not going to kill myself.", SAD) == "concern"  # denial + sadness: check in


@pytest.mark.parametrize(
    "emotion",
    [
        None,
        {},
        {"probs": None},
        {"probs": {"sadness": "high"}},
        {"probs": {"sadness": float("nan")}},
        "x",
    ],
)
def test_odd_emotion_shapes_are_tolerated(emotion):
    assert _level("I'm so tired of everything.", emotion) == "none"


def test_screen_texts_keeps_order_and_pairs_emotions_by_position():
    texts = ["I'm so tired of everything.", "I want to kill myself.", "", "Lovely day!"]
    results = screen_texts(texts, [SAD])  # shorter list: the rest have no emotion
    assert [r["level"] for r in results] == ["concern", "crisis", "none", "none"]
    assert screen_texts([]) == []


def test_rules_are_well_formed_data():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.level in ("concern", "crisis", "cue"), rule.name
        assert rule.category in CATEGORIES, rule.name
        assert rule.explanation, rule.name
        re.compile(rule.pattern)


def test_safety_module_imports_neither_torch_nor_django():
    code = (
        "import sys, inference.safety, inference.safety_eval;"
        "print(sorted(m for m in ('torch', 'django', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


# The evaluate_safety command ---------------------------------------------------------------------


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "safety.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_evaluate_safety_prints_json_as_its_last_line(tmp_path, capsys):
    path = _write(
        tmp_path,
        "text,label\n"
        '"I want to kill myself.",crisis\n'
        '"My husband hits me.",crisis\n'
        '"This exam is killing me.",none\n'
        '"I feel hopeless.",concern\n'
        '"I\'m dying to see it, honestly",none\n'
        '"My friend wants to kill herself.",crisis\n',
    )
    call_command("evaluate_safety", "--data", str(path), "--json", "--rules-only")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["n"] == 6
    assert report["screen"] == "rules"
    assert report["concern_recall"] == 1.0
    assert report["crisis_recall"] == pytest.approx(2 / 3, abs=1e-3)  # the friend is concern
    assert report["crisis_precision"] == 1.0
    assert report["false_alarm_rate"] == 0.0
    assert report["confusion"]["crisis"] == {"none": 0, "concern": 1, "crisis": 2}
    assert report["per_level"]["concern"]["support"] == 1


def test_evaluate_safety_prints_a_table_without_json(tmp_path, capsys):
    path = _write(tmp_path, "text,label\nI want to die,crisis\nhello,none\n")
    call_command("evaluate_safety", "--data", str(path), "--rules-only")
    out = capsys.readouterr().out
    assert "crisis recall" in out and "concern recall" in out and "gold \\ predicted" in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("words,level\nhello,none\n", "line 1"),
        ("text,label\nhello,none\nI am sad,sadish\n", "line 3"),
        ("text,label\nhello,none,extra\n", "line 2"),
        ("text,label\n", "no labelled lines"),
    ],
)
def test_evaluate_safety_rejects_malformed_files_naming_the_line(tmp_path, body, message):
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_safety", "--data", str(_write(tmp_path, body)), "--rules-only")


def test_evaluate_safety_scores_the_served_screen_by_default(tmp_path, capsys, monkeypatch):
    # A stand-in for the models' front door: the wiring is under test here (the real screen is
    # scored in tests/inference/test_risk.py).
    fake = types.ModuleType("inference.analysis")
    fake.safety_screen = lambda texts: [{"level": "concern", "reason": "", "category": "distress"} for _ in texts]
    monkeypatch.setitem(sys.modules, "inference.analysis", fake)
    path = _write(tmp_path, 'text,label\n"I\'m so tired of everything.",concern\nhello,none\n')
    call_command("evaluate_safety", "--data", str(path), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["screen"] == "rules+models"
    assert report["concern_recall"] == 1.0
    assert report["false_alarm_rate"] == 1.0


def test_evaluate_safety_reports_a_missing_file_clearly(tmp_path):
    with pytest.raises(CommandError, match="cannot open"):
        call_command("evaluate_safety", "--data", str(tmp_path / "absent.csv"), "--rules-only")


# The shipped evaluation files ---------------------------------------------------------------------


def test_shipped_eval_file_meets_the_bar():
    """eval.csv was written alongside the rules, so this guards against regressions only."""
    rows = load_labelled_csv(ARTEFACTS / "eval.csv")
    assert len(rows) >= 200
    assert {row.label for row in rows} == set(LEVELS)
    report = evaluate(rows)
    assert report["crisis_recall"] >= 0.9
    assert report["false_alarm_rate"] <= 0.05


def test_heldout_file_keeps_its_honest_figures():
    """heldout.csv was written before the rules and never tuned on; the bar sits under its
    figures."""
    rows = load_labelled_csv(ARTEFACTS / "heldout.csv")
    assert len(rows) >= 60
    report = evaluate(rows)
    assert report["crisis_recall"] >= 0.85
    assert report["crisis_precision"] >= 0.9
    assert report["false_alarm_rate"] <= 0.05


# Learners reflecting a persona's feelings ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Oh Priya, that sounds really lonely. I'm sorry the weekends feel so empty right now.",
        "It sounds like you feel hopeless.",
        "You must feel so alone.",
        "I can hear how scared you are.",
        "That must be exhausting.",
        "She sounds overwhelmed.",
        "I'm so sorry you're going through this.",
        "It's understandable to feel like giving up sometimes — what's making it feel that way?",
        "It must feel like things will never get better when every weekend looks the same.",
        "I hear that you feel trapped, like there's no way out of this loneliness.",
        "He sounds like he can't cope with much more of this.",
        "It's understandable to feel like giving up on everything when it all piles up.",
        "It sounds like you feel there's no reason to live right now.",
        "Are you thinking about ending your life?",
        "Are you feeling hopeless about it?",
    ],
)
def test_reflections_validations_and_questions_to_the_persona_are_none(text):
    assert _level(text) == "none", find(text)
    # The learner's turn reads as sad to the emotion model; the sadness is the persona's.
    assert _level(text, SAD) == "none", find(text)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I feel so alone.", "concern"),
        ("I feel hopeless.", "concern"),
        ("I can't cope anymore.", "concern"),
        ("Honestly I feel so empty right now.", "concern"),
        ("I hear you, and I feel so empty too.", "concern"),  # the writer puts themself back in
        ("Sounds like nothing will ever get better for me.", "concern"),
        ("I know it sounds dramatic, but I can't go on.", "concern"),
        ("I want to die.", "crisis"),
        ("It sounds stupid but life isn't worth living anymore.", "crisis"),
    ],
)
def test_the_writers_own_distress_still_flags(text, level):
    assert _level(text) == level, find(text)


@pytest.mark.parametrize("text", ["You should just kill yourself.", "I'll hurt you.", "I'm going to kill him."])
def test_threats_and_urging_harm_stay_crisis_even_when_said_to_you(text):
    result = screen_text(text)
    assert result["level"] == "crisis", find(text)
    assert result["category"] == "harm_to_others"


def test_emotion_lifts_only_the_writers_own_cue():
    assert _level("I'm so tired of everything.", SAD) == "concern"
    assert _level("She sounds so tired of everything.", SAD) == "none"
    assert _level("Feeling so alone in a new city is really hard.", SAD) == "none"


def test_reflections_file_keeps_false_alarms_rare_and_crisis_recall():
    """reflections.csv: learners' reflections in the demo scenarios (hard negatives) plus the
    learner's own disclosures. Written before the subject rule; the fix was tuned on it."""
    rows = load_labelled_csv(ARTEFACTS / "reflections.csv")
    assert len(rows) >= 80
    report = evaluate(rows)
    assert report["false_alarm_rate"] <= 0.03
    assert report["crisis_recall"] >= 0.875
    assert report["flag_recall"] >= 0.85


# Fast path: literal triggers ---------------------------------------------------------------------

_EVERYDAY = [
    "Thanks so much, that really helped!",
    "I studied all night and my diet is going well.",
    "We went to the mall after work and watched a movie.",
    "My boss said the meeting is moved to Friday.",
    "The game last night was amazing, we won 3-1.",
    "",
    "   ",
    "ok",
    "Je suis très fatigué aujourd'hui, mais ça va.",
    "日本語のテキストです",
    "lol same",
    "\x00\x01\x02 binary \x03",
    'In the film the hero says "I want to die" and then "end it all".',
    'The song goes "i am so "alone" tonight" and I love it.',
    'She wrote "want" "to die" in the book, a scene I hated.',
    "I'm fine - really - just tired of it all.",
    "Honestly what's the point — nobody listens.",
    "I'M SO ALONE AND I WANT TO DIE",
    "i cant cope anymore; i give up",
    "kms lol",
    "My friend said she wants to kill herself.",
]


def _fast_path_corpus() -> list[str]:
    texts = list(_EVERYDAY)
    for name in ("eval.csv", "heldout.csv", "reflections.csv"):
        for row in load_labelled_csv(ARTEFACTS / name):
            text = row.text
            texts.append(text)
            # The same lines in media sentences with quotes, joined to others, shouted, in jest.
            texts.append(f'In the movie the character says "{text}" and it stuck with me.')
            texts.append(f"{text} lol")
            texts.append(text.upper())
            texts.append(text.replace(" ", '"').replace("'", "\u2019"))
    texts.append(" ".join(texts[-200:]))
    return texts


def test_rule_triggers_are_derived_for_every_rule():
    for rule in RULES:
        triggers = rule_triggers(rule.pattern)
        assert triggers and "" not in triggers, rule.name


def test_every_rule_match_contains_one_of_its_triggers():
    """The soundness the fast path rests on, checked on every sentence the corpus gives."""
    checks = [(rule.name, pattern, rule_triggers(rule.pattern)) for rule, pattern, _ in safety._compiled_rules()]
    matched = 0
    for text in _fast_path_corpus():
        normalised = safety.normalise(safety._prepare(text)[0])
        for sentence, _ in safety._sentences(normalised):
            for name, pattern, triggers in checks:
                for match in pattern.finditer(sentence.strip()):
                    matched += 1
                    assert any(t in match.group(0) for t in triggers), (name, sentence)
    assert matched > 300


@pytest.mark.parametrize("emotion", [None, SAD, {"probs": {"grief": 1.0, "fear": 1.0}}])
def test_fast_path_gives_exactly_the_full_paths_results(emotion):
    texts = _fast_path_corpus()
    assert len(texts) > 500
    skipped = 0
    for text in texts:
        assert screen_text(text, emotion) == safety._screen_full(text, emotion), text
        skipped += not safety._could_fire(safety.normalise(safety._prepare(text)[0]))
    assert skipped > 0  # the fast path is actually taken


def test_plain_text_takes_the_fast_path_and_risky_text_does_not():
    assert not safety._could_fire(safety.normalise("Thanks, that was a lovely walk in the park."))
    assert safety._could_fire(safety.normalise("I'm so tired of everything."))  # a cue: emotion
    assert safety._could_fire(safety.normalise('In the film she says "hi".'))  # quoted media


@pytest.mark.parametrize(
    ("pattern", "triggers"),
    [
        (
            r"\b(?P<key>(?:kill|killing|killed) my ?self)\b",
            {f"{v} my{s}self" for v in ("kill", "killing", "killed") for s in ("", " ")},
        ),
        (r"\bi\b(?:\s+[^\s.!?]+){0,5}?\s+\bwant to die\b", {"want to die"}),
        (r"\bno way out\b|\bno escape\b", {"no way out", "no escape"}),
        (r"[sz]ad(?!ness)", {"sad", "zad"}),
        (r"\bkys\b", {"kys"}),
        (r"(?:a|b)\w+(?:dead|gone)", {"dead", "gone"}),  # the rarer part is kept
        (r"kill+ myself", {" myself"}),
        (r"x{2}y?", {"x"}),  # a bounded repeat above one is only known to need its item
        (r"sad\.\-{1,2}", {"sad."}),
    ],
)
def test_triggers_are_what_every_match_must_contain(pattern, triggers):
    assert rule_triggers(pattern) == triggers


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i)kill myself",  # inline flags change what the literals are
        r"(?i:kill) myself",
        r"(kill) \1",  # back-reference
        r"(?P=name)",
        r"kill myself*+",  # possessive
        r"\w+",  # no literal at all
        r"kill|\w+",  # one branch needs nothing
        r"(?:kill myself",  # unbalanced
    ],
)
def test_patterns_the_trigger_parser_does_not_read_are_refused(pattern):
    with pytest.raises(ValueError):
        rule_triggers(pattern)


def test_the_rules_fingerprint_is_stable_and_follows_the_rules(monkeypatch):
    assert rules_fingerprint() == rules_fingerprint.__wrapped__()
    assert re.fullmatch(r"[0-9a-f]{12}", rules_fingerprint())
    first = RULES[0]
    monkeypatch.setattr(safety, "RULES", (dataclasses.replace(first, explanation="Said differently."), *RULES[1:]))
    assert rules_fingerprint.__wrapped__() == rules_fingerprint()  # wording decides nothing
    changed = dataclasses.replace(first, pattern=first.pattern + r"|\bkill me now\b")
    monkeypatch.setattr(safety, "RULES", (changed, *RULES[1:]))
    assert rules_fingerprint.__wrapped__() != rules_fingerprint()
    monkeypatch.setattr(safety, "RULES", RULES)
    monkeypatch.setattr(safety, "DISTRESS_SUM_THRESHOLD", 0.7)
    assert rules_fingerprint.__wrapped__() != rules_fingerprint()


# The rules and the learned classifier, combined ------------------------------------------------


def _risk(level="none", *, none=0.5, harmless=False, certain=False, words=()):
    rest = (1 - none) / 2
    return {
        "level": level,
        "probs": {"none": none, "concern": rest, "crisis": rest},
        "harmless": harmless,
        "certain": certain,
        "words": list(words),
    }


def test_the_classifier_brings_in_what_the_rules_miss_and_says_so():
    text = "sorted out who gets the cat. it's fine now, i'm calm"
    assert screen_text(text)["level"] == "none"
    result = screen_text(text, None, _risk("crisis", none=0.05, words=["cat", "calm"]))
    assert result["level"] == "crisis" and result["category"] == "suicide"
    assert result["evidence"][0] == {"by": "model", "words": "cat"}


def test_a_direct_crisis_phrase_stands_unless_the_classifier_is_near_certain():
    text = "I want to kill myself"
    assert screen_text(text, None, _risk("none", none=0.95, harmless=True))["level"] == "crisis"
    assert screen_text(text, None, _risk("none", none=0.999, harmless=True, certain=True))["level"] == "none"


def test_a_weak_rule_finding_goes_when_the_classifier_reads_the_text_as_harmless():
    text = "I feel hopeless about this exam"  # a concern by the rules
    assert screen_text(text)["level"] == "concern"
    assert screen_text(text, None, _risk("none", none=0.6))["level"] == "concern"
    set_aside = screen_text(text, None, _risk("none", none=0.95, harmless=True))
    assert set_aside["level"] == "none" and "everyday speech" in set_aside["reason"]
    # Harmless in probability but flagging in level (a low flag threshold): the flag stands.
    assert screen_text(text, None, _risk("concern", none=0.95, harmless=True))["level"] == "concern"


def test_both_agreeing_gives_both_as_evidence():
    result = screen_text("I want to kill myself", None, _risk("crisis", none=0.01, words=["kill"]))
    assert {e["by"] for e in result["evidence"]} == {"rules", "model"}
