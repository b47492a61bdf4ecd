"""Evaluate the judgement a learner meets on role-play turns labelled by a coach.

The file is a CSV in the corpus format (``persona_message, learner_reply, er, ip, ex, blocker``;
see ``inference/data/coaching/GUIDE.md``). Each reply is analysed against the persona message it
answers, as the product does, and scored on what a coach would notice first: praise for a reply
that only blocks, exploration credited to a closed factual question, whether each mechanism is
there at all, its level, and the blockers.

Plain Python (no Django, no torch here): ``manage.py evaluate_coaching`` wraps ``load_corpus``,
``evaluate`` and ``format_report``; the analysis function is passed in.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from inference.labels import EMPATHY_MECHANISMS
from inference.schema import BLOCKER_NAMES, BlockerName, Mechanism

# What a reply is labelled with: one of the guide's blockers, or none.
Blocker = BlockerName | Literal["none"]
BLOCKERS: Final[tuple[Blocker, ...]] = ("none", *BLOCKER_NAMES)
_BLOCKER_OF: Final[dict[str, Blocker]] = {name: name for name in BLOCKERS}
COLUMNS: Final = ("persona_message", "learner_reply", "er", "ip", "ex", "blocker")


class CoachingDataError(ValueError):
    """The evaluation file is malformed; the message names the line."""


@dataclass(frozen=True)
class CoachedReply:
    line: int
    persona_message: str
    learner_reply: str
    levels: dict[Mechanism, int]
    blocker: Blocker


@dataclass(frozen=True)
class Judgement:
    """What the product said about one reply: the level shown per mechanism and the main blocker."""

    levels: dict[Mechanism, int]
    blocker: Blocker


def load_corpus(path: str | Path) -> list[CoachedReply]:
    """Read the corpus CSV; raise ``CoachingDataError`` naming the line of the first problem."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise CoachingDataError(f"{path}: cannot open ({error.strerror or error}).") from error
    rows: list[CoachedReply] = []
    with handle:
        reader = csv.DictReader(handle)
        fields = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in COLUMNS if name not in fields]
        if missing:
            raise CoachingDataError(
                f"{path}, line 1: the header needs {', '.join(COLUMNS)}; missing {', '.join(missing)}."
            )
        reader.fieldnames = fields
        for row in reader:
            line = reader.line_num
            if None in row:
                raise CoachingDataError(f"{path}, line {line}: more fields than the header has.")
            levels: dict[Mechanism, int] = {}
            for mech in EMPATHY_MECHANISMS:
                value = (row.get(mech) or "").strip()
                if value not in {"0", "1", "2"}:
                    raise CoachingDataError(f"{path}, line {line}: {mech} must be 0, 1 or 2 (found {value!r}).")
                levels[mech] = int(value)
            blocker = _BLOCKER_OF.get((row.get("blocker") or "").strip().lower())
            if blocker is None:
                raise CoachingDataError(
                    f"{path}, line {line}: blocker must be one of {', '.join(BLOCKERS)} (found {row.get('blocker')!r})."
                )
            reply = (row.get("learner_reply") or "").strip()
            if not reply:
                raise CoachingDataError(f"{path}, line {line}: learner_reply is empty.")
            rows.append(
                CoachedReply(
                    line=line,
                    persona_message=(row.get("persona_message") or "").strip(),
                    learner_reply=reply,
                    levels=levels,
                    blocker=blocker,
                )
            )
    if not rows:
        raise CoachingDataError(f"{path}: no rows.")
    return rows


def judgement_of(analysis: Mapping[str, Any]) -> Judgement:
    """The levels and main blocker a learner is shown for an analysis (``blockers`` most confident
    first; an analysis without them names none)."""
    empathy = analysis.get("empathy") or {}
    levels: dict[Mechanism, int] = {
        mech: int((empathy.get(mech) or {}).get("level") or 0) for mech in EMPATHY_MECHANISMS
    }
    blockers = analysis.get("blockers") or []
    name = str(blockers[0].get("name")) if blockers else "none"
    return Judgement(levels=levels, blocker=_BLOCKER_OF.get(name, "none"))


def _f1(tp: int, fp: int, fn: int) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def _macro_f1(gold: Sequence[int], pred: Sequence[int], classes: Sequence[int] = (0, 1, 2)) -> float:
    scores = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        if tp + fp + fn:
            scores.append(_f1(tp, fp, fn))
    return sum(scores) / len(scores) if scores else 0.0


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


