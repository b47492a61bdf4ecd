"""The committed artefacts: small, sharded, documented, and loadable offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "inference" / "artefacts"


@pytest.mark.parametrize("kind", ["emotion", "empathy"])
def test_artefact_is_small_sharded_and_has_a_card(kind):
    folder = ARTEFACTS / kind
    config = json.loads((folder / "config.json").read_text())
    shards = [folder / name for name in config["shards"]]
    assert all(p.is_file() for p in shards)
    assert sum(p.stat().st_size for p in shards) < 25_000_000
    assert all(p.stat().st_size < 16 * 1024 * 1024 for p in shards)
    card = (folder / "MODEL_CARD.md").read_text()
    for needed in ("Dev metrics per epoch", "Exact command", "Apache", "all-MiniLM-L6-v2"):
        assert needed in card
    assert ("Demszky" in card) if kind == "emotion" else ("Sharma" in card and "University of Washington" in card)


def test_models_load_offline_in_a_fresh_process():
    probe = (
        "import json; from inference.analysis import analyse_turns, TurnInput;"
        "r = analyse_turns([TurnInput('Thank you so much, this really helped me', 'Here is the plan.')]);"
        "print(json.dumps(r[0]['emotion']['labels']))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": "/nonexistent-hub-cache"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "gratitude" in json.loads(done.stdout.strip().splitlines()[-1])


def test_a_different_base_is_refused(tmp_path, committed_models):
    from inference.emotion import EmotionDetector
    from inference.encoder import ArtefactError

    config = json.loads((ARTEFACTS / "emotion" / "config.json").read_text())
    config["base_fingerprint"] = "0000000000000000"
    for name in config["shards"]:
        (tmp_path / name).symlink_to(ARTEFACTS / "emotion" / name)
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtefactError, match="another base model"):
        EmotionDetector.load(tmp_path)


def test_missing_artefact_says_so(tmp_path):
    from inference.emotion import EmotionDetector
    from inference.encoder import ArtefactError

    with pytest.raises(ArtefactError, match="config.json missing"):
        EmotionDetector.load(tmp_path)
