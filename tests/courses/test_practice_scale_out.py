"""Scaling out, exercised on one machine (issue #11): two Daphne processes behind one HAProxy port
(Debian's, started by the test: round robin, no sticky sessions), on one Redis as channel layer and
broker, and two Celery workers taking turns from one queue, all on one PostgreSQL.

It proves what README's "Growing from one machine to several" relies on: a learner's socket on
one web process receives the analysis, reply tokens and reply.done of a turn submitted through the
other; every turn is analysed exactly once, by either worker, and both work; and each process
stays within its PostgreSQL connection budget while pages and sockets load it (the figures are
printed: run with -s).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.live_stack import (
    BIN,
    RedisServer,
    Service,
    Stack,
    backends_wait_closed,
    daphne_start,
    database_url,
    free_port,
    http_ok,
    service_start,
    stack_env,
    wait_for,
)

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
WEB = ("web-1", "web-2")
WORKERS = ("worker-1", "worker-2")
WORKER_READY_S = 150  # two workers loading and warming their models at once on two cores
SERVER_READY_S = 45
TURN_S = 60  # one turn through a loaded machine: save, analyse, reply
LEARNERS = 6
TURNS_EACH = 4
# Small batches, so that two workers share a few dozen turns instead of one taking them all at once.
BATCH_SIZE = 3
WEB_POOL_MAX = 4  # each web process's pool (DATABASE_POOL_MAX): the budget the test holds it to
PAGE_REQUESTS = 80  # pages fetched through the proxy while the sockets talk, 16 at a time

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(HAPROXY, os.X_OK), reason="haproxy is missing: run `make proxy`"),
    pytest.mark.timeout(330),
]

HAPROXY_CONFIG = """\
global
    log stdout format raw local0 info
    maxconn 2000

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # A websocket, once upgraded, is a tunnel: idle for this long before HAProxy closes it.
    timeout tunnel 1h

frontend site
    bind 127.0.0.1:{port}
    default_backend web

backend web
    # Round robin and no cookie: any request or socket may land on either process.
    balance roundrobin
    http-response set-header X-Served-By %[srv_name]
    server web-1 127.0.0.1:{web_1}
    server web-2 127.0.0.1:{web_2}
"""


@dataclass
class ScaleStack:
    stack: Stack
    proxy_url: str
    ws_url: str
    web_ports: dict[str, int]
    sampler: ConnectionSampler
    redis_url: str

    def redis_clients(self) -> int:
        """Connections Redis holds now (every web and worker process's, and this test's one)."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            return int(client.info("clients")["connected_clients"])
        finally:
            client.close()


