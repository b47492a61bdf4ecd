"""Evaluate the safety screen on a labelled CSV (columns ``text,label``).

Plain Python (no Django, no torch): ``manage.py evaluate_safety`` is a thin wrapper around
``load_labelled_csv``, ``evaluate`` and ``format_report``, and the tests call them directly. The
screen defaults to the rules alone; the command passes the served one (``analysis.safety_screen``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.safety import screen_texts
from inference.safety_rules import LEVELS
from inference.schema import SafetyLevel, SafetyResult

_LEVEL_OF: dict[str, SafetyLevel] = {level: level for level in LEVELS}
Screen = Callable[[Sequence[object], Sequence[Mapping[str, object] | None] | None], list[SafetyResult]]


class SafetyDataError(ValueError):
    """The evaluation file is malformed; the message names the line."""


@dataclass(frozen=True)
class LabelledText:
    line: int
    text: str
    label: SafetyLevel


def load_labelled_csv(path: str | Path) -> list[LabelledText]:
    """Read ``text,label`` rows; raise ``SafetyDataError`` naming the line of the first problem."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise SafetyDataError(f"{path}: cannot open ({error.strerror or error}).") from error
    rows: list[LabelledText] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            fields = [name.strip().lower() for name in (reader.fieldnames or [])]
            missing = [name for name in ("text", "label") if name not in fields]
            if missing:
                raise SafetyDataError(
                    f"{path}, line 1: the header must have columns text and label; "
                    f"missing {', '.join(missing)} (found: {', '.join(fields) or 'nothing'})."
                )
            reader.fieldnames = fields
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise SafetyDataError(
                        f"{path}, line {line}: more fields than the header has (quote text that contains commas)."
                    )
                text, label = row.get("text"), row.get("label")
                if text is None or label is None:
                    raise SafetyDataError(f"{path}, line {line}: missing text or label.")
                level = _LEVEL_OF.get(label.strip().lower())
                if level is None:
                    raise SafetyDataError(
                        f"{path}, line {line}: unknown label {label.strip().lower()!r} "
                        f"(expected one of: {', '.join(LEVELS)})."
                    )
                rows.append(LabelledText(line=line, text=text, label=level))
        except csv.Error as error:
            raise SafetyDataError(f"{path}, line {reader.line_num}: {error}.") from error
        except UnicodeDecodeError as error:
            raise SafetyDataError(f"{path}: not UTF-8 text ({error.reason}).") from error
    if not rows:
        raise SafetyDataError(f"{path}: no labelled lines after the header.")
    return rows


def evaluate(
    rows: Sequence[LabelledText],
    *,
    emotions: Sequence[Mapping[str, object] | None] | None = None,
    screen: Screen = screen_texts,
) -> dict[str, Any]:
    """Screen every row and compare with its label.

    ``false_alarm_rate`` is the share of ``none`` lines flagged concern or crisis; ``concern_recall``
    the share of ``concern`` lines flagged concern or crisis (either shows the card). Precision is
    ``None`` when nothing was predicted crisis (no division by zero passed off as a number).
    """
    predictions = screen([row.text for row in rows], emotions)
    confusion = {gold: {pred: 0 for pred in LEVELS} for gold in LEVELS}
    mistakes = []
    for row, prediction in zip(rows, predictions, strict=True):
        confusion[row.label][prediction["level"]] += 1
        if prediction["level"] != row.label:
            mistakes.append(
                {
                    "line": row.line,
                    "text": row.text,
                    "label": row.label,
                    "predicted": prediction["level"],
                    "category": prediction["category"],
                }
            )

    def ratio(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    crisis_true = confusion["crisis"]["crisis"]
    crisis_gold = sum(confusion["crisis"].values())
    crisis_pred = sum(confusion[gold]["crisis"] for gold in LEVELS)
    none_gold = sum(confusion["none"].values())
    flagged_gold = crisis_gold + sum(confusion["concern"].values())
    flagged_hit = sum(confusion[gold][pred] for gold in ("concern", "crisis") for pred in ("concern", "crisis"))
    correct = sum(confusion[level][level] for level in LEVELS)
    concern_gold = sum(confusion["concern"].values())
    concern_flagged = confusion["concern"]["concern"] + confusion["concern"]["crisis"]
    return {
        "n": len(rows),
        "crisis_recall": ratio(crisis_true, crisis_gold),
        # Concern lines flagged at all: a concern read as crisis still shows the card.
        "concern_recall": ratio(concern_flagged, concern_gold),
        "crisis_precision": ratio(crisis_true, crisis_pred),
        "false_alarm_rate": ratio(none_gold - confusion["none"]["none"], none_gold),
        "flag_recall": ratio(flagged_hit, flagged_gold),
        "accuracy": ratio(correct, len(rows)),
        "support": {level: sum(confusion[level].values()) for level in LEVELS},
        "per_level": {
            level: {
                "precision": ratio(confusion[level][level], sum(confusion[g][level] for g in LEVELS)),
                "recall": ratio(confusion[level][level], sum(confusion[level].values())),
                "support": sum(confusion[level].values()),
            }
            for level in LEVELS
        },
        "confusion": confusion,
        "mistakes": mistakes,
    }


def format_report(report: Mapping[str, Any], *, show_mistakes: bool = False) -> str:
    """A readable table: headline figures, then the confusion matrix (rows gold, columns
    predicted)."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    lines = [
        f"Safety screen on {report['n']} labelled lines",
        f"  crisis recall      {pct(report['crisis_recall'])}",
        f"  crisis precision   {pct(report['crisis_precision'])}",
        f"  concern recall     {pct(report['concern_recall'])}  (concern lines flagged concern or crisis)",
        f"  false alarm rate   {pct(report['false_alarm_rate'])}  (share of 'none' lines flagged)",
        f"  flag recall        {pct(report['flag_recall'])}  (concern+crisis lines flagged at all)",
        f"  exact accuracy     {pct(report['accuracy'])}",
        "",
        "  gold \\ predicted     none  concern   crisis",
    ]
    for gold in LEVELS:
        cells = "".join(f"{report['confusion'][gold][pred]:>9}" for pred in LEVELS)
        lines.append(f"  {gold:<16}{cells}")
    if show_mistakes and report["mistakes"]:
        lines += ["", "  Mistakes (line: gold -> predicted: text)"]
        for m in report["mistakes"]:
            lines.append(f"  {m['line']}: {m['label']} -> {m['predicted']}: {m['text'][:100]}")
    return "\n".join(lines)
