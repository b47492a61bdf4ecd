"""Faults against the real processes (issue #11, "Workers that survive faults"): daphne, a prefork
Celery worker (concurrency 1, queue inference, as in the Procfile), Celery beat (the sweeper),
PostgreSQL (the test database) and a Redis server of this module's own, which the tests stop and
start again. Learners talk over real websockets.

For every fault: each turn sent is saved, analysed once (one `turn.analysis` per turn, one persona
reply per turn) and nothing is lost; what the learner sees (events, close codes, HTTP answers) is
asserted; the figures are printed (run with -s) and are the ones README's "Operating it" table quotes.

One stack serves the whole module (the worker's warm-up takes 10-20 s); each test leaves it
running and healthy for the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import random
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.live_stack import (
    BIN,
    RedisServer,
    Service,
    Stack,
    backends_wait_closed,
    daphne_start,
    free_port,
    http_ok,
    service_start,
    stack_env,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

WARM_S = 120  # a worker child loading and warming the models on a loaded 2-core machine
# The sweeper's thresholds, lowered for the test (settings PRACTICE_STALE_*): a turn queued this long
# with no task gets one again; one running longer than the hard time limit lost its worker.
SWEEP_INTERVAL_S = 1
STALE_QUEUED_S = 5
SOFT_TIME_LIMIT_S = 45  # a 200-turn backlog's longest task took 16 s on 2 loaded cores
TIME_LIMIT_S = 50
STALE_RUNNING_S = TIME_LIMIT_S + 5
# A running turn whose claimer no longer beats is queued again after this (PRACTICE_ORPHANED_RUNNING_S).
ORPHANED_S = 10
REDIS_OUTAGE_S = 20  # fault 2, as the issue says
NO_WORKER_S = 20  # fault 4: longer than the heartbeat window (3 × WORKER_HEARTBEAT_S = 15 s), see the test
CLOSE_TRY_AGAIN = 4503  # empathycamp/layer_outage.py
BATCH_LINE = re.compile(r"practice batch: (\d+) turns analysed")

T = TypeVar("T")


# ----- The stack ------------------------------------------------------------------------------


@dataclass
class FaultStack:
    stack: Stack
    redis: RedisServer
    logs: Path
    worker_name: str
    scenario_id: int

    def service(self, name: str) -> Service:
        return next(s for s in self.stack.services if s.name == name)

    @property
    def worker(self) -> Service:
        return self.service("worker")

    def worker_start(self) -> None:
        self.stack.services = [s for s in self.stack.services if s.name != "worker"]
        self.stack.services.insert(
            0,
            service_start(
                "worker",
                [
                    str(BIN / "celery"), "-A", "empathycamp", "worker", "-Q", "inference", "-l", "info",
                    "--concurrency", "1", "-n", self.worker_name,
                ],
                self.stack.env,
                self.logs,
            ),
        )  # fmt: skip

    def worker_children(self) -> list[int]:
        """The prefork pool's child processes of the worker."""
        pid = self.worker.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def warm_wait(self, since: int, timeout: float = WARM_S) -> None:
        """Until a worker child says, after log offset `since`, that it has its models and scripts."""
        wait_for(
            "a warm worker child",
            lambda: "Persona scripts of" in self.worker.text()[since:],
            timeout,
            self.stack,
        )

    def batches_since(self, offset: int) -> int:
        """Turns the worker reports analysed (its one line per batch) after log offset `offset`."""
        return sum(int(n) for n in BATCH_LINE.findall(self.worker.text()[offset:]))


