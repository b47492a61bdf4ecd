"""Both trainers run for real on a few dozen rows, and bad data files stop with the line named."""

from __future__ import annotations

import json
import time

import pytest

from tests.inference.conftest import write_epitome


def test_emotion_trainer_tiny_run(goemotions_dir, tmp_path):
    from inference.emotion import EmotionDetector
    from inference.training.emotion_trainer import EmotionTrainConfig, train_emotion

    out = tmp_path / "emotion"
    started = time.time()
    lines: list[str] = []
    config = train_emotion(
        goemotions_dir,
        out,
        EmotionTrainConfig(epochs=1, batch_size=8, max_len=24, inference_max_len=32, device="cpu"),
        log=lines.append,
    )
    assert time.time() - started < 60
    assert any("epoch 1" in line for line in lines)
    assert len(config["thresholds"]) == 28
    stored = json.loads((out / "config.json").read_text())
    assert stored["training"]["data"]["train_rows_used"] == 40
    assert "macro_f1" in stored["training"]["dev_final"]
    assert (out / "MODEL_CARD.md").read_text().count("Demszky") >= 1
    detector = EmotionDetector.load(out, device="cpu")
    (reading,) = detector.analyse(["Thank you!"])
    assert len(reading["probs"]) == 28


def test_empathy_trainer_tiny_run(epitome_dir, tmp_path):
    from inference.empathy import EmpathyScorer
    from inference.training.empathy_trainer import EmpathyTrainConfig, train_empathy

    out = tmp_path / "empathy"
    started = time.time()
    lines: list[str] = []
    train_empathy(
        epitome_dir, out, EmpathyTrainConfig(epochs=1, batch_size=8, max_len=48, device="cpu"), log=lines.append
    )
    assert time.time() - started < 60
    assert any("epoch 1" in line for line in lines)
    stored = json.loads((out / "config.json").read_text())
    final = stored["training"]["dev_final"]
    assert {"er", "ip", "ex", "tagging", "n"} <= set(final)
    assert stored["training"]["data"]["train_rationales_not_located"] == 0
    scorer = EmpathyScorer.load(out, device="cpu")
    (score,) = scorer.analyse(["What happened?"], ["I had a bad day."])
    assert set(score) == {"er", "ip", "ex"}


def test_malformed_goemotions_names_the_line(tmp_path):
    from inference.training.data import DataFormatError, read_goemotions

    path = tmp_path / "bad.tsv"
    path.write_text("fine text\t27\tid1\nbroken line without tabs\nlast\t3\tid3\n")
    with pytest.raises(DataFormatError, match=r"bad\.tsv, line 2: expected 3 tab-separated columns"):
        read_goemotions(path)
    path.write_text("fine text\t27\tid1\nlabel out of range\t28\tid2\n")
    with pytest.raises(DataFormatError, match=r"line 2: label ids must lie in 0\.\.27"):
        read_goemotions(path)
    path.write_text("fine text\t27\tid1\nnot numbers\tjoy\tid2\n")
    with pytest.raises(DataFormatError, match=r"line 2: label ids must be comma-separated integers"):
        read_goemotions(path)


def test_malformed_epitome_names_the_line(tmp_path):
    from inference.training.data import DataFormatError, read_epitome

    path = write_epitome(tmp_path / "bad.csv")
    rows = path.read_text().splitlines()
    rows[3] = rows[3].replace(",0,0,0,", ",0,7,0,")  # "Just take a pill." row: ip_level 7
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataFormatError, match=r"bad\.csv, line 4: ip_level must be 0, 1 or 2"):
        read_epitome(path)
    path.write_text("sp_id,rp_id,seeker_post\na,b,c\n")
    with pytest.raises(DataFormatError, match=r"line 1: header lacks column"):
        read_epitome(path)


def test_rationales_are_located_in_the_response():
    from inference.training.data import locate_span

    response = "I'm so sorry.  What   happened at work?"
    assert locate_span(response, "I'm so sorry.") == (0, 13)
    assert locate_span(response, "what happened at work?") is not None
    start, end = locate_span(response, "What happened at work?")
    assert response[start:end] == "What   happened at work?"
    assert locate_span(response, "not there") is None
