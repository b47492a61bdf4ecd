"""Real processes for the end-to-end tests: daphne, Celery workers and beat, and a Redis server of a
test's own, each in its own process group with its output in a log file, plus the waits that bound
every step. Used by tests/courses/test_practice_e2e.py, test_practice_faults.py and
test_practice_scale_out.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: signal.Signals = signal.SIGTERM, wait: float = 10) -> None:
        if self.process.poll() is not None:
            return
        # Each service leads its own process group, so prefork children go down with it.
        for signum, timeout in ((sig, wait), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    services: list[Service] = field(default_factory=list)

    def dump(self) -> str:
        return "\n".join(f"----- {s.name} (exit {s.process.poll()}) -----\n{s.tail()}" for s in self.services)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def stack_env(*, connection: Any, redis_url: str, prefix: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a stack's processes: this test's database and a Redis, a channel-layer
    prefix of its own (another run on the same Redis never sees its events), offline models."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="empathycamp.settings.test",
        CHANNELS_PREFIX=f"{prefix}-{uuid.uuid4().hex[:8]}",
        VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        **extra,
    )
    return env


def daphne_start(name: str, port: int, env: dict[str, str], logs: Path) -> Service:
    """The ASGI server on 127.0.0.1:`port`, as the Procfile runs it."""
    args = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "empathycamp.asgi:application"]
    return service_start(name, args, env, logs)


def service_start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Service:
    """Start `args` in a process group of its own, stdout and stderr appended to logs/<name>.log."""
    log = logs / f"{name}.log"
    handle = log.open("ab")
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    handle.close()
    return Service(name=name, process=process, log=log)


def wait_for(
    what: str, check: Callable[[], Any], timeout: float, stack: Stack, *, may_exit: tuple[str, ...] = ()
) -> Any:
    """Poll `check` every 0.1 s until it returns something truthy (returned); fail after `timeout`
    seconds, or at once when a service not named in `may_exit` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        for service in stack.services:
            if service.name not in may_exit and service.process.poll() is not None:
                raise AssertionError(f"{service.name} exited while waiting for {what}\n{stack.dump()}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{stack.dump()}")
        time.sleep(0.1)


def http_ok(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def backends_wait_closed(connection: Any, timeout: float = 10.0) -> None:
    """PostgreSQL ends a killed client's backend a moment later; dropping the test database
    before then fails with "being accessed by other users"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, which the test may stop and start
    again: no snapshot, no append-only file, so a restart loses every key (queued messages too), as
    a Redis restarted without persistence does."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.logs = logs
        self.service: Service | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.service = service_start(
            "redis",
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", str(self.logs),
            ],
            dict(os.environ),
            self.logs,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.service.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start\n{self.service.tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop(signal.SIGTERM, wait=10)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