@contextlib.contextmanager
def _test_database() -> Iterator[None]:
    """The test database. pytest-django creates it only when a collected test asks for `db` or
    `transactional_db` (true whenever the suite runs); run alone, this module creates its own."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        pytest.skip("the fault tests share their database with other processes: they need PostgreSQL")
    if connection.settings_dict["NAME"].startswith("test_"):
        yield
        return
    created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        yield
    finally:
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def live(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultStack]:
    """Redis of our own, daphne, a prefork worker and beat on the test database; committed rows are
    visible to all of them. The database is flushed afterwards."""
    with django_db_blocker.unblock(), _test_database():
        from django.core.management import call_command
        from django.db import connection

        from courses.models import Scenario
        from empathycamp.tools.loadtest import scenario_pick

        call_command("seed_demo", stdout=io.StringIO())
        scenario: Scenario = scenario_pick()
        # Room for every turn the module sends in one session, and no goal to think about.
        Scenario.objects.filter(pk=scenario.pk).update(max_turns=50)
        scenario.goals.all().delete()

        tmp = tmp_path_factory.mktemp("faults")
        logs = tmp / "logs"
        logs.mkdir()
        redis = RedisServer(logs)
        redis.start()
        port = free_port()
        env = stack_env(
            connection=connection,
            redis_url=redis.url,
            prefix="faults",
            var_dir=tmp / "var",
            LOG_FORMAT="plain",
            # Learners here type faster than people: the turn limit is not under test.
            PRACTICE_TURNS_PER_MINUTE="1000",
            SWEEP_INTERVAL_S=str(SWEEP_INTERVAL_S),
            PRACTICE_STALE_QUEUED_S=str(STALE_QUEUED_S),
            PRACTICE_STALE_RUNNING_S=str(STALE_RUNNING_S),
            PRACTICE_ORPHANED_RUNNING_S=str(ORPHANED_S),
            CELERY_TASK_SOFT_TIME_LIMIT=str(SOFT_TIME_LIMIT_S),
            CELERY_TASK_TIME_LIMIT=str(TIME_LIMIT_S),
        )
        stack = Stack(url=f"http://127.0.0.1:{port}", env=env)
        live = FaultStack(stack=stack, redis=redis, logs=logs, worker_name=f"faults-{port}@%h", scenario_id=scenario.pk)
        try:
            live.worker_start()
            stack.services.append(
                service_start(
                    "beat",
                    [
                        str(BIN / "celery"), "-A", "empathycamp", "beat", "-l", "info",
                        "--schedule", str(tmp / "celerybeat-schedule"),
                    ],
                    env,
                    logs,
                )
            )  # fmt: skip
            stack.services.append(daphne_start("daphne", port, env, logs))
            wait_for("the server", lambda: http_ok(stack.url + "/healthz"), 60, stack)
            live.warm_wait(0)
            yield live
        finally:
            for service in reversed(stack.services):
                service.stop()
            redis.stop()
            backends_wait_closed(connection)
            print(stack.dump())
            # What the module committed must not leak into other tests.
            call_command("flush", verbosity=0, interactive=False)


# ----- Learners on real websockets ------------------------------------------------------------


class Loop:
    """An event loop in a thread of its own: the sockets stay open while the test, in its own
    (synchronous) thread, stops and starts processes and reads the database."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="learners", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@dataclass
