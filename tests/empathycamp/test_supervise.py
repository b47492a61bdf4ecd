"""The process supervisor `make run` uses: a process that exits is started again, the others keep
running, and a stop ends them all."""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path

import pytest

from empathycamp.tools import supervise
from empathycamp.tools.supervise import Supervisor, read_procfile


def test_the_procfile_is_read_and_a_bad_line_is_named(tmp_path: Path):
    good = tmp_path / "Procfile"
    good.write_text("# comment\n\nweb: daphne -p 8000 app\nworker: celery -A x worker\n")
    assert [(p.name, p.command[0]) for p in read_procfile(good)] == [("web", "daphne"), ("worker", "celery")]
    bad = tmp_path / "Bad"
    bad.write_text("web daphne\n")
    with pytest.raises(SystemExit, match="line 1"):
        read_procfile(bad)


def test_a_process_that_dies_is_restarted_and_the_others_keep_running(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(supervise, "MIN_BACKOFF_S", 0.1)
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"steady: {sys.executable} -c \"import time; print('up', flush=True); time.sleep(60)\"\n"
        f"crashy: {sys.executable} -c \"print('crash', flush=True); raise SystemExit(3)\"\n"
    )
    out = io.StringIO()
    supervisor = Supervisor(read_procfile(procfile), out=out)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        crashy = supervisor.processes[1]
        while crashy.restarts < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        steady = supervisor.processes[0]
        assert crashy.restarts >= 2
        assert steady.popen is not None and steady.popen.poll() is None  # never stopped
        assert steady.restarts == 0
        assert "exited with 3" in out.getvalue()
    finally:
        supervisor.stopping.set()
        runner.join(timeout=20)
    assert not runner.is_alive()
    assert steady.popen.poll() is not None  # stopping stops them all


def test_the_metrics_directory_is_shared_emptied_and_forgets_live_gauges_of_exited_processes(
    tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the default, var/prometheus, is relative to where make run starts
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "counter_123.db").write_bytes(b"from an earlier run")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    assert supervise.metrics_dir_prepare(environ) == shared and list(shared.iterdir()) == []
    for name in ("gauge_livesum_41.db", "gauge_livesum_42.db", "counter_41.db"):
        (shared / name).write_bytes(b"")
    supervise.live_gauges_forget(shared, 41)
    assert sorted(p.name for p in shared.iterdir()) == ["counter_41.db", "gauge_livesum_42.db"]

    unset: dict[str, str] = {}
    path = supervise.metrics_dir_prepare(unset)
    assert unset["PROMETHEUS_MULTIPROC_DIR"] == str(path) and path.name == "prometheus" and path.is_dir()
