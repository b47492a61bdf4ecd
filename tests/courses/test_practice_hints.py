"""What a hint while typing says of a draft: one sentence at most, a blocker first."""

from __future__ import annotations

import pytest

from courses.practice.hints import Levels, draft_hint, draft_quiet


def hint(er: int = 0, ip: int = 0, ex: int = 0, blockers: tuple[str, ...] = ()) -> str | None:
    event = draft_hint(draft_id="d1", levels=Levels(er=er, ip=ip, ex=ex), blockers=blockers, persona_name="Priya Shah")
    assert event["draft_id"] == "d1" and event["levels"] == {"er": er, "ip": ip, "ex": ex}
    return event["hint"]


@pytest.mark.parametrize(
    ("blocker", "words"),
    [
        ("advice", "You're offering a fix — try naming what Priya feels first."),
        ("dismissive", "brush Priya's feelings aside"),
        ("closed_question", "open one"),
        ("self_focus", "keeping the focus on Priya"),
        ("judging", "judgement"),
        ("false_reassurance", "Reassurance"),
        ("deflection", "away from what Priya said"),
    ],
)
def test_a_blocker_is_named_before_anything_else_even_in_a_warm_draft(blocker, words):
    assert words in (hint(er=2, ip=2, ex=2, blockers=(blocker,)) or "")


def test_then_a_feeling_then_an_invitation_then_an_understanding():
    assert hint() == "Try naming what Priya might be feeling."
    # "That sounds so lonely" interprets a feeling: asking to name one would be wrong.
    assert hint(ip=2) == "You could invite Priya to say more."
    assert hint(er=1, ex=1) == "Try saying what you understand of why Priya feels this way."
    assert hint(er=1, ip=1, ex=1) is None


def test_a_quiet_answer_has_no_meter_and_no_hint():
    assert draft_quiet(draft_id="d9") == {
        "type": "draft.hint",
        "draft_id": "d9",
        "levels": None,
        "blocker": None,
        "hint": None,
    }