class Learner:
    """One simulated learner's practice session and the events its sockets received."""

    session_id: str
    cookie: str
    ws_base: str
    origin: str
    events: list[dict[str, Any]] = field(default_factory=list)
    closes: list[int | None] = field(default_factory=list)  # close codes, one per socket that ended
    refusals: list[str] = field(default_factory=list)  # handshakes refused (an HTTP status)
    sent: dict[str, str] = field(default_factory=dict)  # client_id → text
    resent: int = 0  # turns sent again after a reconnect (never acknowledged before it)
    ws: Any = None
    reader: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        return self.ws is not None and self.reader is not None and not self.reader.done()

    async def connect(self, timeout: float = 20) -> bool:
        """Open a socket and wait for session.state; False (and why, in refusals) when it fails."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus
        from websockets.typing import Origin

        try:
            ws = await connect(
                f"{self.ws_base}/ws/practice/{self.session_id}/",
                origin=Origin(self.origin),
                additional_headers={"Cookie": self.cookie},
                open_timeout=timeout,
                close_timeout=2,
                max_size=2**22,
            )
        except InvalidStatus as refused:
            self.refusals.append(f"HTTP {refused.response.status_code}")
            return False
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self.refusals.append(type(exc).__name__)
            return False
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        except Exception:  # noqa: BLE001 - closed before the state came: the close code says why
            self.closes.append(ws.close_code)
            return False
        self.events.append(first)
        if first.get("type") != "session.state":
            await ws.close()
            self.closes.append(ws.close_code)
            return False
        self.ws = ws
        self.reader = asyncio.create_task(self._read(ws))
        # As the page does after every (re)connect: resend, with the same client_id, each turn the
        # server has not acknowledged (no turn.saved, not in the conversation it just sent).
        stored = {turn.get("client_id") for turn in first.get("turns", [])} | set(self.saved_ids())
        for client_id, text in self.sent.items():
            if client_id not in stored:
                self.resent += 1
                await ws.send(json.dumps({"type": "turn.submit", "client_id": client_id, "text": text}))
        return True

    async def _read(self, ws: Any) -> None:
        # However the socket ends, its close code is what counts.
        with contextlib.suppress(Exception):
            async for raw in ws:
                self.events.append(json.loads(raw))
        self.closes.append(ws.close_code)

    async def send(self, text: str) -> str:
        client_id = str(uuid.uuid4())
        self.sent[client_id] = text
        await self.ws.send(json.dumps({"type": "turn.submit", "client_id": client_id, "text": text}))
        return client_id

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait([self.reader], timeout=5)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == kind]

    def saved_ids(self) -> dict[str, int]:
        """client_id → turn id, from the turn.saved events."""
        return {
            e["turn"]["client_id"]: e["turn"]["id"]
            for e in self.of_type("turn.saved")
            if e["turn"].get("role") == "learner" and e["turn"].get("client_id") in self.sent
        }

    def analyses(self) -> Counter[int]:
        return Counter(e["turn_id"] for e in self.of_type("turn.analysis"))

    def replies(self) -> Counter[int]:
        return Counter(e["in_reply_to"] for e in self.of_type("reply.start"))


def learners_make(live: FaultStack, count: int, tag: str) -> list[Learner]:
    from courses.models import Scenario
    from empathycamp.tools.loadtest import accounts_create, target_parse

    target = target_parse(live.stack.url)
    scenario = Scenario.objects.get(pk=live.scenario_id)
    sims = accounts_create(count=count, scenario=scenario, sessions_each=1, run_tag=f"{tag}{uuid.uuid4().hex[:6]}")
    return [
        Learner(session_id=s.session_ids[0], cookie=s.cookie, ws_base=target.ws_base, origin=target.origin)
        for s in sims
    ]


def lines(count: int, offset: int = 0) -> list[str]:
    from empathycamp.tools.loadtest import LEARNER_LINES

    return [LEARNER_LINES[(offset + i) % len(LEARNER_LINES)] for i in range(count)]


async def connect_all(learners: list[Learner], timeout: float = 30) -> int:
    """Connect every learner not connected, all at once; how many failed."""
    results = await asyncio.wait_for(
        asyncio.gather(*(learner.connect() for learner in learners if not learner.open)), timeout
    )
    return sum(1 for ok in results if not ok)


async def connect_all_as_pages(learners: list[Learner], within: float = 60) -> tuple[int, int]:
    """Every learner not connected reconnects as the practice page does (static/js/practice/socket.js:
    after 0.5 s, doubling to 30 s, each delay randomised in its upper half) until connected or
    `within` seconds have passed. Returns (first attempts that failed, learners never connected)."""
    rng = random.Random(11)
    deadline = time.monotonic() + within
    first_failures = 0

    async def one(learner: Learner) -> bool:
        nonlocal first_failures
        attempt = 0
        while True:
            cap = min(30.0, 0.5 * 2**attempt)
            await asyncio.sleep(min(max(0.0, deadline - time.monotonic()), cap / 2 + rng.random() * cap / 2))
            if await learner.connect(timeout=max(1.0, min(20.0, deadline - time.monotonic()))):
                return True
            first_failures += attempt == 0
            attempt += 1
            if time.monotonic() >= deadline:
                return False

    results = await asyncio.gather(*(one(learner) for learner in learners if not learner.open))
    return first_failures, sum(1 for ok in results if not ok)


async def close_all(learners: list[Learner]) -> None:
    await asyncio.gather(*(learner.close() for learner in learners), return_exceptions=True)


def turns_of(learners: list[Learner]) -> list[Any]:
    """The learner turns of these learners' sessions, from the database."""
    from courses.models import Turn

    return list(
        Turn.objects.filter(session_id__in=[learner.session_id for learner in learners], role=Turn.Role.LEARNER)
    )


