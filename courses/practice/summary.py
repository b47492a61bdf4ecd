"""The end-of-session summary and score, and goal checks. Pure functions over plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from courses.practice import signals
from courses.practice.guidance import WEAKEST_ORDER

HIGHLIGHTS = 3


@dataclass(frozen=True)
class GoalSpec:
    id: int
    description: str
    mechanism: str
    min_level: int
    min_turns: int


@dataclass(frozen=True)
class LearnerTurn:
    index: int
    text: str
    analysis: Mapping[str, Any]


def goal_progress(goal: GoalSpec, turns: Sequence[LearnerTurn]) -> int:
    """How many learner turns reached the goal's level on its mechanism."""
    return sum(1 for turn in turns if signals.levels(turn.analysis)[goal.mechanism] >= goal.min_level)


def goals_met(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> list[int]:
    """Ids of the goals met by these turns."""
    return [goal.id for goal in goals if goal_progress(goal, turns) >= goal.min_turns]


def all_goals_met(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> bool:
    """Every goal met (a scenario without goals ends by its turn limit, never early)."""
    return bool(goals) and len(goals_met(goals, turns)) == len(goals)


def session_score(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> float:
    """0..1: half the share of goals met, half the average empathy of the turns (sum of levels / 6).
    Without goals, the average empathy alone."""
    if not turns:
        return 0.0
    empathy = sum(sum(signals.levels(turn.analysis).values()) / 6 for turn in turns) / len(turns)
    if not goals:
        return round(empathy, 3)
    met = len(goals_met(goals, turns)) / len(goals)
    return round(0.5 * met + 0.5 * empathy, 3)


_HIGHLIGHT_NOTES = {
    "er": "You named what {name} was feeling",
    "ip": "You put into words what {name} was going through",
    "ex": "You invited {name} to tell you more",
}
_PRACTISE_NEXT = {
    "er": "Name the feeling you hear, early and in plain words (“that sounds exhausting”) before anything else.",
    "ip": "Say back what you think the situation means to them (“it sounds like you felt left out of the decision”).",
    "ex": "Ask one open question about their experience (“what's been the hardest part?”) and let them answer.",
}


def _highlights(turns: Sequence[LearnerTurn], name: str) -> list[dict[str, Any]]:
    """Up to three moments from the learner's own turns: best levels first, each turn quoted once."""
    candidates: list[tuple[int, int, str, LearnerTurn, str]] = []
    for turn in turns:
        levels = signals.levels(turn.analysis)
        for order, mech in enumerate(signals.MECHANISMS):
            if levels[mech] == 0:
                continue
            spans = signals.rationales(turn.analysis, mech)
            quote = spans[0] if spans else " ".join(turn.text.split())[:160]
            candidates.append((levels[mech], -order, mech, turn, quote))
    candidates.sort(key=lambda c: (c[0], c[1], -c[3].index), reverse=True)
    chosen: list[dict[str, Any]] = []
    seen: set[int] = set()
    for level, _, mech, turn, quote in candidates:
        if turn.index in seen:
            continue
        seen.add(turn.index)
        chosen.append(
            {
                "turn_index": turn.index,
                "mechanism": mech,
                "level": level,
                "quote": quote,
                "note": _HIGHLIGHT_NOTES[mech].format(name=name),
            }
        )
        if len(chosen) == HIGHLIGHTS:
            break
    return chosen


def summary_compose(
    *,
    turns: Sequence[LearnerTurn],
    goals: Sequence[GoalSpec],
    trajectory: Sequence[Mapping[str, Any]],
    persona_name: str,
) -> dict[str, Any]:
    """The summary shown at the end of a session (and stored on it)."""
    name = (persona_name or "them").split()[0]
    mechanisms: dict[str, dict[str, Any]] = {}
    for mech in signals.MECHANISMS:
        values = [signals.levels(turn.analysis)[mech] for turn in turns]
        mechanisms[mech] = {
            "name": signals.MECHANISM_NAMES[mech],
            "average": round(sum(values) / len(values), 2) if values else 0.0,
            "best": max(values, default=0),
        }
    met = set(goals_met(goals, turns))
    weakest = min(WEAKEST_ORDER, key=lambda m: mechanisms[m]["average"])
    return {
        "turns": len(turns),
        "mechanisms": mechanisms,
        "trajectory": list(trajectory),
        "goals": [
            {
                "id": goal.id,
                "description": goal.description,
                "mechanism": goal.mechanism,
                "met": goal.id in met,
                "progress": goal_progress(goal, turns),
                "needed": goal.min_turns,
            }
            for goal in goals
        ],
        "goals_met": len(met) == len(goals),
        "highlights": _highlights(turns, name),
        "practise_next": {"mechanism": weakest, "text": _PRACTISE_NEXT[weakest]},
        "score": session_score(goals, turns),
    }
