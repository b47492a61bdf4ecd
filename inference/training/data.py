"""Reading the GoEmotions TSV, EPITOME CSV and role-play corpus CSV files, with errors that name the
file and line."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from inference.labels import EMPATHY_MECHANISMS, GOEMOTIONS_LABELS
from inference.schema import BLOCKER_CLASSES, Mechanism

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


# The project's role-play corpus (inference/data/coaching/, labelled after shared/annotation/GUIDE.md).
CoachingSplit = Literal["train", "tune", "dev"]
COACHING_SPLITS: Final[tuple[CoachingSplit, ...]] = ("train", "tune", "dev")
COACHING_COLUMNS: Final = (
    "id",
    "setting",
    "situation",
    "split",
    "persona_message",
    "learner_reply",
    "er",
    "ip",
    "ex",
    "blocker",
    "notes",
)
_SPLIT_OF: Final[dict[str, CoachingSplit]] = {name: name for name in COACHING_SPLITS}
# Columns a file may leave out: they describe a row but change nothing the model learns.
COACHING_OPTIONAL: Final = frozenset({"setting", "notes"})


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


@dataclass(frozen=True)
class CoachingExample:
    """One learner reply to one persona message, labelled by a coach."""

    id: str
    line: int
    situation: str  # the persona situation; every reply to it sits in the same split
    split: CoachingSplit
    context: str  # persona_message
    response: str  # learner_reply
    levels: dict[Mechanism, int]
    blocker: str  # one of BLOCKER_CLASSES ("none" or one of the seven)
    setting: str = ""
    notes: str = ""


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


def situation_splits(situations: Iterable[str], tune: float = 0.15, dev: float = 0.15) -> dict[str, CoachingSplit]:
    """A provisional split by persona situation, for files without a ``split`` column yet (the
    pass-1 parts): the situations ranked by a hash of their name, the first ``tune`` share to tune,
    the next ``dev`` share to dev, the rest to train. Deterministic for a given set of situations."""
    ranked = sorted(set(situations), key=lambda name: hashlib.sha256(name.encode("utf-8")).hexdigest())
    n_tune, n_dev = round(len(ranked) * tune), round(len(ranked) * dev)
    return {
        name: "tune" if rank < n_tune else "dev" if rank < n_tune + n_dev else "train"
        for rank, name in enumerate(ranked)
    }


def read_coaching(path: Path) -> list[CoachingExample]:
    """The role-play corpus CSV (``id, setting, situation, split, persona_message, learner_reply,
    er, ip, ex, blocker, notes``); the first bad row stops the read with its line named."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    examples: list[CoachingExample] = []
    seen_ids: dict[str, int] = {}
    split_of: dict[str, tuple[CoachingSplit, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [col for col in COACHING_COLUMNS if col not in fields and col not in COACHING_OPTIONAL]
        if missing:
            raise DataFormatError(f"{path}, line 1: header lacks column(s) {', '.join(missing)}")
        reader.fieldnames = fields
        try:
            for row in reader:
                number = reader.line_num
                if None in row or any(value is None for value in row.values()):
                    raise DataFormatError(f"{path}, line {number}: wrong number of columns")
                levels: dict[Mechanism, int] = {}
                for mechanism in EMPATHY_MECHANISMS:
                    raw = row[mechanism].strip()
                    if raw not in {"0", "1", "2"}:
                        raise DataFormatError(f"{path}, line {number}: {mechanism} must be 0, 1 or 2, got {raw!r}")
                    levels[mechanism] = int(raw)
                blocker = row["blocker"].strip().lower()
                if blocker not in BLOCKER_CLASSES:
                    raise DataFormatError(
                        f"{path}, line {number}: blocker must be one of {', '.join(BLOCKER_CLASSES)}, "
                        f"got {row['blocker']!r}"
                    )
                split_name = _SPLIT_OF.get(row["split"].strip().lower())
                if split_name is None:
                    raise DataFormatError(
                        f"{path}, line {number}: split must be one of {', '.join(COACHING_SPLITS)}, "
                        f"got {row['split']!r}"
                    )
                response = row["learner_reply"].strip()
                if not response:
                    raise DataFormatError(f"{path}, line {number}: learner_reply is empty")
                example_id = row["id"].strip()
                if not example_id:
                    raise DataFormatError(f"{path}, line {number}: id is empty")
                if example_id in seen_ids:
                    raise DataFormatError(
                        f"{path}, line {number}: id {example_id!r} already used on line {seen_ids[example_id]}"
                    )
                seen_ids[example_id] = number
                situation = row["situation"].strip()
                if not situation:
                    raise DataFormatError(f"{path}, line {number}: situation is empty")
                # The split is by persona situation: replies to one situation never straddle two.
                first = split_of.setdefault(situation, (split_name, number))
                if first[0] != split_name:
                    raise DataFormatError(
                        f"{path}, line {number}: situation {situation!r} is in split {split_name!r} here "
                        f"but in {first[0]!r} on line {first[1]}"
                    )
                examples.append(
                    CoachingExample(
                        id=example_id,
                        line=number,
                        situation=situation,
                        split=split_name,
                        context=row["persona_message"].strip(),
                        response=response,
                        levels=levels,
                        blocker=blocker,
                        setting=(row.get("setting") or "").strip(),
                        notes=(row.get("notes") or "").strip(),
                    )
                )
        except csv.Error as exc:
            raise DataFormatError(f"{path}, line {reader.line_num}: {exc}") from None
    if not examples:
        raise DataFormatError(f"{path}: no examples")
    return examples
