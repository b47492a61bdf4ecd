"""The safety screen as served, the learned risk classifier beside the rules, on the committed artefact:
each kind of miss the rules alone make, the hard negatives, what the reading says and the held-out figures.

Lines in the tests' own words (none copied from the data files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("committed_models")

DATA = Path(__file__).resolve().parents[2] / "inference" / "data" / "safety"
CARD = Path(__file__).resolve().parents[2] / "inference" / "artefacts" / "risk" / "config.json"


def screen(*texts: str) -> list[dict]:
    from inference.analysis import safety_screen

    return safety_screen(list(texts))


# What the written rules alone miss: indirect ideation, plans and timing, means, farewells and
# notes, perceived burden, giving things away. The classifier must bring each one in.
INDIRECT_CRISIS = [
    "everyone would honestly be better off if i wasn't around to mess things up",
    "i've been looking up how high the car park roof is. tonight feels like the night",
    "sorted out who gets my cat and finished the letter to my mum. it's ok now, i'm calm",
    "been saving up my sleeping tablets for weeks, there's enough now",
    "this is my last message here. thank you all for putting up with me",
    "i won't be a weight on anyone much longer, i've made up my mind",
]


@pytest.mark.parametrize("text", INDIRECT_CRISIS)
def test_crisis_said_indirectly_is_flagged(text):
    from inference.safety import screen_text

    result = screen(text)[0]
    assert result["level"] in {"concern", "crisis"}, (result, screen_text(text))


def test_most_indirect_crisis_lines_are_read_as_crisis_and_the_model_says_why():
    results = screen(*INDIRECT_CRISIS)
    crisis = [r for r in results if r["level"] == "crisis"]
    assert len(crisis) >= len(INDIRECT_CRISIS) - 1, results
    for result in crisis:
        assert result["evidence"], result
    assert any(e["by"] == "model" for r in crisis for e in r["evidence"])


HARD_NEGATIVES = [
    "this commute is killing me, three delays in one week",  # idiom
    "lol i'm dead, my dad just discovered memes",
    "the bit in the film where she writes the goodbye letter destroyed me",  # fiction
    "the news said a teenager took his own life after being bullied online, so sad",  # news
    "years ago i tried to end it. therapy and time got me here, i'm doing well now",  # past and over
    "my flatmate said she wants to die and i don't know how to help her",  # someone else
    "it sounds like you feel you'd be better off gone, and i'm really glad you told me",  # a reflection
    "thanks for the session today, that was really useful",  # everyday
    "finally handed in my dissertation, going to sleep for a week",
    "tried the open question thing on my brother and he actually talked to me",
]


def _flagged(texts):
    return [(t, r["level"]) for t, r in zip(texts, screen(*texts), strict=True) if r["level"] != "none"]


def test_the_hard_negatives_are_mostly_left_alone():
    # Today's screen flags 1 of these 10 ("tried the open question thing", crisis by the classifier
    # alone); 2 before the rules' third-party findings needed the classifier's agreement (2026-12-07,
    # evening: the worried flatmate too), 3 before batches 3 and 4 and the guards (the recovery story).
    # A regression guard at today's figure; the strict xfail below is the bar.
    flagged = _flagged(HARD_NEGATIVES)
    assert len(flagged) <= 1, flagged
    for must_pass in (HARD_NEGATIVES[0], HARD_NEGATIVES[2], HARD_NEGATIVES[6], HARD_NEGATIVES[7]):
        assert must_pass not in dict(flagged), must_pass  # idiom, film, a reflection, everyday thanks


@pytest.mark.xfail(strict=True, reason="issue #10: an everyday line about practice still flags (the classifier alone)")
def test_no_hard_negative_is_flagged():
    assert _flagged(HARD_NEGATIVES) == []


# The kinds of false alarm issue #10 names (idioms, a denial, the past and over), in new words written
# after the batch-2 retrain as a probe, with look-alike crisis lines beside them.
IDIOMS_AND_DENIALS = [
    "my new boots are killing me, can't wait to take them off",
    "dying to hear how your interview went!",
    "i'd kill for a hot shower after that hike",
    "dead tired after the school run and two meetings",
    "i could die of embarrassment, my mic was on the whole time",
    "shoot me now, the spreadsheet crashed again",
    "could murder a curry tonight",
    "after that meeting i want to disappear under the duvet till monday",
    "i'm not suicidal, just really tired from work this week",
    "in my twenties i self harmed for a while; i've been fine for ten years now",
]
LOOK_ALIKE_CRISIS = [
    "this job is killing me and honestly i'd be glad if it did, i've been reading about how",
    "i'm not suicidal, i just don't want to exist anymore",
    "i want to disappear under the duvet and never come out, i've been counting my tablets",
]


def test_no_idiom_or_denial_is_flagged_and_their_look_alikes_are_crises():
    # None of the 10 flagged since the rules read "in my twenties" as a past and a past finding needs the
    # classifier's agreement (2026-12-07, later); 1 before (the past self-harm, the rules' own crisis),
    # 4 before batches 3 and 4 and the guards (the boots, the duvet, the denial too).
    assert _flagged(IDIOMS_AND_DENIALS) == []
    assert [r["level"] for r in screen(*LOOK_ALIKE_CRISIS)] == ["crisis"] * len(LOOK_ALIKE_CRISIS)


def test_short_plain_lines_the_browser_saw_flagged_are_left_alone():
    # "typed before connecting" (a learner's line) and a persona's "I waited all morning." were read as
    # crisis by the classifier alone; the plain guard sets such flags aside (issue #10, 2026-12-07).
    assert _flagged(["typed before connecting", "I waited all morning."]) == []
    # A short line with a word that can carry a crisis is not plain: the classifier's reading stands.
    assert screen("i'm done. goodbye everyone")[0]["level"] != "none"


def test_direct_crisis_stays_a_crisis_whatever_the_classifier_reads():
    for result in screen("I want to kill myself tonight", "i have the pills in my hand right now"):
        assert result["level"] == "crisis", result


def test_chinese_is_screened_by_its_written_list_and_its_ngram_classifier_not_the_encoder():
    result = screen("我已经决定了，不用劝我。药都准备好了")[0]
    assert result["level"] == "crisis"
    assert {e["by"] for e in result["evidence"]} == {"rules"}  # the list found it: the classifier adds nothing
    # A crisis said in words the list does not have comes in through the Chinese n-gram classifier.
    result = screen("活着好没意思，想早点离开")[0]
    assert result["level"] == "crisis"
    assert result["evidence"] and {e["by"] for e in result["evidence"]} == {"model"}
    assert all("\u4e00" <= c <= "\u9fff" for e in result["evidence"] for c in e["words"])  # character pairs


def test_the_classifier_reading_has_its_shape():
    from inference import registry

    reading = registry.risk_classifier().read(["I can't see a way out of this any more", ""])
    first, empty = reading
    assert set(first) == {"level", "probs", "harmless", "certain", "words"}
    assert abs(sum(first["probs"].values()) - 1) < 1e-3
    assert all(w in "I can't see a way out of this any more" for w in first["words"])
    assert empty["level"] == "none" and empty["words"] == []


def test_the_artefact_thresholds_came_from_the_dev_split_not_the_test_split():
    config = json.loads(CARD.read_text())
    assert set(config["thresholds"]) == {"crisis", "flag", "harmless", "certain"}
    assert config["evaluation"]["split"].startswith("dev")
    assert "test" not in json.dumps(config["training"]["data"])


@pytest.mark.slow
def test_the_held_out_test_split_keeps_the_figures_in_the_card(capsys):
    """A regression guard on the team's held-out test split (never tuned on): the served screen
    must not fall below what the model card reports."""
    from django.core.management import call_command

    call_command("evaluate_safety", "--data", str(DATA / "test.csv"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    reported = json.loads((DATA / "test_figures.json").read_text())
    assert report["screen"] == "rules+models"
    assert report["crisis_recall"] >= reported["crisis_recall"] - 1e-9
    assert report["concern_recall"] >= reported["concern_recall"] - 1e-9
    assert report["false_alarm_rate"] <= reported["false_alarm_rate"] + 1e-9