class ConnectionSampler:
    """Counts the test database's connections per application_name every 0.2 s, keeping the peaks."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.peaks: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-connections", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True, application_name="scale-test-sampler") as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1"
                ).fetchall()
                for name, count in rows:
                    self.peaks[name] = max(self.peaks[name], count)
                time.sleep(0.2)


def _rss_mb(pid: int) -> int:
    """Resident memory of a process and its children (a prefork worker's child holds the models)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total // 1024


@pytest.fixture
def scale_stack(transactional_db: None, tmp_path: Path) -> Iterator[ScaleStack]:
    from django.core.management import call_command
    from django.db import connection

    from courses.models import Scenario

    if connection.vendor != "postgresql":
        pytest.skip("the scale-out test shares its database with other processes: it needs PostgreSQL (DATABASE_URL)")
    call_command("seed_demo", stdout=io.StringIO())
    # Long enough for every learner's turns, and no goal ends a session early.
    Scenario.objects.update(max_turns=TURNS_EACH + 4)

    logs = tmp_path / "logs"
    logs.mkdir()
    # A Redis of the test's own: another test run's workers on the shared Redis would take our turns.
    redis = RedisServer(logs)
    redis.start()
    ports = {name: free_port() for name in WEB}
    proxy_port = free_port()
    env = stack_env(
        connection=connection,
        redis_url=redis.url,
        prefix="scale",
        var_dir=tmp_path / "var",
        PRACTICE_TURNS_PER_MINUTE="600",
        PRACTICE_BATCH_SIZE=str(BATCH_SIZE),
        DATABASE_POOL_MAX=str(WEB_POOL_MAX),
    )
    env.pop("DATABASE_APPLICATION_NAME", None)
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    stack = Stack(url=proxy_url, env=env)
    sampler = ConnectionSampler(database_url(connection.settings_dict))
    try:
        for name in WORKERS:
            worker_env = dict(env, DATABASE_APPLICATION_NAME=f"empathycamp-{name}")
            # Workers use persistent connections (the pool is a web process's default; here it is
            # set for every process, so the workers are told not to pool, as on a worker host).
            worker_env.pop("DATABASE_POOL_MAX")
            stack.services.append(
                service_start(
                    name,
                    [
                        str(BIN / "celery"), "-A", "empathycamp", "worker", "-Q", "inference", "--concurrency", "1",
                        "-l", "info", "-n", f"{name}-{proxy_port}@%h", "--without-gossip", "--without-mingle",
                        "--without-heartbeat",
                    ],
                    worker_env,
                    logs,
                )
            )  # fmt: skip
        for name in WEB:
            stack.services.append(
                daphne_start(name, ports[name], dict(env, DATABASE_APPLICATION_NAME=f"empathycamp-{name}"), logs)
            )
        config = tmp_path / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=proxy_port, web_1=ports["web-1"], web_2=ports["web-2"]))
        stack.services.append(service_start("haproxy", [HAPROXY, "-db", "-f", str(config)], env, logs))
        sampler.start()
        yield ScaleStack(
            stack=stack,
            proxy_url=proxy_url,
            ws_url=f"ws://127.0.0.1:{proxy_port}",
            web_ports=ports,
            sampler=sampler,
            redis_url=redis.url,
        )
    finally:
        sampler.stop()
        for service in reversed(stack.services):
            service.stop()
        redis.stop()
        backends_wait_closed(connection)
        print(stack.dump())  # shown by pytest only when the test failed


def _service(stack: Stack, name: str) -> Service:
    return next(service for service in stack.services if service.name == name)


def _ready(scale: ScaleStack) -> None:
    stack = scale.stack
    for name, port in scale.web_ports.items():
        wait_for(name, lambda p=port: http_ok(f"http://127.0.0.1:{p}/healthz"), SERVER_READY_S, stack)
    wait_for("the proxy", lambda: http_ok(scale.proxy_url + "/healthz"), SERVER_READY_S, stack)
    for name in WORKERS:
        worker = _service(stack, name)
        wait_for(
            f"{name}'s warm models",
            lambda w=worker: re.search(r"Persona scripts of \d+ published scenarios read", w.text()),
            WORKER_READY_S,
            stack,
        )


# ----- A learner's socket, through the proxy ----------------------------------------------------


