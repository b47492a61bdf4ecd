"""Embedded mode (`make run`'s default) loads the models in the background as the server starts, so
the first learner turn does not wait 9-29 s for them; the server answers requests meanwhile."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WARM_S = 180  # a cold CPU shared with the rest of the suite

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_embedded_server_warms_its_models_before_any_turn_and_serves_meanwhile(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "INFERENCE_WARM_AT_START"}
    }
    env.update(DJANGO_SETTINGS_MODULE="empathycamp.settings.local", VAR_DIR=str(tmp_path), LOG_FORMAT="plain")
    log = tmp_path / "daphne.log"
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "empathycamp.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        answered_at = warm_at = None
        while time.monotonic() - started < WARM_S and warm_at is None:
            if answered_at is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                        if response.status == 200:
                            answered_at = time.monotonic() - started
                except OSError:
                    pass
            if "Inference models warm" in log.read_text(errors="replace"):
                warm_at = time.monotonic() - started
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        assert warm_at is not None, f"no warm-up within {WARM_S} s, and no learner asked:\n{text[-3000:]}"
        assert answered_at is not None and answered_at < warm_at, "the server did not answer while the models loaded"
        assert "Persona scripts of" in text  # read too: the first turn of each scenario waits for nothing
        print(f"embedded warm start: /healthz answered at {answered_at:.1f} s, models warm at {warm_at:.1f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