Judge = Callable[[Sequence[CoachedReply]], list[Judgement]]


def evaluate(rows: Sequence[CoachedReply], judge: Judge) -> dict[str, Any]:
    """The coaching figures (see the module docstring) and the mistakes behind them."""
    judged = judge(rows)
    pairs = list(zip(rows, judged, strict=True))
    report: dict[str, Any] = {"n": len(rows)}

    only_blocking = [(r, j) for r, j in pairs if r.blocker != "none" and not any(r.levels.values())]
    praised = [(r, j) for r, j in only_blocking if any(j.levels.values())]
    report["false_praise_rate"] = _rate(len(praised), len(only_blocking))
    report["false_praise_n"] = len(only_blocking)

    closed = [(r, j) for r, j in pairs if r.blocker == "closed_question"]
    report["closed_question_ex_rate"] = _rate(sum(1 for _, j in closed if j.levels["ex"] >= 1), len(closed))
    report["closed_question_n"] = len(closed)

    for mech in EMPATHY_MECHANISMS:
        gold = [r.levels[mech] for r, _ in pairs]
        pred = [j.levels[mech] for _, j in pairs]
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g >= 1 and p >= 1)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g == 0 and p >= 1)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g >= 1 and p == 0)
        report[f"{mech}_present_f1"] = round(_f1(tp, fp, fn), 4)
        report[f"{mech}_macro_f1"] = round(_macro_f1(gold, pred), 4)

    gold_blocked = [(r, j) for r, j in pairs if r.blocker != "none"]
    named = [(r, j) for r, j in pairs if j.blocker != "none"]
    report["blocker_recall"] = _rate(sum(1 for r, j in gold_blocked if j.blocker == r.blocker), len(gold_blocked))
    report["blocker_precision"] = _rate(sum(1 for r, j in named if j.blocker == r.blocker), len(named))
    report["per_blocker"] = {
        name: {
            "support": sum(1 for r, _ in pairs if r.blocker == name),
            "recall": _rate(
                sum(1 for r, j in pairs if r.blocker == name and j.blocker == name),
                sum(1 for r, _ in pairs if r.blocker == name),
            ),
            "precision": _rate(
                sum(1 for r, j in pairs if r.blocker == name and j.blocker == name),
                sum(1 for _, j in pairs if j.blocker == name),
            ),
        }
        for name in BLOCKERS
        if name != "none"
    }
    report["mistakes"] = [
        {
            "line": r.line,
            "reply": r.learner_reply,
            "gold": {**r.levels, "blocker": r.blocker},
            "shown": {**j.levels, "blocker": j.blocker},
        }
        for r, j in pairs
        if r.levels != j.levels or r.blocker != j.blocker
    ]
    return report


HEADLINE: Final = (
    "false_praise_rate",
    "closed_question_ex_rate",
    "er_present_f1",
    "ip_present_f1",
    "ex_present_f1",
    "er_macro_f1",
    "ip_macro_f1",
    "ex_macro_f1",
    "blocker_recall",
    "blocker_precision",
    "n",
)


def format_report(report: Mapping[str, Any], *, show_mistakes: bool = False) -> str:
    lines = [f"Coaching judgement on {report['n']} role-play replies"]
    lines.append(
        f"  false praise (blocker, no empathy, yet a level >= 1): {report['false_praise_rate']} "
        f"of {report['false_praise_n']}"
    )
    lines.append(
        f"  closed questions credited as exploration: {report['closed_question_ex_rate']} "
        f"of {report['closed_question_n']}"
    )
    for mech in EMPATHY_MECHANISMS:
        lines.append(
            f"  {mech}: present F1 {report[f'{mech}_present_f1']}, macro-F1 over levels {report[f'{mech}_macro_f1']}"
        )
    lines.append(f"  blockers: recall {report['blocker_recall']}, precision {report['blocker_precision']}")
    for name, figures in report["per_blocker"].items():
        lines.append(
            f"    {name}: support {figures['support']}, recall {figures['recall']}, precision {figures['precision']}"
        )
    if show_mistakes:
        lines.append("Mistakes:")
        for mistake in report["mistakes"]:
            lines.append(
                f"  line {mistake['line']}: gold {mistake['gold']} shown {mistake['shown']}: {mistake['reply']}"
            )
    return "\n".join(lines)
