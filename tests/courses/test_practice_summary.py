"""The session summary: levels per mechanism, goals, highlights from the learner's own words, score;
stored as what was decided, rendered when shown."""

from __future__ import annotations

import json

from courses.practice.render import summary_render
from courses.practice.summary import GoalSpec, LearnerTurn, all_goals_met, goals_met, session_score, summary_compose
from tests.factories import analysis_build

GOALS = [
    GoalSpec(id=1, description="Name the feeling", mechanism="er", min_level=1, min_turns=2),
    GoalSpec(id=2, description="Ask an open question", mechanism="ex", min_level=2, min_turns=1),
]


def turns():
    return [
        LearnerTurn(index=1, text="Okay, what's your order number", analysis=analysis_build(ex=1)),
        LearnerTurn(
            index=3,
            text="That sounds so frustrating. What happened?",
            analysis=analysis_build(er=2, ex=2, rationales={"er": ["sounds so frustrating"], "ex": ["What happened?"]}),
        ),
        LearnerTurn(
            index=5,
            text="I'm sorry, it must feel like nobody listens.",
            analysis=analysis_build(
                er=1, ip=2, rationales={"ip": ["nobody listens"]}, text="I'm sorry, it must feel like nobody listens."
            ),
        ),
    ]


def test_goals_are_counted_per_turn():
    assert goals_met(GOALS, turns()) == [1, 2]
    assert all_goals_met(GOALS, turns())
    assert not all_goals_met(GOALS, turns()[:2])
    assert not all_goals_met([], turns())  # no goals: the session ends by its turn limit


def test_summary_levels_highlights_and_next_step():
    trajectory = [{"index": 0, "emotions": {"anger": 0.7}}]
    stored = summary_compose(turns=turns(), goals=GOALS, trajectory=trajectory, persona_name="Dana Reyes")
    s = summary_render(json.loads(json.dumps(stored)))
    assert s["turns"] == 3
    assert s["mechanisms"]["er"] == {"name": "emotional reaction", "average": 1.0, "best": 2}
    assert s["mechanisms"]["ip"]["best"] == 2
    assert s["goals_met"] is True and [g["met"] for g in s["goals"]] == [True, True]
    quotes = [h["quote"] for h in s["highlights"]]
    assert quotes[0] == "That sounds so frustrating"  # best level first, the learner's own words
    assert "it must feel like nobody listens" in quotes  # the whole clause, not the model's fragment
    assert len(s["highlights"]) == 3 and len({h["turn_index"] for h in s["highlights"]}) == 3
    assert s["practise_next"]["mechanism"] == "ip"
    assert s["trajectory"][0]["emotions"] == {"anger": 0.7}


def test_score_rewards_goals_and_empathy():
    full = session_score(GOALS, turns())
    weak = session_score(GOALS, [LearnerTurn(index=1, text="ok", analysis=analysis_build())])
    assert 0 <= weak < full <= 1
    assert weak == 0.0


def test_what_is_stored_is_the_decision_and_the_words_not_sentences():
    trajectory = [{"index": 0, "emotions": {"anger": 0.7}}]
    s = summary_compose(turns=turns(), goals=GOALS, trajectory=trajectory, persona_name="Dana Reyes")
    assert s == {
        "version": 1,
        "persona": "Dana",
        "turns": 3,
        "mechanisms": {
            "er": {"average": 1.0, "best": 2},
            "ip": {"average": 0.67, "best": 2},
            "ex": {"average": 1.0, "best": 2},
        },
        "trajectory": trajectory,
        "goals": [
            {"id": 1, "description": "Name the feeling", "mechanism": "er", "met": True, "progress": 2, "needed": 2},
            {
                "id": 2,
                "description": "Ask an open question",
                "mechanism": "ex",
                "met": True,
                "progress": 1,
                "needed": 1,
            },
        ],
        "goals_met": True,
        "highlights": [
            {
                "turn_index": 3,
                "mechanism": "er",
                "level": 2,
                "quote": "That sounds so frustrating",
                "note": "named_feeling",
            },
            {
                "turn_index": 5,
                "mechanism": "ip",
                "level": 2,
                "quote": "it must feel like nobody listens",
                "note": "understood",
            },
            {
                "turn_index": 1,
                "mechanism": "ex",
                "level": 1,
                "quote": "Okay, what's your order number",
                "note": "invited",
            },
        ],
        "practise_next": "ip",
        "score": 0.722,
    }


def test_practise_next_never_advises_what_was_just_met():
    goal = [GoalSpec(id=1, description="Name the feeling", mechanism="er", min_level=1, min_turns=1)]
    # ER is the lowest average of the three, but its goal is met: the next step is another one.
    low_er = [
        LearnerTurn(index=1, text="Sounds hard. What happened?", analysis=analysis_build(er=1, ip=2, ex=2)),
        LearnerTurn(index=3, text="Tell me more.", analysis=analysis_build(er=0, ip=2, ex=2)),
    ]
    summary = summary_compose(turns=low_er, goals=goal, trajectory=[], persona_name="Dana")
    assert summary["goals"][0]["met"] and summary["practise_next"] != "er"


def test_a_turn_with_a_blocker_is_no_evidence_for_a_goal_and_no_highlight():
    goal = [GoalSpec(id=1, description="Name the feeling", mechanism="er", min_level=1, min_turns=1)]
    text = "I'm sorry, but you should just join a gym."
    blocked = LearnerTurn(
        index=1,
        text=text,
        analysis=analysis_build(
            er=1, rationales={"er": ["I'm sorry"]}, text=text, blocker=("advice", "you should just join a gym")
        ),
    )
    summary = summary_compose(turns=[blocked], goals=goal, trajectory=[], persona_name="Dana")
    assert summary["goals"][0]["progress"] == 0 and not summary["goals"][0]["met"]
    assert summary["highlights"] == []


def test_a_turn_the_safety_screen_flagged_is_never_quoted_praised_or_scored():
    # The page showed the wellbeing card instead of any score on it; the summary must agree.
    text = "I can't do this any more."
    flagged = analysis_build(er=2, ip=1, rationales={"er": ["I can't do this any more."]}, text=text, safety="crisis")
    learner_turns = [*turns(), LearnerTurn(index=7, text=text, analysis=flagged)]
    stored = summary_compose(turns=learner_turns, goals=GOALS, trajectory=[], persona_name="Dana Reyes")
    assert text not in json.dumps(stored)
    assert stored["turns"] == 4  # it was said, and counts as a turn
    assert (
        stored["mechanisms"]
        == summary_compose(turns=turns(), goals=GOALS, trajectory=[], persona_name="Dana")["mechanisms"]
    )
    assert session_score(GOALS, learner_turns) == session_score(GOALS, turns())
    one_turn_goal = [GoalSpec(id=9, description="Name the feeling", mechanism="er", min_level=1, min_turns=1)]
    assert goals_met(one_turn_goal, [LearnerTurn(index=7, text=text, analysis=flagged)]) == []
