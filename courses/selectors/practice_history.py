"""Reads of a learner's past practice: the sessions on the dashboard, the unfinished session the
scenario page offers to resume, and one session's whole conversation for its history page.

Each turn is shown as the practice page shows it: `turn_serialise` (which sends a flagged turn's
analysis through `events.analysis_view`, so a turn the safety screen flagged carries no emotions or
scores here either) and the stored guidance and summary rendered by `practice.render`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Q
from django.http import Http404

from courses.models import Course, PracticeSession, Scenario, Turn
from courses.practice.events import GuidanceView, SummaryView, TurnView
from courses.practice.render import summary_render
from courses.practice.signals import MECHANISM_NAMES, rationale_phrases
from courses.selectors.practice import turn_serialise

# A session the learner can still open and carry on (a paused one waits for their continue; a
# closing one for the persona's last word): what "Resume" opens.
UNFINISHED: Final = (PracticeSession.Status.ACTIVE, PracticeSession.Status.PAUSED, PracticeSession.Status.CLOSING)
DASHBOARD_SESSIONS: Final = 20
STATUS_LABELS: Final[dict[str, str]] = {
    PracticeSession.Status.ACTIVE: "Unfinished",
    PracticeSession.Status.PAUSED: "Unfinished (paused)",
    PracticeSession.Status.CLOSING: "Wrapping up",
    PracticeSession.Status.COMPLETED: "Finished",
}
LEVEL_WORDS: Final = ("none", "weak", "strong")
CHIPS_SHOWN: Final = 4  # as the practice page (analysis.js)


def _pretty(label: str) -> str:
    """A label for people: "not_sure" → "not sure" (as the practice page's text.js)."""
    return label.replace("_", " ")


def _quote_list(words: list[str]) -> str:
    return ", ".join(f"“{word}”" for word in words)


def _top_feelings(emotions: Mapping[str, Any] | None, count: int) -> list[tuple[str, float]]:
    """The `count` strongest feelings, "neutral" only if nothing else (as the page's feelings.js)."""
    entries = sorted(
        ((label, float(value or 0)) for label, value in (emotions or {}).items() if float(value or 0) > 0.01),
        key=lambda entry: -entry[1],
    )
    without_neutral = [entry for entry in entries if entry[0] != "neutral"]
    return (without_neutral or entries)[:count]


# --- The dashboard and the scenario page ---------------------------------------------------------


class _OfSession:
    """What a row or a page says of its session's scenario and state."""

    session: PracticeSession

    @property
    def scenario(self) -> Scenario:
        return self.session.scenario

    @property
    def course(self) -> Course:
        return self.session.scenario.module.course

    @property
    def is_finished(self) -> bool:
        return self.session.status not in UNFINISHED


@dataclass(frozen=True)
class SessionRow(_OfSession):
    """One of the learner's sessions as the dashboard lists it."""

    session: PracticeSession
    learner_turns: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.session.status) or str(self.session.get_status_display())


@dataclass(frozen=True)
class SessionList:
    rows: list[SessionRow]
    more: bool  # the learner has older sessions than these


def practice_session_list(*, learner: User, limit: int = DASHBOARD_SESSIONS) -> SessionList:
    """The learner's most recent sessions, newest first, with their scenario, course and learner
    turns counted: one query, whatever the number of sessions or turns."""
    sessions = list(
        PracticeSession.objects.filter(learner=learner)
        .select_related("scenario__module__course")
        .defer("persona_state", "summary", "goals_met")
        .annotate(learner_turns=Count("turns", filter=Q(turns__role=Turn.Role.LEARNER)))
        .order_by("-created_at")[: limit + 1]
    )
    rows = [SessionRow(session=session, learner_turns=session.learner_turns) for session in sessions[:limit]]
    return SessionList(rows=rows, more=len(sessions) > limit)


def practice_session_unfinished(*, learner: User | AnonymousUser, scenario: Scenario) -> PracticeSession | None:
    """The learner's latest unfinished session of the scenario (what the scenario page offers to
    resume), or None. Starting a new session leaves it as it is, listed on the dashboard."""
    if not learner.is_authenticated:
        return None
    return (
        PracticeSession.objects.filter(learner=learner, scenario=scenario, status__in=UNFINISHED)
        .only("id", "status", "created_at")
        .order_by("-created_at")
        .first()
    )


# --- The history page of one session -------------------------------------------------------------


@dataclass(frozen=True)
class MechanismReading:
    """One of ER / IP / EX on a learner turn, as the practice page's meter shows it."""

    key: str
    short: str
    name: str
    level: int
    words: list[str]  # the learner's words behind the level

    @property
    def level_word(self) -> str:
        return LEVEL_WORDS[self.level]

    @property
    def description(self) -> str:
        """What the page's meter says of it: "Emotional reaction: 2 of 2 (strong). Words: “…”"."""
        words = f". Words: {_quote_list(self.words)}" if self.words else ""
        return f"{self.name}: {self.level} of 2 ({self.level_word}){words}"