@dataclass
class LearnerSocket:
    ws: Any
    served_by: str
    session_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                self.events.append(json.loads(raw))
        except ConnectionClosed:
            return

    async def wait_for(self, what: str, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if predicate(event):
                    return event
            seen = len(self.events)
            if time.monotonic() > deadline:
                kinds = [event.get("type") for event in self.events]
                raise AssertionError(f"no {what} on the socket served by {self.served_by} in {timeout} s: {kinds}")
            await asyncio.sleep(0.05)

    async def submit(self, text: str) -> str:
        client_id = str(uuid.uuid4())
        await self.ws.send(json.dumps({"type": "turn.submit", "client_id": client_id, "text": text}))
        return client_id

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            await self.reader


async def _socket_open(scale: ScaleStack, *, session_id: str, cookie: str) -> LearnerSocket:
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    ws = await connect(
        f"{scale.ws_url}/ws/practice/{session_id}/",
        origin=Origin(scale.proxy_url),
        additional_headers={"Cookie": cookie},
        open_timeout=15,
        max_size=2**22,
    )
    assert ws.response is not None
    # The proxy names the Daphne that answered the upgrade: this socket lives there.
    socket = LearnerSocket(ws=ws, served_by=ws.response.headers.get("X-Served-By", "?"), session_id=session_id)
    socket.reader = asyncio.create_task(socket._read())
    await socket.wait_for("session.state", lambda e: e.get("type") == "session.state", 15)
    return socket


async def _turn_followed(sender: LearnerSocket, watchers: list[LearnerSocket], text: str) -> int:
    """Submit `text` on `sender`; on every watcher wait for the turn's analysis, reply tokens and
    reply.done. Returns the learner turn's id."""
    client_id = await sender.submit(text)
    saved = await sender.wait_for(
        "turn.saved", lambda e: e.get("type") == "turn.saved" and e["turn"].get("client_id") == client_id, TURN_S
    )
    turn_id = saved["turn"]["id"]
    for socket in watchers:
        await socket.wait_for(
            f"turn.analysis of {turn_id}",
            lambda e: e.get("type") == "turn.analysis" and e.get("turn_id") == turn_id,
            TURN_S,
        )
        start = await socket.wait_for(
            f"reply.start to {turn_id}",
            lambda e: e.get("type") == "reply.start" and e.get("in_reply_to") == turn_id,
            TURN_S,
        )
        persona_id = start["turn_id"]
        await socket.wait_for(
            f"reply.done of {persona_id}",
            lambda e, p=persona_id: e.get("type") == "reply.done" and e["turn"]["id"] == p,
            TURN_S,
        )
        tokens = [e for e in socket.events if e.get("type") == "reply.token" and e.get("turn_id") == persona_id]
        assert tokens, f"no reply.token of {persona_id} on the socket served by {socket.served_by}"
        done = next(e for e in socket.events if e.get("type") == "reply.done" and e["turn"]["id"] == persona_id)
        assert "".join(t["token"] for t in tokens).strip() == done["turn"]["text"].strip()
    return int(turn_id)


def _pages_fetch(url: str, count: int) -> Counter[str]:
    """`count` page requests through the proxy, 16 at a time; the backends that served them."""

    def fetch(_: int) -> str:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return str(response.headers.get("X-Served-By", "?"))

    with ThreadPoolExecutor(16) as pool:
        return Counter(pool.map(fetch, range(count)))


# ----- The test -----------------------------------------------------------------------------------


def test_two_web_processes_and_two_workers_share_learners_turns_exactly_once(scale_stack: ScaleStack) -> None:
    from courses.models import PracticeSession, Turn
    from empathycamp.tools.loadtest import LEARNER_LINES, accounts_create, scenario_pick

    scale = scale_stack
    scenario = scenario_pick()
    learners = accounts_create(count=1 + LEARNERS, scenario=scenario, sessions_each=1, run_tag=uuid.uuid4().hex[:6])
    _ready(scale)

    async def exercise() -> tuple[dict[str, LearnerSocket], list[LearnerSocket], Counter[str], int]:
        # 1. One learner's session open on two sockets, one on each web process (the proxy chooses:
        # open sockets until both have one). A turn sent on either reaches the other.
        first = learners[0]
        pinned: dict[str, LearnerSocket] = {}
        extra: list[LearnerSocket] = []
        for _ in range(6):
            socket = await _socket_open(scale, session_id=first.session_ids[0], cookie=first.cookie)
            if socket.served_by in pinned:
                extra.append(socket)
            else:
                pinned[socket.served_by] = socket
            if len(pinned) == len(WEB):
                break
        assert sorted(pinned) == sorted(WEB), f"the proxy sent every socket to {sorted(pinned)}"
        for socket in extra:
            await socket.close()
        await _turn_followed(pinned["web-2"], [pinned["web-1"], pinned["web-2"]], LEARNER_LINES[0])
        await _turn_followed(pinned["web-1"], [pinned["web-2"], pinned["web-1"]], LEARNER_LINES[2])

        # 2. More learners at once, each on whichever process the proxy picks, while pages load
        # through the same proxy: the two workers share the turns.
        others = [
            await _socket_open(scale, session_id=learner.session_ids[0], cookie=learner.cookie)
            for learner in learners[1:]
        ]
        pages = asyncio.create_task(
            asyncio.to_thread(_pages_fetch, scale.proxy_url + "/courses/empathy-foundations/", PAGE_REQUESTS)
        )

        async def converse(number: int, socket: LearnerSocket) -> None:
            for turn in range(TURNS_EACH):
                line = LEARNER_LINES[(number * TURNS_EACH + turn) % len(LEARNER_LINES)]
                await _turn_followed(socket, [socket], line)

        await asyncio.gather(*(converse(n, socket) for n, socket in enumerate(others)))
        served_pages = await pages
        await asyncio.sleep(1)  # any duplicate event would arrive now
        redis_clients = await asyncio.to_thread(scale.redis_clients)  # every socket still open
        for socket in [*pinned.values(), *others]:
            await socket.close()
        return pinned, others, served_pages, redis_clients

    pinned, others, served_pages, redis_clients = asyncio.run(exercise())
    stack = scale.stack

    # The proxy really spread the sockets and the pages, and each Daphne's own log shows the
    # upgrade it served: no stickiness was needed.
    assert Counter(socket.served_by for socket in others).keys() == set(WEB), [s.served_by for s in others]
    assert served_pages.keys() == set(WEB), served_pages
    path = f"WSCONNECT /ws/practice/{learners[0].session_ids[0]}/"
    for name in WEB:
        assert path in _service(stack, name).text(), f"{name} served no socket of the shared session"

    # Exactly once, as each socket saw it: one analysis and one reply per turn.
    for socket in [*pinned.values(), *others]:
        analyses = Counter(e["turn_id"] for e in socket.events if e.get("type") == "turn.analysis")
        replies = Counter(e["in_reply_to"] for e in socket.events if e.get("type") == "reply.start")
        assert analyses and set(analyses.values()) == {1}, f"{socket.served_by}: {analyses}"
        assert replies == analyses, f"{socket.served_by}: replies {replies} to analyses {analyses}"

    # …as the database holds it: every learner turn done, analysed, answered once…
    sessions = PracticeSession.objects.filter(pk__in=[learner.session_ids[0] for learner in learners])
    learner_turns = Turn.objects.filter(session__in=sessions, role=Turn.Role.LEARNER)
    expected = 2 + LEARNERS * TURNS_EACH
    assert learner_turns.count() == expected
    assert all(turn.status == Turn.Status.DONE and turn.analysis for turn in learner_turns)
    replies_in_db = Turn.objects.filter(session__in=sessions, role=Turn.Role.PERSONA, in_reply_to__isnull=False)
    assert replies_in_db.count() == expected

    # …and as the workers did it: batches that add up to every turn once, from both workers.
    analysed = {
        name: [int(n) for n in re.findall(r"practice batch: (\d+) turns analysed", _service(stack, name).text())]
        for name in WORKERS
    }
    assert sum(map(sum, analysed.values())) == expected, analysed
    assert all(analysed[name] for name in WORKERS), f"one worker did every turn: {analysed}"

    # PostgreSQL connections per process, at their peak under this load, within the budget.
    peaks = dict(scale.sampler.peaks)
    rss = {service.name: _rss_mb(service.process.pid) for service in stack.services}
    figures = {"connections_peak": peaks, "rss_mb": rss, "batches": analysed, "redis_clients": redis_clients}
    print("\nscale-out figures:", json.dumps(figures))
    for name in WEB:
        assert 1 <= peaks.get(f"empathycamp-{name}", 0) <= WEB_POOL_MAX, peaks
    for name in WORKERS:
        # The task thread's persistent connection; the warm-up thread closes its own when done.
        assert 1 <= peaks.get(f"empathycamp-{name}", 0) <= 2, peaks