def all_done(learners: list[Learner], expected: int) -> bool:
    turns = turns_of(learners)
    return len(turns) == expected and all(t.status == "done" for t in turns)


def assert_each_analysed_once(learners: list[Learner], *, connected_throughout: bool) -> None:
    """Every turn sent is saved, done with an analysis and exactly one persona reply; no socket saw
    a turn's analysis or reply twice (exactly once where the socket stayed open throughout)."""
    from courses.models import Turn

    turns = {t.pk: t for t in turns_of(learners)}
    sent = sum(len(learner.sent) for learner in learners)
    assert len(turns) == sent, f"{sent} turns sent, {len(turns)} saved"
    assert {t.status for t in turns.values()} == {"done"}, Counter(t.status for t in turns.values())
    assert all(t.analysis for t in turns.values())
    replies = Counter(
        Turn.objects.filter(in_reply_to_id__in=list(turns), role=Turn.Role.PERSONA).values_list(
            "in_reply_to_id", flat=True
        )
    )
    assert all(replies[pk] == 1 for pk in turns), f"turns without exactly one persona reply: {replies}"
    for learner in learners:
        analyses, replies_seen = learner.analyses(), learner.replies()
        mine = [pk for pk in turns if turns[pk].session_id == uuid.UUID(learner.session_id)]
        assert all(analyses[pk] <= 1 and replies_seen[pk] <= 1 for pk in mine), (analyses, replies_seen)
        if connected_throughout:
            assert all(analyses[pk] == 1 and replies_seen[pk] == 1 for pk in mine), (mine, analyses, replies_seen)


def figures(fault: str, **values: Any) -> None:
    """The numbers README's table quotes (pytest -s shows them)."""
    print(f"\nFAULT FIGURES {fault}: " + json.dumps(values))


@pytest.fixture
def loop(live: FaultStack) -> Iterator[Loop]:
    # Every test starts on a healthy stack: Redis up and a warm worker (one test's failure, mid-fault,
    # must not fail the next ones).
    if not live.redis.ping():
        live.redis.start()
    if not live.worker.alive():
        offset = len(live.worker.text())
        live.worker_start()
        live.warm_wait(offset)
    loop = Loop()
    yield loop
    loop.close()


def send_rounds(loop: Loop, learners: list[Learner], *, rounds: int) -> int:
    """Each learner sends a turn, `rounds` times over, each a different line; returns how many were sent."""

    async def send_all() -> None:
        for round_ in range(rounds):
            for i, learner in enumerate(learners):
                await learner.send(lines(1, offset=round_ * len(learners) + i)[0])

    loop.run(send_all(), 20)
    return rounds * len(learners)


def running_turn_ids(learners: list[Learner]) -> list[int]:
    return [t.pk for t in turns_of(learners) if t.status == "running"]


# ----- 1. A worker child killed in the middle of a batch ----------------------------------------


