"""One reading of a reply: a closed factual question the blocker head names is no exploration; a
non-apology is no emotional reaction."""

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
    _agree(["Where did you move from?"] * 3, empathy, [[closed], [advice], []])
    assert empathy[0]["ex"]["level"] == 0 and empathy[0]["ex"]["rationales"] == []
    assert empathy[0]["ex"]["probs"] == [0.1, 0.2, 0.7]  # what the model said stays on record
    assert empathy[1]["ex"]["level"] == 2 and empathy[2]["ex"]["level"] == 1


def warm(text: str, start: int, end: int):
    mech = {"level": 1, "probs": [0.2, 0.7, 0.1], "rationales": [{"start": start, "end": end, "text": text[start:end]}]}
    quiet = {"level": 0, "probs": [1.0, 0.0, 0.0], "rationales": []}
    return {"er": mech, "ip": dict(quiet), "ex": dict(quiet)}


def test_sorry_you_feel_that_way_is_no_warmth_and_brushes_the_feeling_aside():
    """Learners were told "You met Jordan's feelings with warmth" for it (guide: brush-aside-not-er)."""
    text = "Well, I'm sorry you feel that way about the class."
    empathy = [warm(text, 6, 33)]
    blockers: list[list] = [[]]
    _agree([text], empathy, blockers)
    assert empathy[0]["er"]["level"] == 0 and empathy[0]["er"]["rationales"] == []
    assert [(b["name"], b["text"]) for b in blockers[0]] == [("dismissive", "sorry you feel that way")]


def test_warmth_beside_the_formula_stands_and_a_named_blocker_is_kept():
    text = "I'm sorry you feel that way. Honestly that sounds exhausting."
    empathy = [warm(text, 29, 61)]
    deflection = {"name": "deflection", "start": 0, "end": 27, "text": text[:27], "probability": 0.7}
    blockers = [[deflection]]
    _agree([text], empathy, blockers)
    assert empathy[0]["er"]["level"] == 1
    assert blockers[0] == [deflection]
    plain = "I'm so sorry you had to wait all morning."
    empathy = [warm(plain, 0, len(plain))]
    _agree([plain], empathy, [[]])
    assert empathy[0]["er"]["level"] == 1  # a real apology is not the formula


def quiet_reading():
    quiet = {"level": 0, "probs": [1.0, 0.0, 0.0], "rationales": []}
    return {"er": dict(quiet), "ip": dict(quiet), "ex": dict(quiet)}


def test_joining_their_feeling_is_warmth_not_self_focus():
    """Seen in Chromium: "I'd be livid too." was named self_focus, and the warmth goal stayed "Not yet"
    (guide: solidarity-er1)."""
    text = "I'd be livid too."
    empathy = [quiet_reading()]
    blockers = [[{"name": "self_focus", "start": 0, "end": len(text), "text": text, "probability": 0.8}]]
    _agree([text], empathy, blockers)
    assert blockers[0] == []
    assert empathy[0]["er"]["level"] == 1 and empathy[0]["er"]["rationales"][0]["text"] == "I'd be livid too"


def test_a_reply_that_goes_on_about_the_writer_stays_self_focus():
    text = "I'd be livid too, when it happened to me I rang them every single day"
    self_focus = {"name": "self_focus", "start": 0, "end": len(text), "text": text, "probability": 0.8}
    empathy = [quiet_reading()]
    blockers = [[self_focus]]
    _agree([text], empathy, blockers)
    assert blockers[0] == [self_focus] and empathy[0]["er"]["level"] == 0


def test_a_brush_aside_the_guide_names_is_dismissive_where_the_head_named_nothing():
    """Praised in Chromium with no blocker: the guide names "these things happen" as dismissive."""
    text = "I understand your frustration, but these things happen in a busy clinic."
    empathy = [quiet_reading()]
    blockers: list[list] = [[]]
    _agree([text], empathy, blockers)
    assert [(b["name"], b["text"]) for b in blockers[0]] == [("dismissive", "these things happen")]
    advice = {"name": "advice", "start": 0, "end": 10, "text": text[:10], "probability": 0.7}
    blockers = [[advice]]
    _agree([text], [quiet_reading()], blockers)
    assert blockers[0] == [advice]  # the head's own blocker is kept


def test_a_reply_that_is_only_the_formula_names_no_blocker_whatever_the_head_read():
    # In the bike scenario the head read "I'd be livid too." as dismissive.
    text = "honestly I'd be livid too"
    empathy = [quiet_reading()]
    blockers = [[{"name": "dismissive", "start": 0, "end": len(text), "text": text, "probability": 0.8}]]
    _agree([text], empathy, blockers)
    assert blockers[0] == [] and empathy[0]["er"]["level"] == 1
