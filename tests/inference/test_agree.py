"""One reading of a reply: a closed factual question the blocker head names is no exploration."""

from __future__ import annotations

from inference.analysis import _agree


def reading(ex: int):
    mech = {"level": ex, "probs": [0.1, 0.2, 0.7], "rationales": [{"start": 0, "end": 5, "text": "Where"}]}
    quiet = {"level": 0, "probs": [1.0, 0.0, 0.0], "rationales": []}
    return {"er": dict(quiet), "ip": dict(quiet), "ex": mech}


def test_a_named_closed_question_shows_no_exploration_and_other_blockers_change_nothing():
    closed = {"name": "closed_question", "start": 0, "end": 24, "text": "Where did you move from?", "probability": 0.9}
    advice = {**closed, "name": "advice"}
    empathy = [reading(2), reading(2), reading(1)]
    _agree(empathy, [[closed], [advice], []])
    assert empathy[0]["ex"]["level"] == 0 and empathy[0]["ex"]["rationales"] == []
    assert empathy[0]["ex"]["probs"] == [0.1, 0.2, 0.7]  # what the model said stays on record
    assert empathy[1]["ex"]["level"] == 2 and empathy[2]["ex"]["level"] == 1