def test_worker_child_killed_mid_batch(live: FaultStack, loop: Loop) -> None:
    """kill -9 of the pool child while it analyses a batch: a new child comes up, the message goes
    back to the queue (acks late, rejected when the worker is lost), the sweeper queues the turns
    the dead child held again, and every turn is analysed exactly once."""
    learners = learners_make(live, 6, "kill")
    assert loop.run(connect_all(learners), 40) == 0
    offset = len(live.worker.text())
    [child] = live.worker_children()

    sent = send_rounds(loop, learners, rounds=3)
    held = wait_for("a batch in the child's hands", lambda: running_turn_ids(learners), 30, live.stack)
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    killed_wall = time.time()
    held = running_turn_ids(learners)  # what the dead child held (nothing else can claim this fast)
    wait_for(
        "a new pool child",
        lambda: [pid for pid in live.worker_children() if pid != child],
        30,
        live.stack,
    )
    wait_for("every turn analysed", lambda: all_done(learners, sent), STALE_RUNNING_S + WARM_S, live.stack)
    recovered_s = time.monotonic() - killed_at
    # Every turn's analysis and reply reach the page once it is done.
    wait_for(
        "the last replies on the sockets",
        lambda: all(len(learner.replies()) == len(learner.sent) for learner in learners),
        30,
        live.stack,
    )
    loop.run(close_all(learners), 20)

    assert live.worker.alive()
    log = live.worker.text()[offset:]
    assert "signal 9" in log or "WorkerLostError" in log, log[-3000:]
    assert_each_analysed_once(learners, connected_throughout=True)
    analysed = live.batches_since(offset)
    # The dead child's batch never finished; every other turn was analysed once: none twice.
    assert sent - len(held) <= analysed <= sent, (analysed, sent, held)
    assert all(learner.closes == [None] or learner.closes == [1000] for learner in learners), [
        learner.closes for learner in learners
    ]
    assert not any(learner.of_type("error") for learner in learners)
    # The dead child's turns went back to the queue because it stopped beating, long before the
    # running limit: by the orphan rule, not by waiting out PRACTICE_STALE_RUNNING_S.
    requeued = [t.requeued_at.timestamp() - killed_wall for t in turns_of(learners) if t.pk in held]
    assert held and all(r is not None for r in requeued)
    assert max(requeued) < STALE_RUNNING_S - 15, requeued
    figures(
        "1 worker child kill -9",
        sent=sent,
        analysed=len(turns_of(learners)),
        lost=0,
        held_by_dead_child=len(held),
        requeued_after_s=round(max(requeued), 1),
        recovery_s=round(recovered_s, 1),
    )


# ----- 2. Redis stopped for 20 s while the worker holds unacknowledged messages -------------------


