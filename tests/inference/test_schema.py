"""The declared shape of an analysis (inference.schema) is the shape the models really return."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Literal, NotRequired, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from inference.labels import EMPATHY_MECHANISMS
from inference.safety_rules import CATEGORIES, LEVELS
from inference.schema import (
    BLOCKER_CLASSES,
    BLOCKER_NAMES,
    BlockerName,
    EmotionReading,
    EmpathyReading,
    Mechanism,
    SafetyCategory,
    SafetyLevel,
    TurnAnalysis,
)

ROOT = Path(__file__).resolve().parents[2]


def problems(value: object, hint: object, where: str = "$") -> list[str]:
    """Where ``value`` is not of type ``hint``: TypedDicts with exactly their keys, exact scalar types."""
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: a {type(value).__name__}, not a dict"]
        hints = get_type_hints(hint)
        # NotRequired keys: analyses stored before they existed lack them.
        extras = get_type_hints(hint, include_extras=True)
        required = {key for key, sub in extras.items() if get_origin(sub) is not NotRequired}
        fits = required <= set(value) <= set(hints)
        found = (
            [] if fits else [f"{where}: keys {sorted(value)}, declared {sorted(hints)} (required {sorted(required)})"]
        )
        return found + [
            p for key, sub in hints.items() if key in value for p in problems(value[key], sub, f"{where}.{key}")
        ]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return [] if any(value == a and type(value) is type(a) for a in args) else [f"{where}: {value!r} not in {args}"]
    if origin in (Union, types.UnionType):
        return [] if any(not problems(value, sub, where) for sub in args) else [f"{where}: {value!r} is not {hint}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: a {type(value).__name__}, not a list"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: a {type(value).__name__}, not a dict"]
        return [
            p
            for key, item in value.items()
            for p in problems(key, args[0], where) + problems(item, args[1], f"{where}[{key!r}]")
        ]
    if hint is None or hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    assert isinstance(hint, type), f"{where}: cannot check {hint}"
    return [] if type(value) is hint else [f"{where}: a {type(value).__name__} ({value!r}), not {hint.__name__}"]


def test_the_closed_sets_are_the_ones_the_code_uses():
    assert get_args(SafetyLevel) == LEVELS
    assert get_args(SafetyCategory) == CATEGORIES
    assert get_args(Mechanism) == EMPATHY_MECHANISMS == tuple(get_type_hints(EmpathyReading))
    # The blocker head's classes are the guide's, in the order the coaching evaluation lists them.
    from inference.coaching_eval import BLOCKERS

    assert BLOCKER_CLASSES == BLOCKERS == ("none", *BLOCKER_NAMES)
    assert get_args(BlockerName) == BLOCKER_NAMES


def test_the_checker_catches_a_wrong_shape():
    safety_result = get_type_hints(TurnAnalysis)["safety"]
    assert problems({"level": "none", "reason": "ok", "category": None}, safety_result) == []
    assert problems({"level": "maybe", "reason": "ok", "category": None}, safety_result)
    assert problems({"level": "none", "reason": "ok"}, safety_result)
    assert (
        problems(
            {"level": "none", "reason": "ok", "category": None, "evidence": [{"by": "rules", "words": "x"}]},
            safety_result,
        )
        == []
    )
    assert problems(
        {"level": "none", "reason": "ok", "category": None, "evidence": [{"by": "a friend", "words": "x"}]},
        safety_result,
    )
    assert problems({"level": "none", "reason": "ok", "category": None, "extra": 1}, safety_result)
    assert problems({"level": "none", "reason": 1, "category": None}, safety_result)
    blockers = get_type_hints(TurnAnalysis)["blockers"]
    span = {"name": "advice", "start": 0, "end": 4, "text": "just", "probability": 0.91}
    assert problems([], blockers) == [] and problems([span], blockers) == []
    assert problems([{**span, "name": "none"}], blockers)  # "none" is never a named blocker
    assert problems([{**span, "probability": 1}], blockers)
    assert problems([{k: v for k, v in span.items() if k != "text"}], blockers)


@pytest.mark.usefixtures("committed_models")
def test_real_analyses_have_exactly_the_declared_shape():
    from inference.analysis import TurnInput, analyse_turns, detect_emotions
    from inference.bench import generate_turns

    odd = [
        "",
        "  \n",
        "😀😀😀",
        "a" * 5000,
        "word " * 2000,
        "\x00\x01 binary",
        "[SEP] [CLS] hi",
        "I want to kill myself.",
    ]
    turns = [*generate_turns(60), *(TurnInput(text=text, context="How are you?") for text in odd)]
    found = [p for result in analyse_turns(turns) for p in problems(result, TurnAnalysis)]
    assert found == []
    found = [p for reading in detect_emotions([t.text for t in turns[:20]]) for p in problems(reading, EmotionReading)]
    assert found == []


def test_schema_imports_neither_torch_nor_django():
    code = "import sys, inference.schema; print(sorted(m for m in ('torch', 'django') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
