"""Readings pinned for the committed models: `analyses_pinned.json` holds analyse_turns' output for a
fixed set of turns, captured on CPU in float32 together with the models' fingerprints.
`test_analysis.py` checks the code path still gives exactly these readings while the artefacts are
the same ones; after a retrain (new fingerprints) re-capture with

    DJANGO_SETTINGS_MODULE=empathycamp.settings.test python -m tests.inference.pinned

and review the diff of the JSON as part of the model change.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

PINNED = Path(__file__).resolve().parent / "analyses_pinned.json"


def capture(turns: list[list[str]]) -> dict[str, Any]:
    from inference import registry
    from inference.analysis import TurnInput, analyse_turns, model_versions

    registry.configure(registry.InferenceConfig(device="cpu", threads=2, dtype="float32"))
    analyses = analyse_turns([TurnInput(text=text, context=context) for text, context in turns])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    for analysis in analyses:
        analysis.pop("models")  # type: ignore[misc]
    return {
        "about": (
            "analyse_turns output for these turns on CPU in float32 with the committed artefacts, captured "
            f"at {commit.stdout.strip() or 'an unknown commit'} by `python -m tests.inference.pinned`."
        ),
        "models": model_versions(),
        "turns": turns,
        "analyses": analyses,
    }


if __name__ == "__main__":
    previous = json.loads(PINNED.read_text())
    PINNED.write_text(json.dumps(capture(previous["turns"]), ensure_ascii=False, indent=1) + "\n")
    print(f"re-captured {PINNED}")
