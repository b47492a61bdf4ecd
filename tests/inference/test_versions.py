"""Model fingerprints: the same files give the same version, other weights or thresholds another."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from inference.versions import artefact_fingerprint

ARTEFACTS = Path(__file__).resolve().parents[2] / "inference" / "artefacts"


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def _copy(kind: str, tmp_path: Path) -> Path:
    folder = tmp_path / f"{kind}-copy"
    shutil.copytree(ARTEFACTS / kind, folder)
    return folder


@pytest.mark.parametrize("kind", ["emotion", "empathy"])
def test_fingerprint_follows_the_files_not_the_folder(kind, tmp_path):
    original = artefact_fingerprint(ARTEFACTS / kind, _config(ARTEFACTS / kind), "base")
    assert len(original) == 12 and int(original, 16) >= 0
    copy = _copy(kind, tmp_path)
    (copy / "MODEL_CARD.md").write_text("rewritten")
    assert artefact_fingerprint(copy, _config(copy), "base") == original
    assert artefact_fingerprint(copy, _config(copy), "another base") != original

    config = _config(copy)
    config["max_len"] = config.get("max_len", 128) - 1
    (copy / "config.json").write_text(json.dumps(config))
    assert artefact_fingerprint(copy, config, "base") != original


def test_fingerprint_changes_when_a_weight_changes(tmp_path):
    copy = _copy("emotion", tmp_path)
    config = _config(copy)
    before = artefact_fingerprint(copy, config, "base")
    shard = copy / config["shards"][-1]
    data = bytearray(shard.read_bytes())
    data[-1] ^= 0x01  # the last byte is tensor data, past the safetensors header
    shard.write_bytes(bytes(data))
    assert artefact_fingerprint(copy, config, "base") != before


def test_cards_name_the_fingerprint_of_the_files_beside_them(committed_models):
    for kind, model in (
        ("emotion", committed_models.emotion_detector()),
        ("empathy", committed_models.empathy_scorer()),
    ):
        card = (ARTEFACTS / kind / "MODEL_CARD.md").read_text()
        assert f"The fingerprint of the files beside this card is `{model.version}`." in card, kind
    assert "## Version fingerprint" in (ARTEFACTS / "safety" / "MODEL_CARD.md").read_text()


def test_a_loaded_model_keeps_its_version_across_loads_and_other_thresholds_change_it(tmp_path, committed_models):
    from inference.emotion import EmotionDetector

    served = committed_models.emotion_detector()
    again = EmotionDetector.load(ARTEFACTS / "emotion", device="cpu")
    assert again.version == served.version

    copy = tmp_path / "emotion"
    copy.mkdir()
    config = _config(ARTEFACTS / "emotion")
    for name in config["shards"]:
        (copy / name).symlink_to(ARTEFACTS / "emotion" / name)
    config["thresholds"] = [min(0.99, t + 0.05) for t in config["thresholds"]]
    (copy / "config.json").write_text(json.dumps(config))
    retuned = EmotionDetector.load(copy, device="cpu")
    assert retuned.version != served.version
    (reading,) = retuned.analyse(["Thanks, that helps a lot."])
    assert reading["probs"] == served.analyse(["Thanks, that helps a lot."])[0]["probs"]  # same weights
