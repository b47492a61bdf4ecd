"""Reading the GoEmotions TSV and EPITOME CSV files, with errors that name the file and line."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from inference.labels import EMPATHY_MECHANISMS, GOEMOTIONS_LABELS
from inference.schema import Mechanism

EPITOME_COLUMNS = (
    "sp_id",
    "rp_id",
    "seeker_post",
    "response_post",
    "er_level",
    "ip_level",
    "ex_level",
    "er_rationales",
    "ip_rationales",
    "ex_rationales",
)


class DataFormatError(ValueError):
    """A data file does not have the expected format; the message names the file and line."""


@dataclass
class EmotionExample:
    text: str
    labels: list[int]
    comment_id: str


@dataclass
class EmpathyExample:
    seeker_post: str
    response: str
    levels: dict[Mechanism, int]
    # Per mechanism, the rationale spans located in ``response`` as (start, end) char offsets.
    rationales: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    unlocated_rationales: int = 0
    pair_id: str = ""


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def read_goemotions(path: Path) -> list[EmotionExample]:
    """GoEmotions TSV: text, comma-separated label ids, comment id; no header."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    examples = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise DataFormatError(
                    f"{path}, line {number}: expected 3 tab-separated columns (text, label ids, id), found {len(parts)}"
                )
            text, raw_labels, comment_id = parts
            try:
                labels = sorted({int(x) for x in raw_labels.split(",")})
            except ValueError:
                raise DataFormatError(
                    f"{path}, line {number}: label ids must be comma-separated integers, got {raw_labels!r}"
                ) from None
            if not labels or labels[0] < 0 or labels[-1] >= len(GOEMOTIONS_LABELS):
                raise DataFormatError(
                    f"{path}, line {number}: label ids must lie in 0..{len(GOEMOTIONS_LABELS) - 1}, got {raw_labels!r}"
                )
            examples.append(EmotionExample(text=text, labels=labels, comment_id=comment_id))
    if not examples:
        raise DataFormatError(f"{path}: no examples")
    return examples


def locate_span(response: str, fragment: str) -> tuple[int, int] | None:
    """Find a rationale in the response: exactly, then ignoring case, then ignoring spacing."""
    fragment = fragment.strip()
    if not fragment:
        return None
    start = response.find(fragment)
    if start >= 0:
        return start, start + len(fragment)
    start = response.lower().find(fragment.lower())
    if start >= 0:
        return start, start + len(fragment)
    words = [re.escape(word) for word in fragment.split()]
    match = re.search(r"\s+".join(words), response, flags=re.IGNORECASE)
    if match:
        return match.start(), match.end()
    return None


def read_epitome(path: Path) -> list[EmpathyExample]:
    """EPITOME joined CSV (one row a seeker/response pair, three levels, three rationale lists)."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    examples = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [col for col in EPITOME_COLUMNS if col not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(f"{path}, line 1: header lacks column(s) {', '.join(missing)}")
        try:
            for row in reader:
                number = reader.line_num
                if None in row or any(row.get(col) is None for col in EPITOME_COLUMNS):
                    raise DataFormatError(f"{path}, line {number}: wrong number of columns")
                levels = {}
                for mechanism in EMPATHY_MECHANISMS:
                    raw = row[f"{mechanism}_level"].strip()
                    if raw not in {"0", "1", "2"}:
                        raise DataFormatError(
                            f"{path}, line {number}: {mechanism}_level must be 0, 1 or 2, got {raw!r}"
                        )
                    levels[mechanism] = int(raw)
                response = row["response_post"]
                rationales: dict[str, list[tuple[int, int]]] = {}
                unlocated = 0
                for mechanism in EMPATHY_MECHANISMS:
                    spans = []
                    for fragment in row[f"{mechanism}_rationales"].split("|"):
                        if not fragment.strip():
                            continue
                        span = locate_span(response, fragment)
                        if span is None:
                            unlocated += 1
                        else:
                            spans.append(span)
                    rationales[mechanism] = spans
                examples.append(
                    EmpathyExample(
                        seeker_post=row["seeker_post"],
                        response=response,
                        levels=levels,
                        rationales=rationales,
                        unlocated_rationales=unlocated,
                        pair_id=f"{row['sp_id']}/{row['rp_id']}",
                    )
                )
        except csv.Error as exc:
            raise DataFormatError(f"{path}, line {reader.line_num}: {exc}") from None
    if not examples:
        raise DataFormatError(f"{path}: no examples")
    return examples
