"""The judgement a learner meets, through the real models, on the turns a new learner tried on the
demo scenarios (the walkthrough of the "feedback a coach would sign" issue) and on the corpus dev
split: what a coach would say of each, not a figure on the training distribution."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from courses.practice import render, signals
from courses.practice.guidance import guidance_compose
from courses.practice.pipeline import rewrites_check
from courses.selectors.practice_worker import TurnToAnalyse

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[2] / "inference" / "data" / "coaching" / "roleplay.csv"

PRIYA = (
    "Hey. I don't really know why I'm writing this. I moved here four months ago for work and... it's "
    "Saturday again and I haven't spoken to anyone since Thursday. Everyone at work already has their own lives."
)
MARCUS = (
    "I'm going to try to stay polite. I ordered a bike for my son's tenth birthday three weeks ago. The "
    "delivery was 'missed' on Tuesday — I was home all day. I took today off work for the second attempt and "
    "nobody came. His birthday is tomorrow. What exactly are you going to do about it?"
)
JORDAN = (
    "Hi. I was going to email, but... I got 38 on the midterm. I studied for that. I think maybe I'm just not "
    "a numbers person, and I should switch out before I waste more of everyone's time."
)
COLLEAGUE = (
    "Sorry I've been so behind this month. I keep losing track of things and I'm snapping at people, "
    "which isn't like me."
)


@pytest.fixture(scope="module")
def models():
    from inference import analysis, registry

    registry.configure(registry.InferenceConfig(device="cpu", threads=2))
    return analysis


def coach(models, text: str, persona_text: str, persona: str, feelings: dict[str, float]):
    """Analysis and rendered guidance for one turn, as the worker makes them (rewrite checked)."""
    [analysis] = models.analyse_turns([models.TurnInput(text=text, context=persona_text)])
    guidance = guidance_compose(text=text, analysis=analysis, persona_name=persona, persona_emotions=feelings)
    turn = TurnToAnalyse(
        id=1,
        session_id=None,  # type: ignore[arg-type]
        scenario_id=1,
        index=1,
        text=text,
        context=persona_text,
        persona_name=persona,
        persona_emotions=feelings,
    )
    rewrites_check([turn], [analysis], [guidance], score=models.judge_replies)
    return analysis, guidance, render.guidance_render(guidance)


def test_a_dismissive_reply_is_named_not_praised(models):
    text = "Just get over it, everyone feels lonely when they move. It's not a big deal."
    analysis, _, shown = coach(models, text, PRIYA, "Priya", {"sadness": 0.7})
    assert signals.levels(analysis) == {"er": 0, "ip": 0, "ex": 0}
    assert signals.main_blocker(analysis) == "dismissive"
    assert shown["worked"] is None
    assert shown["blocker"] is not None and shown["blocker"]["name"] == "dismissive"
    assert shown["rewrite"] is None or "not a big deal" not in shown["rewrite"]


def test_a_factual_question_is_not_exploration(models):
    analysis, _, shown = coach(models, "Where did you move from?", PRIYA, "Priya", {"sadness": 0.7})
    assert signals.levels(analysis)["ex"] == 0
    assert signals.main_blocker(analysis) == "closed_question"
    assert shown["worked"] is None


def test_policy_speak_is_no_feeling_and_no_excitement(models):
    text = "Our courier is very busy this time of year. Please wait."
    analysis, _, shown = coach(models, text, MARCUS, "Marcus", {"anger": 0.7})
    assert signals.levels(analysis)["er"] == 0
    assert "excitement" not in analysis["emotion"]["shown"]
    assert signals.main_blocker(analysis) in {"deflection", "dismissive"}
    assert shown["worked"] is None


def test_an_interpretation_without_feeling_words_is_credited(models):
    text = "It makes sense you'd doubt yourself after working that hard and still getting a 38."
    analysis, _, shown = coach(models, text, JORDAN, "Jordan", {"disappointment": 0.6})
    assert signals.levels(analysis)["ip"] >= 1
    assert signals.main_blocker(analysis) is None
    assert shown["worked"] is not None


def test_a_tentative_interpretation_is_credited(models):
    text = "It sounds like something outside work has been pulling at you lately."
    analysis, _, _ = coach(models, text, COLLEAGUE, "Sam", {"nervousness": 0.5})
    assert signals.levels(analysis)["ip"] >= 1


def test_the_rewrite_kept_scores_higher_than_the_learners_reply_and_has_no_blocker(models):
    text = "ok. have you tried joining a club?"
    analysis, _, shown = coach(models, text, PRIYA, "Priya", {"sadness": 0.7})
    assert shown["rewrite"] is not None
    [rewritten] = models.analyse_turns([models.TurnInput(text=shown["rewrite"], context=PRIYA)])
    assert sum(signals.levels(rewritten).values()) > sum(signals.levels(analysis).values())
    assert signals.main_blocker(rewritten) is None


def test_joining_their_anger_is_warmth_not_self_focus(models):
    # A later walkthrough: "I'd be livid too." was named self_focus and the warmth goal stayed "Not yet".
    analysis, _, shown = coach(models, "I'd be livid too.", MARCUS, "Marcus", {"anger": 0.7})
    assert signals.levels(analysis)["er"] >= 1
    assert signals.main_blocker(analysis) is None
    assert shown["blocker"] is None


def test_these_things_happen_is_named_not_praised(models):
    # The same walkthrough: praised with no blocker, and the rewrite kept it.
    text = "I understand your frustration, but these things happen in a busy clinic."
    analysis, _, shown = coach(models, text, MARCUS, "Marcus", {"anger": 0.7})
    assert signals.main_blocker(analysis) == "dismissive"
    assert shown["blocker"] is not None and "these things happen" in shown["blocker"]["text"]
    assert shown["rewrite"] is None or "these things happen" not in shown["rewrite"]


def _praised_dev_replies_that_only_dismiss_or_judge(models) -> tuple[list[str], int]:
    with CORPUS.open(encoding="utf-8") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["split"] == "dev"
            and r["blocker"] in {"dismissive", "judging"}
            and (r["er"], r["ip"], r["ex"]) == ("0", "0", "0")
        ]
    assert len(rows) > 40
    analyses = models.analyse_turns(
        [models.TurnInput(text=r["learner_reply"], context=r["persona_message"]) for r in rows]
    )
    praised = []
    for row, analysis in zip(rows, analyses, strict=True):
        guidance = guidance_compose(
            text=row["learner_reply"],
            analysis=analysis,
            persona_name="Sam",
            persona_emotions={"sadness": 0.6},
        )
        if guidance["worked"] is not None:
            praised.append(row["learner_reply"])
    return praised, len(rows)


def test_praise_for_dev_replies_that_only_dismiss_or_judge_stays_rare(models):
    # Where the scorer stood (6 of 65 on dev, then 3): it must not get worse.
    praised, total = _praised_dev_replies_that_only_dismiss_or_judge(models)
    assert len(praised) <= 0.10 * total, praised


def test_no_praise_at_all_for_dev_replies_that_only_dismiss_or_judge(models):
    praised, _ = _praised_dev_replies_that_only_dismiss_or_judge(models)
    assert praised == []
