"""Checks on an authored scenario that an instructor sees as warnings when saving it: goals a single
message meets, too few replies for the turns (the persona repeats itself), replies with the same
conditions (one always beats the other), and replies that can never be chosen.

Pure functions over the scenario, its goals and its replies (as `engine.py` would read them); the
admin shows what they return and saves anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from courses.models import PersonaReply, Scenario, ScenarioGoal
from courses.practice import signals
from courses.practice.engine import FALLBACK_CLOSING

CONDITION_FIELDS: tuple[str, ...] = (
    "min_er",
    "max_er",
    "min_ip",
    "max_ip",
    "min_ex",
    "max_ex",
    "asked_question",
    "tone",
    "min_turn",
    "max_turn",
    "is_closing",
)


def reply_name(reply: PersonaReply, replies: Sequence[PersonaReply]) -> str:
    """The reply as "reply 3": its place in the authored order, as the admin lists the replies."""
    number = next(
        (i for i, r in enumerate(replies, start=1) if r is reply or (r.pk is not None and r.pk == reply.pk)), 0
    )
    return f"reply {number}"


def reply_label(reply: PersonaReply, replies: Sequence[PersonaReply]) -> str:
    """The reply as "reply 3 (“Yeah… maybe I'm overthinking it…”)": its place and how it starts."""
    text = " ".join(reply.text.split())
    short = text if len(text) <= 50 else text[:48].rstrip() + "…"
    return f"{reply_name(reply, replies)} (“{short}”)"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_examples(reply: PersonaReply) -> bool:
    return any(line.strip() for line in (reply.example_learner_lines or "").splitlines())


def goals_one_message(goals: Sequence[ScenarioGoal]) -> list[str]:
    easy = [goal for goal in goals if goal.min_turns <= 1 and goal.min_level <= 1]
    if not easy:
        return []
    names = ", ".join(f"“{goal.description}”" for goal in easy)
    which = "this goal" if len(easy) == 1 else "these goals"
    warning = (
        f"A single message meets {which}: {names} (one message at level 1, which a stock line such as "
        "“I'm sorry to hear that” or “What happened?” reaches). If it should take more, raise “Messages needed” "
        "to 2 or more, or the level to 2."
    )
    return [warning]


def replies_too_few(scenario: Scenario, replies: Sequence[PersonaReply]) -> list[str]:
    warnings: list[str] = []
    regular = [reply for reply in replies if not reply.is_closing]
    # The last turn gets a closing reply; every turn before it a non-closing one, never the same
    # line twice while another fits.
    needed = scenario.max_turns - 1
    if len(regular) < needed:
        warnings.append(
            f"Only {len(regular)} non-closing {'reply' if len(regular) == 1 else 'replies'} for up to {needed} "
            f"turns before the last (maximum turns {scenario.max_turns}): the persona will repeat itself. Add at "
            f"least {needed - len(regular)} more, or lower the maximum turns."
        )
    if not any(reply.is_closing for reply in replies):
        warnings.append(
            f"No closing reply: on the last turn, or when the learner wraps up, the persona says the stock line "
            f"“{FALLBACK_CLOSING}”"
        )
    return warnings


def _conditions(reply: PersonaReply) -> tuple[object, ...]:
    return tuple(getattr(reply, name) for name in CONDITION_FIELDS)


def replies_same_conditions(replies: Sequence[PersonaReply]) -> list[str]:
    """Pairs of replies with identical conditions where one always wins: the higher priority, or at
    equal priority the one with example learner lines (the other has none to compare), or the
    earlier. Two with equal priority and example lines each are left alone: the learner's words decide."""
    warnings: list[str] = []
    for first, second in combinations(replies, 2):
        if _conditions(first) != _conditions(second):
            continue
        summary = first.condition_summary
        if first.priority != second.priority:
            winner, loser = (first, second) if first.priority > second.priority else (second, first)
            why = f"its priority is higher ({winner.priority} against {loser.priority})"
        elif _has_examples(first) and _has_examples(second):
            continue
        elif _has_examples(first) != _has_examples(second):
            winner, loser = (first, second) if _has_examples(first) else (second, first)
            why = f"{reply_name(loser, replies)} has no example learner lines to compare"
        else:
            winner, loser = first, second
            why = "their priorities are equal, neither has example learner lines, and it comes first"
        warnings.append(
            f"{_first_upper(reply_label(first, replies))} and {reply_label(second, replies)} set the same conditions "
            f"({summary}): {reply_label(winner, replies)} is always chosen over {reply_label(loser, replies)}, "
            f"because {why}. {_first_upper(reply_name(loser, replies))} is said only once "
            f"{reply_name(winner, replies)} has been used. Change a condition to give each its own case."
        )
    return warnings


def replies_never_chosen(scenario: Scenario, replies: Sequence[PersonaReply]) -> list[str]:
    """Replies whose conditions no turn satisfies."""
    warnings: list[str] = []
    for reply in replies:
        label = _first_upper(reply_label(reply, replies))
        reasons: list[str] = []
        for mech in signals.MECHANISMS:
            low, high = getattr(reply, f"min_{mech}"), getattr(reply, f"max_{mech}")
            name = signals.MECHANISM_NAMES[mech]
            if low is not None and high is not None and low > high:
                reasons.append(f"{name} at least {low} and at most {high}: no message is both")
            elif low is not None and low > 2:
                reasons.append(f"{name} at least {low}: levels go up to 2")
        low_turn, high_turn = reply.min_turn, reply.max_turn
        if low_turn is not None and high_turn is not None and low_turn > high_turn:
            reasons.append(f"from turn {low_turn} until turn {high_turn}: no turn is both")
        elif high_turn is not None and high_turn < 1:
            reasons.append(f"until turn {high_turn}: the learner's first message is turn 1")
        elif reply.is_closing and low_turn is not None and low_turn > scenario.max_turns:
            reasons.append(f"from turn {low_turn}, but the scenario ends at turn {scenario.max_turns}")
        elif not reply.is_closing and low_turn is not None and low_turn >= scenario.max_turns:
            reasons.append(
                f"from turn {low_turn}, but turn {scenario.max_turns} is the last and gets a closing reply; "
                f"non-closing replies answer turns 1 to {scenario.max_turns - 1}"
            )
        if reasons:
            warnings.append(f"{label} can never be chosen: {'; '.join(reasons)}.")
    return warnings


def scenario_warnings(
    *, scenario: Scenario, goals: Sequence[ScenarioGoal], replies: Sequence[PersonaReply]
) -> list[str]:
    """Every warning for the scenario as saved, in the order an instructor would fix them."""
    return [
        *replies_never_chosen(scenario, replies),
        *replies_same_conditions(replies),
        *replies_too_few(scenario, replies),
        *goals_one_message(goals),
    ]