@dataclass(frozen=True)
class HistoryTurn:
    view: TurnView  # as the page and the socket have it (a flagged turn's analysis without scores)
    flagged: bool  # the safety screen flagged the learner's words: no emotions, no scores
    emotions: list[str]  # the chips of a learner turn
    meter: list[MechanismReading]  # empty when not analysed, or flagged
    guidance: GuidanceView | None  # coaching under a learner turn; None when paused for wellbeing
    feelings: list[str]  # a persona turn: the feelings it was written with

    @property
    def is_learner(self) -> bool:
        return self.view["role"] == "learner"

    @property
    def analysed(self) -> bool:
        return bool(self.view.get("analysis"))


@dataclass(frozen=True)
class SummaryMechanism:
    short: str
    name: str
    average: float | None
    best: int | None


@dataclass(frozen=True)
class FeelingPoint:
    label: str  # "At the start", "After your reply 2"
    words: str  # "Anger 70%, disappointment 50%"


@dataclass(frozen=True)
class PracticeHistory(_OfSession):
    session: PracticeSession
    turns: list[HistoryTurn]
    learner_turns: int
    summary: SummaryView | None
    summary_mechanisms: list[SummaryMechanism]
    feelings: list[FeelingPoint]  # how the persona felt over the session, from the summary


def _history_turn(turn: Turn) -> HistoryTurn:
    view = turn_serialise(turn)
    if view["role"] != "learner":
        return HistoryTurn(
            view=view,
            flagged=False,
            emotions=[],
            meter=[],
            guidance=None,
            # As the practice page: the state the persona wrote the reply with (the thought bubble's),
            # never a second reading of its words that could contradict it.
            feelings=[_pretty(label) for label, _ in _top_feelings(view["persona_state"], 2)],
        )
    analysis: Mapping[str, Any] = view.get("analysis") or {}
    level = (analysis.get("safety") or {}).get("level")
    flagged = level in ("concern", "crisis")
    guidance = view.get("guidance")
    if flagged or not analysis:
        return HistoryTurn(view=view, flagged=flagged, emotions=[], meter=[], guidance=None, feelings=[])
    emotion = analysis.get("emotion") or {}
    shown = emotion.get("shown")
    labels = (
        shown if isinstance(shown, list) else [label for label in emotion.get("labels") or [] if label != "neutral"]
    )
    empathy = analysis.get("empathy") or {}
    meter = []
    for key, name in MECHANISM_NAMES.items():
        reading = empathy.get(key) or {}
        meter.append(
            MechanismReading(
                key=key,
                short=key.upper(),
                name=name.capitalize(),
                level=max(0, min(2, int(reading.get("level") or 0))),
                # Whole clauses, as the coaching quotes them: the model's tagged words alone read as
                # fragments ("be", "too", "took a").
                words=rationale_phrases(analysis, key, view["text"]),
            )
        )
    return HistoryTurn(
        view=view,
        flagged=False,
        emotions=[_pretty(label) for label in labels[:CHIPS_SHOWN]],
        meter=meter,
        guidance=guidance if guidance is not None and not guidance.get("pause") else None,
        feelings=[],
    )


def _feeling_points(summary: SummaryView) -> list[FeelingPoint]:
    """The summary's trajectory labelled as the practice page's summary labels it."""
    points = []
    for position, point in enumerate(summary["trajectory"]):
        start = position == 0 and not point.get("index")
        label = "At the start" if start else f"After your reply {1 if position == 0 else position}"
        top = _top_feelings(point.get("emotions"), 2)
        words = ", ".join(f"{_pretty(name)} {round(value * 100)}%" for name, value in top) if top else "calm"
        points.append(FeelingPoint(label=label, words=words))
    return points


def practice_history_get(*, session_id: uuid.UUID, viewer: AbstractBaseUser | AnonymousUser) -> PracticeHistory:
    """One session with its whole conversation as its history page shows it, in two queries (the
    session with its scenario, module and course; its turns). Http404 unless the viewer owns it.

    The one place that decides who may read a session's history: the learner who owns it, and no
    one else (as the socket). Cohort views for instructors, when they come, widen this check."""
    session = (
        PracticeSession.objects.select_related("scenario__module__course")
        .filter(pk=session_id, learner_id=viewer.pk)
        .first()
    )
    if session is None or not viewer.is_authenticated:
        raise Http404("No such practice session.")
    turns = [_history_turn(turn) for turn in session.turns.order_by("index")]
    summary = summary_render(session.summary) if session.summary is not None else None
    mechanisms = []
    if summary is not None:
        for key, name in MECHANISM_NAMES.items():
            stats = summary["mechanisms"].get(key)
            mechanisms.append(
                SummaryMechanism(
                    short=key.upper(),
                    name=name.capitalize(),
                    average=stats["average"] if stats else None,
                    best=stats["best"] if stats else None,
                )
            )
    return PracticeHistory(
        session=session,
        turns=turns,
        learner_turns=sum(1 for turn in turns if turn.is_learner),
        summary=summary,
        summary_mechanisms=mechanisms,
        feelings=_feeling_points(summary) if summary is not None else [],
    )