def page_status(live: FaultStack, learner: Learner) -> int:
    """The HTTP status of the practice page, as a reload of it gets it."""
    request = urllib.request.Request(
        f"{live.stack.url}/practice/{learner.session_id}/", headers={"Cookie": learner.cookie}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_redis_outage_with_unacked_messages(live: FaultStack, loop: Loop) -> None:
    """Redis stopped for 20 s while the worker runs a batch (its message unacknowledged): the worker
    survives (kombu used to end it with "Unrecoverable error: AttributeError('NoneType' object has
    no attribute 'hostname')"), reconnects, and every turn is analysed once Redis is back; a page
    reloaded meanwhile gets an answer, never a 500."""
    learners = learners_make(live, 6, "outage")
    assert loop.run(connect_all(learners), 40) == 0
    offset = len(live.worker.text())

    sent = send_rounds(loop, learners, rounds=3)
    wait_for("a batch in the worker's hands", lambda: running_turn_ids(learners), 30, live.stack)
    live.redis.stop()
    stopped_at = time.monotonic()
    # During the outage: a page reload and a socket reconnect get an answer, never a 500.
    statuses = {page_status(live, learner) for learner in learners[:2]}
    reconnect = Learner(
        session_id=learners[0].session_id, cookie=learners[0].cookie, ws_base=learners[0].ws_base,
        origin=learners[0].origin,
    )  # fmt: skip
    loop.run(reconnect.connect(timeout=10), 20)
    time.sleep(max(0.0, REDIS_OUTAGE_S - (time.monotonic() - stopped_at)))  # the outage itself
    worker_alive_through = live.worker.alive()
    live.redis.start()
    restarted_at = time.monotonic()
    print(f"\noutage: page {statuses}, reconnect refusals {reconnect.refusals}, closes {reconnect.closes}")
    print(f"sockets closed by the outage: {[learner.closes for learner in learners]}")

    # The pages reconnect (the practice page does, with back-off) and read the conversation back.
    def reconnected() -> bool:
        return loop.run(connect_all(learners), 60) == 0

    wait_for("the learners' sockets back", reconnected, 60, live.stack)
    wait_for("every turn analysed", lambda: all_done(learners, sent), STALE_QUEUED_S + STALE_RUNNING_S + 60, live.stack)
    recovered_s = time.monotonic() - restarted_at
    loop.run(close_all(learners), 20)

    log = live.worker.text()[offset:]
    assert worker_alive_through and live.worker.alive(), log[-4000:]
    assert "Unrecoverable error" not in log, log[-4000:]
    # What the learner sees: the page reloads (200, the conversation from the database); its socket
    # is closed with "try again later" (4503) and reconnects, never a 500 or a 1011.
    assert statuses == {200}
    assert reconnect.refusals == [] and reconnect.closes == [CLOSE_TRY_AGAIN], (reconnect.refusals, reconnect.closes)
    assert all(learner.closes[0] == CLOSE_TRY_AGAIN for learner in learners), [learner.closes for learner in learners]
    assert not any(1011 in learner.closes for learner in learners)
    assert_each_analysed_once(learners, connected_throughout=False)
    assert live.batches_since(offset) <= sent
    figures(
        "2 redis down 20 s",
        sent=sent,
        analysed=len(turns_of(learners)),
        lost=0,
        resent_after_reconnect=sum(learner.resent for learner in learners),
        page_status=sorted(statuses),
        socket_close_codes=sorted({code for learner in learners for code in learner.closes if code}),
        recovery_s=round(recovered_s, 1),
    )


# ----- 3 and 5. The first turns after a Redis restart, from 5 and from 200 learners at once ---------


def restart_then_one_turn_each(live: FaultStack, loop: Loop, learners: list[Learner]) -> dict[str, Any]:
    """Redis restarted under open sockets; every page reconnects at once and sends a turn at once.
    Returns the figures; asserts that nothing was refused, lost or closed with 1011."""
    daphne = live.service("daphne")
    # The learners arrive (not under test: 25 at a time) and are connected when Redis restarts.
    for start in range(0, len(learners), 25):
        chunk = learners[start : start + 25]
        assert loop.run(connect_all(chunk, timeout=60), 90) == 0, [
            learner.refusals for learner in chunk if learner.refusals
        ]
    daphne_offset, worker_offset = len(daphne.text()), len(live.worker.text())
    live.redis.stop()
    live.redis.start()
    restarted_at = time.monotonic()
    # The open sockets hear of it (their layer connection broke) and close with 4503.
    wait_for("the sockets closed by the restart", lambda: not any(learner.open for learner in learners), 60, live.stack)
    # Every page reconnects at once (within its first back-off, 0.25-0.5 s).
    first_failures, reconnect_failures = loop.run(connect_all_as_pages(learners, within=90), 120)
    reconnected_s = time.monotonic() - restarted_at

    async def one_turn_each() -> None:
        await asyncio.gather(*(learner.send(lines(1, offset=i)[0]) for i, learner in enumerate(learners)))

    loop.run(one_turn_each(), 60)
    sent = len(learners)
    wait_for(
        "every turn saved and acknowledged",
        lambda: sum(len(learner.saved_ids()) for learner in learners) == sent,
        60,
        live.stack,
    )
    saved_s = time.monotonic() - restarted_at
    wait_for("every turn analysed", lambda: all_done(learners, sent), 240, live.stack)
    analysed_s = time.monotonic() - restarted_at
    wait_for(
        "every reply on its socket",
        lambda: all(len(learner.replies()) == 1 for learner in learners),
        60,
        live.stack,
    )
    loop.run(close_all(learners), 60)

    assert reconnect_failures == 0, [learner.refusals for learner in learners if learner.refusals]
    assert not any(1011 in learner.closes for learner in learners), Counter(
        c for learner in learners for c in learner.closes
    )
    assert not any(learner.of_type("error") for learner in learners), [
        learner.of_type("error") for learner in learners
    ][:3]
    # The turn path: saved AND queued at once (not left to the sweeper), its event sent.
    log = daphne.text()[daphne_offset:]
    assert "saved but not queued" not in log and "event was not sent" not in log, log[-4000:]
    assert_each_analysed_once(learners, connected_throughout=True)
    assert live.batches_since(worker_offset) == sent
    return {
        "sent": sent,
        "analysed": len(turns_of(learners)),
        "lost": 0,
        "connection_failures": reconnect_failures,
        "first_reconnects_refused": first_failures,
        "close_codes": sorted({code for learner in learners for code in learner.closes if code}),
        "all_reconnected_s": round(reconnected_s, 1),
        "all_saved_s": round(saved_s, 1),
        "all_analysed_s": round(analysed_s, 1),
    }


def test_first_turn_after_a_redis_restart(live: FaultStack, loop: Loop) -> None:
    """Redis restarted: the sockets close with 4503 and reconnect; the first turn on each is saved,
    queued at once and analysed, and no socket closes with 1011."""
    learners = learners_make(live, 5, "first")
    figures("3 first turn after redis restart", **restart_then_one_turn_each(live, loop, learners))


def test_two_hundred_sockets_after_a_redis_restart(live: FaultStack, loop: Loop) -> None:
    """200 learners reconnecting and sending at once after a Redis restart: no connection refused
    (redis-py's "Too many connections" at a pool of 100 was the old failure), no turn lost."""
    learners = learners_make(live, 200, "crowd")
    figures("5 200 sockets after redis restart", **restart_then_one_turn_each(live, loop, learners))


# ----- 4. No worker for a while ----------------------------------------------------------------


def test_no_worker_then_one_comes_back(live: FaultStack, loop: Loop) -> None:
    """The worker stopped, turns sent, the worker started again: the words are saved at once, the
    page is told analysis is delayed while no worker is alive and told when it resumes, and every
    turn is analysed once a worker is back.

    The outage is NO_WORKER_S (20 s), not the issue's 60 s: the notice needs only that no warm worker
    child has beaten for the heartbeat window (3 × WORKER_HEARTBEAT_S = 15 s by default; a child that
    shuts down cleanly withdraws its beat, so the notice comes at once), and 20 s holds the turns
    past that window; the sweeper queues them again meanwhile (STALE_QUEUED_S), harmlessly."""
    learners = learners_make(live, 4, "noworker")
    assert loop.run(connect_all(learners), 40) == 0
    live.worker.stop()  # a warm shutdown: the child withdraws its heartbeat
    stopped_at = time.monotonic()

    async def send_all() -> None:
        for round_ in range(2):
            for i, learner in enumerate(learners):
                await learner.send(lines(1, offset=round_ * 4 + i)[0])

    loop.run(send_all(), 20)
    sent = 8
    wait_for(
        "every turn saved",
        lambda: sum(len(learner.saved_ids()) for learner in learners) == sent,
        20,
        live.stack,
        may_exit=("worker",),
    )
    saved_s = time.monotonic() - stopped_at
    wait_for(
        "analysis.delayed on every socket",
        lambda: all(learner.of_type("analysis.delayed") for learner in learners),
        30,
        live.stack,
        may_exit=("worker",),
    )
    delayed_s = time.monotonic() - stopped_at
    assert {t.status for t in turns_of(learners)} == {"queued"}
    time.sleep(max(0.0, NO_WORKER_S - (time.monotonic() - stopped_at)))  # the outage itself
    assert {t.status for t in turns_of(learners)} == {"queued"}
    offset = len(live.worker.text())
    live.worker_start()
    started_at = time.monotonic()
    wait_for("every turn analysed", lambda: all_done(learners, sent), WARM_S, live.stack)
    analysed_s = time.monotonic() - started_at
    wait_for(
        "analysis.resumed and every reply on the sockets",
        lambda: all(learner.of_type("analysis.resumed") and len(learner.replies()) == 2 for learner in learners),
        30,
        live.stack,
    )
    loop.run(close_all(learners), 20)
    live.warm_wait(offset)  # the next test finds it warm

    for learner in learners:
        kinds = [e["type"] for e in learner.events if e["type"] in ("analysis.delayed", "analysis.resumed")]
        assert kinds == ["analysis.delayed", "analysis.resumed"], kinds
    assert all(learner.closes == [1000] for learner in learners), [learner.closes for learner in learners]
    assert not any(learner.of_type("error") for learner in learners)
    assert_each_analysed_once(learners, connected_throughout=True)
    assert live.batches_since(offset) == sent
    figures(
        "4 no worker",
        sent=sent,
        analysed=len(turns_of(learners)),
        lost=0,
        outage_s=NO_WORKER_S,
        saved_within_s=round(saved_s, 1),
        delayed_notice_after_s=round(delayed_s, 1),
        analysed_after_worker_start_s=round(analysed_s, 1),
    )
