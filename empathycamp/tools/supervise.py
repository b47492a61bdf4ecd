"""Run the Procfile's processes and keep them running: ``python -m empathycamp.tools.supervise``.

``make run`` with PostgreSQL and Redis used honcho, which stops every process when one exits: a
worker that died with Redis took Daphne, and the whole site, down with it. Here a process that
exits is started again after a pause that doubles with each quick exit (1 s up to 30 s, back to
1 s once it has run for a minute); the others keep serving. Ctrl-C or SIGTERM stops them all.
Each line a process prints is prefixed with its name.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MIN_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0  # a process that ran this long is healthy again: its backoff resets
STOP_GRACE_S = 10.0
# Where the processes started here write their metrics for /metrics to add up (empathycamp/metrics.py).
METRICS_DIR_DEFAULT = Path("var") / "prometheus"


def metrics_dir_prepare(environ: dict[str, str] | os._Environ[str]) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for every process started here (var/prometheus unless set), emptied:
    prometheus_client reads it when a process starts, and files of an earlier run would add up."""
    path = Path(environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(METRICS_DIR_DEFAULT.resolve())))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def live_gauges_forget(directory: Path, pid: int) -> None:
    """A process that exited no longer counts in the live gauges (open websockets): its files go.
    Its counters stay in the sums, as a Prometheus counter must never go down."""
    for file in directory.glob(f"gauge_live*_{pid}.db"):
        file.unlink(missing_ok=True)


@dataclass
class Process:
    name: str
    command: list[str]
    popen: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = MIN_BACKOFF_S
    restart_at: float = 0.0
    restarts: int = 0
    threads: list[threading.Thread] = field(default_factory=list)


def read_procfile(path: Path) -> list[Process]:
    """``name: command`` lines; blank lines and # comments skipped."""
    processes = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(f"{path}, line {number}: expected 'name: command'")
        processes.append(Process(name=name.strip(), command=shlex.split(command.strip())))
    return processes


class Supervisor:
    def __init__(self, processes: list[Process], out: IO[str] = sys.stdout, metrics_dir: Path | None = None) -> None:
        self.processes = processes
        self.metrics_dir = metrics_dir
        self.out = out
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.width = max(len(p.name) for p in processes)

    def say(self, name: str, line: str) -> None:
        with self.lock:
            self.out.write(f"{name:<{self.width}} | {line}\n")
            self.out.flush()

    def start(self, process: Process) -> None:
        process.popen = subprocess.Popen(
            process.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.started = time.monotonic()
        stream = process.popen.stdout
        assert stream is not None
        reader = threading.Thread(target=self._pump, args=(process.name, stream), daemon=True)
        reader.start()
        process.threads = [reader]
        self.say(process.name, f"started (pid {process.popen.pid})")

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.say(name, raw.decode("utf-8", errors="replace").rstrip("\n"))

    def run(self) -> int:
        for process in self.processes:
            self.start(process)
        while not self.stopping.is_set():
            now = time.monotonic()
            for process in self.processes:
                popen = process.popen
                if popen is not None and popen.poll() is not None:
                    ran = now - process.started
                    process.backoff = (
                        MIN_BACKOFF_S if ran >= HEALTHY_AFTER_S else min(process.backoff * 2, MAX_BACKOFF_S)
                    )
                    process.restart_at = now + process.backoff
                    self.say(
                        process.name,
                        f"exited with {popen.returncode} after {ran:.0f} s; restarting in {process.backoff:.0f} s",
                    )
                    if self.metrics_dir is not None:
                        live_gauges_forget(self.metrics_dir, popen.pid)
                    process.popen = None
                elif popen is None and now >= process.restart_at:
                    process.restarts += 1
                    self.start(process)
            self.stopping.wait(0.2)
        return self.stop_all()

    def stop_all(self) -> int:
        for process in self.processes:
            if process.popen is not None and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--procfile", default="Procfile")
    args = parser.parse_args(argv)
    supervisor = Supervisor(read_procfile(Path(args.procfile)), metrics_dir=metrics_dir_prepare(os.environ))

    def stop(signum: int, frame: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return supervisor.run()


if __name__ == "__main__":
    raise SystemExit(main())
