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


def blocker_names(text: str, found: list) -> list[tuple[str, str]]:
    blockers = [found]
    _agree([text], [quiet_reading()], blockers)
    return [(b["name"], b["text"]) for b in blockers[0]]


def test_fault_found_with_the_person_is_judging_where_the_head_named_nothing():
    """The guide's judging-scope names these; the head read them as nothing or as dismissive."""
    assert blocker_names("Don't talk like that, you're being dramatic.", []) == [("judging", "you're being dramatic")]
    assert blocker_names("You really should've rung the out-of-hours line though.", []) == [
        ("judging", "You really should've rung")
    ]
    assert blocker_names("honestly that's a bit of an overreaction", []) == [("judging", "overreaction")]
    # "thinks" here is no one's report: the writer's own verdict follows the comma.
    assert blocker_names("Nobody thinks that, you're being paranoid.", []) == [("judging", "you're being paranoid")]


def test_someone_elses_words_and_denials_are_not_the_writers_judging():
    # A reflection of what they were told, a reassurance, a passive on their side: no blocker.
    for text in (
        "Feeling sick before every test, and then being told you're being dramatic. I'm so sorry.",
        "A lot of people freeze like that. It doesn't mean you're being dramatic.",
        "You're not overreacting at all.",
        "I'm sorry, you should have been told about the delay.",
    ):
        assert blocker_names(text, []) == [], text


def test_a_referral_is_deflection_even_when_the_head_took_it_for_advice():
    """advice-vs-deflection: "even when it is phrased as advice or as a yes/no question"."""
    text = "Have you spoken to your GP about how you're feeling?"
    advice = {"name": "advice", "start": 0, "end": len(text), "text": text, "probability": 0.6}
    assert blocker_names(text, [advice]) == [("deflection", "Have you spoken to your GP")]
    assert blocker_names("That decision came from the exec team, it's above my pay grade.", []) == [
        ("deflection", "above my pay grade")
    ]
    # Advice to act themselves stays advice; a blocker the head named otherwise is kept.
    own = "You should ask for a meeting with him."
    kept = {"name": "advice", "start": 0, "end": len(own), "text": own, "probability": 0.7}
    assert blocker_names(own, [kept]) == [("advice", own)]
    judged = {"name": "judging", "start": 0, "end": 10, "text": "Have you s", "probability": 0.7}
    assert blocker_names("Have you spoken to HR? You never stand up for yourself.", [judged])[0][0] == "judging"


def test_a_stock_inference_is_an_interpretation_when_no_blocker_is_named():
    """reaction-vs-inference: "that sounds so lonely" is IP 1; the scorer read it as IP 0 and the
    next step told the learner to name the feeling they had just named."""
    text = "ugh, that sounds so lonely"
    empathy = [quiet_reading()]
    _agree([text], empathy, [[]])
    assert empathy[0]["ip"]["level"] == 1
    assert [r["text"] for r in empathy[0]["ip"]["rationales"]] == ["that sounds so lonely"]
    # Not beside a blocker (the writer's own story), and not for a pleasant "that sounds good".
    own = "I get it, I'm tired too, we've been on since 7."
    empathy = [quiet_reading()]
    _agree([own], empathy, [[{"name": "self_focus", "start": 0, "end": 9, "text": own[:9], "probability": 0.9}]])
    assert empathy[0]["ip"]["level"] == 0
    empathy = [quiet_reading()]
    _agree(["that sounds good, see you then"], empathy, [[]])
    assert empathy[0]["ip"]["level"] == 0


def test_at_least_is_dismissive_and_the_sorry_before_it_is_no_warmth():
    """Praised in a walkthrough as warmth ("You met Priya's feelings with warmth: 'at least its not
    forever tho'"); the guide names "at least…" as dismissive, and brush-aside-not-er the sorry."""
    text = "aw im sorry. at least its not forever tho"
    empathy = [warm(text, 0, 11)]
    blockers: list[list] = [[]]
    _agree([text], empathy, blockers)
    assert empathy[0]["er"]["level"] == 0 and empathy[0]["ip"]["level"] == 0
    assert [(b["name"], b["text"]) for b in blockers[0]] == [("dismissive", "at least its not forever tho")]
    # A quantity or an offer is no consolation.
    for plain in ("You waited at least two hours, I'm so sorry.", "I'm sorry. At least let me call them for you."):
        empathy = [warm(plain, 0, 10)]
        blockers = [[]]
        _agree([plain], empathy, blockers)
        assert empathy[0]["er"]["level"] == 1 and blockers[0] == [], plain


def test_normalising_their_reaction_is_an_interpretation():
    """Scored 0/0/0 in a walkthrough; the guide's normalising-ip1 gives IP 1."""
    text = "Three weeks of waiting, a whole day off work, and his birthday is tomorrow. No wonder you're fed up."
    empathy = [quiet_reading()]
    _agree([text], empathy, [[]])
    assert empathy[0]["ip"]["level"] == 1
    assert empathy[0]["ip"]["rationales"][0]["text"] == "No wonder you're fed up"


def test_at_least_is_dismissive_whatever_else_the_head_named():
    """Named judging in a walkthrough; every "at least" reply of the corpus is dismissive."""
    text = "Ugh, I'm sorry Daniel, at least your mum's got you fighting her corner though."
    judged = {"name": "judging", "start": 0, "end": 10, "text": text[:10], "probability": 0.6}
    assert blocker_names(text, [judged]) == [("dismissive", "at least your mum's got you fighting her corner though")]


def test_more_ways_of_handing_them_on_are_deflection():
    assert (
        blocker_names("Have you thought about speaking to your GP about how low you've been?", [])[0][0] == "deflection"
    )
    assert blocker_names("Honestly that's one for a counsellor, not me.", []) == [
        ("deflection", "that's one for a counsellor")
    ]
    assert blocker_names("That's not something I can sort from here.", []) == [
        ("deflection", "not something I can sort")
    ]
