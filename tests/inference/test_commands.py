"""The evaluate commands end with one JSON line, and stop on malformed files with the line named."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.inference.conftest import write_epitome, write_goemotions

pytestmark = pytest.mark.usefixtures("committed_models")


def _last_json(out: StringIO) -> dict:
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_evaluate_emotion_json(tmp_path):
    path = write_goemotions(tmp_path / "small.tsv")
    out = StringIO()
    call_command("evaluate_emotion", "--data", str(path), "--json", "--device", "cpu", stdout=out)
    result = _last_json(out)
    assert result["n"] == 20
    assert {"macro_f1", "micro_f1", "ekman_macro_f1", "per_label", "n"} <= set(result)
    assert len(result["per_label"]) == 28
    # The easy rows of the file are right: gratitude twice, neutral twice.
    assert result["per_label"]["gratitude"]["f1"] == 1.0
    assert 0.3 < result["micro_f1"] <= 1.0


def test_evaluate_empathy_json(tmp_path):
    path = write_epitome(tmp_path / "small.csv")
    out = StringIO()
    call_command("evaluate_empathy", "--data", str(path), "--json", stdout=out)
    result = _last_json(out)
    assert result["n"] == 8
    for mechanism in ("er", "ip", "ex"):
        assert 0.0 <= result[mechanism]["accuracy"] <= 1.0
        assert 0.0 <= result[mechanism]["macro_f1"] <= 1.0
    assert result["er"]["accuracy"] >= 0.5


def test_evaluate_emotion_bad_file(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("ok\t1\ta\nbad line\n")
    with pytest.raises(CommandError, match="line 2"):
        call_command("evaluate_emotion", "--data", str(path), "--json")


def test_evaluate_empathy_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("evaluate_empathy", "--data", str(tmp_path / "missing.csv"))


def test_bench_inference_small(tmp_path):
    out = StringIO()
    call_command("bench_inference", "--n", "24", "--latency-samples", "5", "--json", stdout=out)
    result = _last_json(out)
    for key in ("batched_turns_per_s", "per_message_turns_per_s", "ratio", "single_turn_p50_ms", "single_turn_p95_ms"):
        assert result[key] > 0
    assert result["n"] == 24


def test_generated_bench_turns_are_deterministic():
    from inference.bench import generate_turns

    assert generate_turns(50) == generate_turns(50)
    assert len({t.text for t in generate_turns(500)}) > 200
