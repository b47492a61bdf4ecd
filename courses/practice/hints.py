"""Hints while typing: what the page says of a learner's unsent draft, from the empathy scorer's
levels and the blocker it names (no persona, no guidance, nothing stored). Pure functions.

One hint at most, and the first that applies: a blocker gets in the way before anything else (the
HAILEY study's just-in-time feedback works by catching exactly these); then a feeling, when the
draft neither reacts to one nor interprets one (an interpretation like "that sounds so lonely"
names the feeling already); then an invitation to say more; then an understanding of why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from django.utils.translation import gettext as _

from courses.practice.events import DraftHintEvent, Levels

__all__ = ["MECHANISMS", "Levels", "draft_hint", "draft_quiet"]
from courses.practice.guidance import first_name

MECHANISMS: Final = ("er", "ip", "ex")


def _blocker_hints(name: str) -> dict[str, str]:
    return {
        "dismissive": _("This may brush {name}'s feelings aside — try acknowledging them first.").format(name=name),
        "advice": _("You're offering a fix — try naming what {name} feels first.").format(name=name),
        "closed_question": _("A yes-or-no question can close things down — try an open one (“What…”, “How…”).").format(
            name=name
        ),
        "self_focus": _("This turns to your own story — try keeping the focus on {name}.").format(name=name),
        "judging": _("This may sound like judgement — try saying what you understand instead.").format(name=name),
        "false_reassurance": _("Reassurance can feel like brushing it off — try acknowledging how hard it is.").format(
            name=name
        ),
        "deflection": _("This moves away from what {name} said — try answering it first.").format(name=name),
    }


def _missing_hints(name: str) -> dict[str, str]:
    return {
        "er": _("Try naming what {name} might be feeling.").format(name=name),
        "ip": _("Try saying what you understand of why {name} feels this way.").format(name=name),
        "ex": _("You could invite {name} to say more.").format(name=name),
    }


def draft_hint(*, draft_id: str, levels: Levels, blockers: Sequence[str], persona_name: str) -> DraftHintEvent:
    """The page's hint for a draft the scorer read (`judge_replies`): its levels (the meter) and at
    most one sentence, None when the draft already reacts, understands and invites."""
    name = first_name(persona_name) or _("them")
    blocker = blockers[0] if blockers else None
    hint: str | None
    if blocker is not None:
        hint = _blocker_hints(name).get(blocker)
    elif levels["er"] == 0 and levels["ip"] == 0:
        hint = _missing_hints(name)["er"]
    elif levels["ex"] == 0:
        hint = _missing_hints(name)["ex"]
    elif levels["ip"] == 0:
        hint = _missing_hints(name)["ip"]
    else:
        hint = None
    return DraftHintEvent(type="draft.hint", draft_id=draft_id, levels=levels, blocker=blocker, hint=hint)


def draft_quiet(*, draft_id: str) -> DraftHintEvent:
    """No hint and no meter: a draft the safety screen's rules would flag (the turn itself gets the
    wellbeing card when sent), or one too short to read."""
    return DraftHintEvent(type="draft.hint", draft_id=draft_id, levels=None, blocker=None, hint=None)
