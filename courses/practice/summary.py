"""The end-of-session summary and score, and goal checks. Pure functions over plain data.

The summary is stored as decided (`Summary`: levels, goals, the learner's quoted words and codes);
`courses.practice.render.summary_render` writes its sentences when it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypedDict, cast

from courses.practice import signals
from courses.practice.events import TrajectoryPoint
from courses.practice.guidance import MECHANISMS, WEAKEST_ORDER, first_name
from inference.schema import Mechanism

SUMMARY_VERSION: Final = 1
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


def scored(turns: Sequence[LearnerTurn]) -> list[LearnerTurn]:
    """The turns that count for levels, goals, highlights and the score: not those whose words the
    safety screen flagged (their page showed the wellbeing card instead of any score, and a summary
    must not quote or praise them either)."""
    return [turn for turn in turns if not signals.needs_pause(turn.analysis)]


def goal_progress(goal: GoalSpec, turns: Sequence[LearnerTurn]) -> int:
    """How many learner turns reached the goal's level on its mechanism, on evidence a coach would
    accept: the level the learner was shown (a confident one), in a turn with no blocker in it."""
    return sum(
        1
        for turn in scored(turns)
        if signals.levels(turn.analysis)[goal.mechanism] >= goal.min_level
        and signals.main_blocker(turn.analysis) is None
    )


def goals_met(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> list[int]:
    """Ids of the goals met by these turns."""
    return [goal.id for goal in goals if goal_progress(goal, turns) >= goal.min_turns]


def all_goals_met(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> bool:
    """Every goal met (a scenario without goals ends by its turn limit, never early)."""
    return bool(goals) and len(goals_met(goals, turns)) == len(goals)


def session_score(goals: Sequence[GoalSpec], turns: Sequence[LearnerTurn]) -> float:
    """0..1: half the share of goals met, half the average empathy of the turns (sum of levels / 6).
    Without goals, the average empathy alone."""
    turns = scored(turns)
    if not turns:
        return 0.0
    empathy = sum(sum(signals.levels(turn.analysis).values()) / 6 for turn in turns) / len(turns)
    if not goals:
        return round(empathy, 3)
    met = len(goals_met(goals, turns)) / len(goals)
    return round(0.5 * met + 0.5 * empathy, 3)


class MechanismResult(TypedDict):
    average: float  # mean level over the learner's turns, 0..2
    best: int


class SummaryGoal(TypedDict):
    id: int
    description: str  # as the scenario's author wrote it
    mechanism: Mechanism
    met: bool
    progress: int
    needed: int


# What a highlight says the learner did (one per mechanism).
HighlightNote = Literal["named_feeling", "understood", "invited"]
_NOTE_BY_MECHANISM: Final[dict[Mechanism, HighlightNote]] = {"er": "named_feeling", "ip": "understood", "ex": "invited"}


class SummaryHighlight(TypedDict):
    turn_index: int
    mechanism: Mechanism
    level: int
    quote: str  # the learner's own words
    note: HighlightNote


class Summary(TypedDict):
    """The end-of-session summary as decided (PracticeSession.summary); `render.summary_render` shows it."""

    version: Literal[1]
    persona: str | None  # the persona's first name (None: the scenario names none)
    turns: int
    mechanisms: dict[Mechanism, MechanismResult]  # in MECHANISMS order
    trajectory: list[TrajectoryPoint]
    goals: list[SummaryGoal]
    goals_met: bool
    highlights: list[SummaryHighlight]  # at most HIGHLIGHTS
    practise_next: Mechanism  # the mechanism to practise next: the lowest average
    score: float


def _highlights(turns: Sequence[LearnerTurn]) -> list[SummaryHighlight]:
    """Up to three moments from the learner's own turns: best levels first, each turn quoted once."""
    candidates: list[tuple[int, int, Mechanism, LearnerTurn, str]] = []
    for turn in scored(turns):
        if signals.main_blocker(turn.analysis) is not None:
            continue  # not a moment to hold up: something in it got in the way
        levels = signals.levels(turn.analysis)
        for order, mech in enumerate(MECHANISMS):
            if levels[mech] == 0:
                continue
            spans = signals.rationale_phrases(turn.analysis, mech, turn.text)
            quote = spans[0] if spans else " ".join(turn.text.split())[:160]
            candidates.append((levels[mech], -order, mech, turn, quote))
    candidates.sort(key=lambda c: (c[0], c[1], -c[3].index), reverse=True)
    chosen: list[SummaryHighlight] = []
    seen: set[int] = set()
    for level, _, mech, turn, quote in candidates:
        if turn.index in seen:
            continue
        seen.add(turn.index)
        chosen.append(
            SummaryHighlight(
                turn_index=turn.index, mechanism=mech, level=level, quote=quote, note=_NOTE_BY_MECHANISM[mech]
            )
        )
        if len(chosen) == HIGHLIGHTS:
            break
    return chosen


def _practise_next(
    mechanisms: Mapping[Mechanism, MechanismResult], goals: Sequence[GoalSpec], met: set[int]
) -> Mechanism:
    """The weakest mechanism by average, never one whose goal was just met (unless every one was)."""
    done = {goal.mechanism for goal in goals if goal.id in met}
    pool = [m for m in WEAKEST_ORDER if m not in done] or list(WEAKEST_ORDER)
    return min(pool, key=lambda m: mechanisms[m]["average"])


def summary_compose(
    *,
    turns: Sequence[LearnerTurn],
    goals: Sequence[GoalSpec],
    trajectory: Sequence[Mapping[str, Any]],
    persona_name: str,
) -> Summary:
    """The summary of a session as decided (stored on it; `render.summary_render` shows it)."""
    mechanisms: dict[Mechanism, MechanismResult] = {}
    for mech in MECHANISMS:
        values = [signals.levels(turn.analysis)[mech] for turn in scored(turns)]
        mechanisms[mech] = MechanismResult(
            average=round(sum(values) / len(values), 2) if values else 0.0, best=max(values, default=0)
        )
    met = set(goals_met(goals, turns))
    return Summary(
        version=SUMMARY_VERSION,
        persona=first_name(persona_name),
        turns=len(turns),
        mechanisms=mechanisms,
        trajectory=[TrajectoryPoint(index=int(p["index"]), emotions=dict(p["emotions"])) for p in trajectory],
        goals=[
            SummaryGoal(
                id=goal.id,
                description=goal.description,
                mechanism=cast(Mechanism, goal.mechanism),
                met=goal.id in met,
                progress=goal_progress(goal, turns),
                needed=goal.min_turns,
            )
            for goal in goals
        ],
        goals_met=len(met) == len(goals),
        highlights=_highlights(turns),
        practise_next=_practise_next(mechanisms, goals, met),
        score=session_score(goals, turns),
    )
