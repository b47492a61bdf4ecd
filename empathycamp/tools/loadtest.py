"""A load test of live practice against a running server: N learners, M turns each.

It measures what a learner waits for: the time from sending a turn to seeing its analysis
(`turn.analysis`). Accounts and practice sessions are written straight into the server's
database (the command and the server share DATABASE_URL), each learner is logged in by a
Django session created directly, and every learner talks to the server over a real websocket.

Loopback only: this is a tool for one's own machine, never a way to load someone else's server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.utils import timezone

from courses.models import Course, PracticeSession, Scenario
from courses.practice import events

ACCOUNT_EMAIL_DOMAIN = "loadtest.invalid"
ACCOUNT_PREFIX = "loadtest-"
# Accounts a crashed earlier run left behind are removed once they are this old.
STALE_AFTER = timedelta(hours=1)
DEMO_COURSE_SLUG = "empathy-foundations"

# What learners write: a mix of strong, partial and weak empathy, questions and plain statements,
# short and long, so the analysis, the persona engine and the batching see realistic variety.
# None of them should trip the safety screen: a paused session would stall a simulated learner.
LEARNER_LINES: tuple[str, ...] = (
    "That sounds really frustrating, I'm sorry this happened.",
    "I can hear how upset you are about this.",
    "It sounds like you've been carrying this on your own for a while.",
    "What has been the hardest part of it for you?",
    "Can you tell me more about what happened?",
    "Okay. What do you want me to do about it?",
    "I understand. Let me look into it.",
    "You must feel let down, especially after waiting so long.",
    "That makes sense — anyone would be annoyed after three cancellations.",
    "How are you feeling about it now?",
    "I'm really glad you told me. That took courage.",
    "It seems like you felt nobody was listening to you.",
    "Well, these things happen sometimes.",
    "I'm sorry. What would help most right now?",
    "That sounds exhausting. How have you been coping with it?",
    "If I understand you right, the worst part was not being told anything.",
    "Thanks for explaining. I want to make sure I get this right for you.",
    "I'd be disappointed too. What were you hoping would happen?",
    "It sounds like this really matters to you, and it was important to get it right.",
    "Have you tried contacting them again?",
    "I hear you. That's a lot to deal with in one week.",
    "So you felt blindsided by the decision. Is that right?",
    "That must have been lonely. Who have you been able to talk to?",
    "I'm sorry you had to go through that. What happened next?",
    "You have every reason to be upset. Let's see what we can sort out together.",
    "It sounds like you were really looking forward to it, and now it feels ruined.",
    "Hmm, okay.",
    "What worries you most about how this turns out?",
    "I can see why that would sting, especially from someone you trust.",
    "Thank you for your patience. I know this has taken far too long, and I'm sorry for the stress it caused.",
)  # fmt: skip


class LoadtestError(Exception):
    """The load test cannot start (bad URL, no server, no scenario)."""


@dataclass(frozen=True)
class Target:
    http_base: str
    ws_base: str
    origin: str


@dataclass
class SimulatedLearner:
    user_id: int
    username: str
    cookie: str
    session_key: str
    session_ids: list[str]


@dataclass
class LoadtestResult:
    learners: int
    turns: int
    think_ms: int = 0
    ramp_s: float = 0.0
    sent: int = 0
    saved: int = 0
    analysed: int = 0
    failed: int = 0
    refused: int = 0
    timed_out: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    saved_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    connect_failures: int = 0
    duration_s: float = 0.0
    overall_timeout_hit: bool = False

    @property
    def lost(self) -> int:
        """Turns sent that were neither analysed, nor failed with a reason, nor refused with an error."""
        return max(0, self.sent - self.analysed - self.failed - self.refused)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "analysed": self.analysed,
            "lost": self.lost,
            "p50_ms": _round(percentile(self.latencies_ms, 50)),
            "p95_ms": _round(percentile(self.latencies_ms, 95)),
            "max_ms": _round(max(self.latencies_ms) if self.latencies_ms else None),
            "learners": self.learners,
            "turns": self.turns,
            "think_ms": self.think_ms,
            "ramp_s": self.ramp_s,
            "saved": self.saved,
            "failed": self.failed,
            "refused": self.refused,
            "saved_p95_ms": _round(percentile(self.saved_ms, 95)),
            "connect_failures": self.connect_failures,
            "errors": dict(self.errors),
            "duration_s": round(self.duration_s, 2),
            "overall_timeout_hit": self.overall_timeout_hit,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every figure reported was really observed)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# ----- Target and data ---------------------------------------------------------------------


def target_parse(url: str) -> Target:
    """The server's HTTP and websocket bases; LoadtestError unless the host is a loopback address."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise LoadtestError(f"Give the server as http://127.0.0.1:PORT, not {url!r}.")
    host = parts.hostname
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False  # a name other than localhost: never resolved, never trusted
        if not loopback:
            raise LoadtestError(
                f"Refusing to load {host!r}: the load test only runs against loopback (127.0.0.1, ::1, localhost)."
            )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return Target(
        http_base=f"{parts.scheme}://{netloc}", ws_base=f"{ws_scheme}://{netloc}", origin=f"{parts.scheme}://{netloc}"
    )


def server_check(target: Target, timeout: float = 5.0) -> None:
    """LoadtestError unless something answers HTTP at the target."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(target.http_base + "/", timeout=timeout)
    except urllib.error.HTTPError:
        return  # it answered; a 404 or a redirect is still a server
    except OSError as exc:
        raise LoadtestError(f"No server answers at {target.http_base} ({exc}). Start it first (make run).") from exc


def scenario_pick(scenario_id: int | None = None) -> Scenario:
    """The scenario to practise: the one asked for, or the demo course's longest one."""
    if scenario_id is not None:
        try:
            return Scenario.objects.get(pk=scenario_id)
        except Scenario.DoesNotExist:
            raise LoadtestError(f"No scenario with id {scenario_id}.") from None
    scenario = (
        Scenario.objects.filter(module__course__slug=DEMO_COURSE_SLUG).order_by("-max_turns", "id").first()
        or Scenario.objects.order_by("-max_turns", "id").first()
    )
    if scenario is None:
        raise LoadtestError("There is no scenario to practise. Load the demo course first: python manage.py seed_demo")
    return scenario


def _session_store() -> type[SessionBase]:
    # The engine is named in settings, so its module is only known at run time.
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


def practice_session_open(*, learner: Any, scenario: Scenario) -> PracticeSession:
    """A fresh practice session, written by the same service the practice page uses."""
    from courses.services.practice import practice_session_start

    return practice_session_start(learner=learner, scenario=scenario)


def accounts_create(*, count: int, scenario: Scenario, sessions_each: int, run_tag: str) -> list[SimulatedLearner]:
    """Throwaway learners, enrolled in the scenario's course, each logged in and with practice sessions ready."""
    learners: list[SimulatedLearner] = []
    try:
        for i in range(count):
            learners.append(
                _learner_create(
                    username=f"{ACCOUNT_PREFIX}{run_tag}-{i:03d}", scenario=scenario, sessions_each=sessions_each
                )
            )
    except BaseException:
        # Half a set-up is still cleaned up: nothing a failed run writes stays behind.
        accounts_delete(learners)
        get_user_model().objects.filter(username__startswith=f"{ACCOUNT_PREFIX}{run_tag}-").delete()
        raise
    return learners


def _learner_create(*, username: str, scenario: Scenario, sessions_each: int) -> SimulatedLearner:
    from courses.services.enrollments import enrollment_create

    user = get_user_model()(username=username, email=f"{username}@{ACCOUNT_EMAIL_DOMAIN}")
    user.set_unusable_password()
    user.save()
    course: Course = scenario.module.course
    if course.is_published:
        enrollment_create(learner=user, course=course)
    # Logged in the way django.contrib.auth.login does it, without a password round trip.
    store = _session_store()()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    session_key = store.session_key
    assert session_key is not None  # create() has just saved the session under a fresh key
    session_ids = [str(practice_session_open(learner=user, scenario=scenario).pk) for _ in range(sessions_each)]
    return SimulatedLearner(
        user_id=user.pk,
        username=username,
        cookie=f"{settings.SESSION_COOKIE_NAME}={session_key}",
        session_key=session_key,
        session_ids=session_ids,
    )


def accounts_delete(learners: list[SimulatedLearner]) -> int:
    """Remove the learners, their practice sessions and turns (by cascade) and their logins."""
    SessionStore = _session_store()
    for learner in learners:
        SessionStore(session_key=learner.session_key).delete()
    deleted, _ = get_user_model().objects.filter(pk__in=[learner.user_id for learner in learners]).delete()
    return deleted


def stale_accounts_delete() -> int:
    """Remove load-test accounts that a crashed run left behind (older than an hour)."""
    qs = get_user_model().objects.filter(
        username__startswith=ACCOUNT_PREFIX,
        email__endswith=f"@{ACCOUNT_EMAIL_DOMAIN}",
        date_joined__lt=timezone.now() - STALE_AFTER,
    )
    deleted, _ = qs.delete()
    return deleted


# ----- The websocket side --------------------------------------------------------------------


@dataclass
class _TurnOutcome:
    session_ended: bool = False
    gave_up: bool = False


async def _recv(ws: Any, timeout: float) -> dict[str, Any] | None:
    try:
        raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, timeout))
    except TimeoutError:
        return None
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def _one_turn(ws: Any, text: str, result: LoadtestResult, turn_timeout: float, deadline: float) -> _TurnOutcome:
    """Send one turn and follow it to its reply: analysis latency is the figure that counts."""
    client_id = str(uuid.uuid4())
    sent_at = time.perf_counter()
    await ws.send(json.dumps({"type": events.TURN_SUBMIT, "client_id": client_id, "text": text}))
    result.sent += 1
    give_up_at = min(deadline, time.monotonic() + turn_timeout)
    turn_id: int | None = None
    persona_id: int | None = None
    analysed = False
    outcome = _TurnOutcome()
    while True:
        left = give_up_at - time.monotonic()
        if left <= 0:
            if not analysed:
                result.timed_out += 1
                outcome.gave_up = True
                stage = "never saved" if turn_id is None else "saved, never analysed"
                result.errors[f"timed out: {stage}"] += 1
            return outcome
        data = await _recv(ws, left)
        if data is None:
            continue
        kind = data.get("type")
        if kind == events.TURN_SAVED and (data.get("turn") or {}).get("client_id") == client_id:
            turn_id = data["turn"].get("id")
            result.saved += 1
            result.saved_ms.append((time.perf_counter() - sent_at) * 1000)
        elif kind == events.TURN_ANALYSIS and turn_id is not None and data.get("turn_id") == turn_id:
            if not analysed:
                analysed = True
                result.analysed += 1
                result.latencies_ms.append((time.perf_counter() - sent_at) * 1000)
        elif kind == events.TURN_STATUS and data.get("turn_id") == turn_id and data.get("status") == "failed":
            result.failed += 1
            result.errors[f"failed: {data.get('reason') or 'no reason'}"] += 1
            return outcome
        elif kind == events.GUIDANCE and (data.get("guidance") or {}).get("pause"):
            # The safety screen paused the role-play: carry on, as a learner would after reading the card.
            await ws.send(json.dumps({"type": events.SESSION_CONTINUE}))
            result.errors["wellbeing pause"] += 1
            if analysed:
                return outcome  # a paused turn gets no persona reply to wait for
        elif kind == events.PERSONA_STATE and turn_id is not None and data.get("turn_id") == turn_id:
            # Sent before the reply: tells whether this turn ended the session (goals met or last turn).
            if data.get("session_status") == "completed":
                outcome.session_ended = True
        elif kind == events.REPLY_START and turn_id is not None and data.get("in_reply_to") == turn_id:
            persona_id = data.get("turn_id")
        elif kind == events.REPLY_DONE and analysed:
            done_id = (data.get("turn") or {}).get("id")
            if persona_id is None or done_id == persona_id:
                return outcome
        elif kind == events.SESSION_SUMMARY:
            outcome.session_ended = True
            if analysed:
                return outcome
        elif kind == events.ERROR:
            code = data.get("code") or "error"
            if data.get("client_id") == client_id or (
                turn_id is None
                and code in {events.ERR_RATE_LIMITED, events.ERR_SESSION_CLOSED, events.ERR_TOO_LONG, events.ERR_EMPTY}
            ):
                result.refused += 1
                result.errors[f"refused: {code}"] += 1
                outcome.session_ended = code == events.ERR_SESSION_CLOSED
                return outcome
            result.errors[f"error: {code}"] += 1


async def _learner_run(
    learner: SimulatedLearner,
    *,
    target: Target,
    turns: int,
    max_turns_per_session: int,
    result: LoadtestResult,
    rng: random.Random,
    turn_timeout: float,
    think_s: float,
    start_delay: float,
    deadline: float,
    new_session: Any,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    await asyncio.sleep(start_delay)
    left = turns
    sessions = list(learner.session_ids)
    while left > 0 and time.monotonic() < deadline:
        session_id = sessions.pop(0) if sessions else await new_session(learner)
        url = f"{target.ws_base}/ws/practice/{session_id}/"
        try:
            async with connect(
                url,
                origin=Origin(target.origin),
                additional_headers={"Cookie": learner.cookie},
                open_timeout=max(1.0, min(15.0, deadline - time.monotonic())),
                close_timeout=2,
                max_size=2**22,
            ) as ws:
                state = None
                while state is None and time.monotonic() < deadline:
                    data = await _recv(ws, min(10.0, deadline - time.monotonic()))
                    if data is None:
                        break
                    if data.get("type") == events.SESSION_STATE:
                        state = data
                if state is None:
                    result.connect_failures += 1
                    return
                in_session = 0
                while left > 0 and in_session < max_turns_per_session and time.monotonic() < deadline:
                    text = rng.choice(LEARNER_LINES)
                    outcome = await _one_turn(ws, text, result, turn_timeout, deadline)
                    left -= 1
                    in_session += 1
                    if outcome.session_ended:
                        break
                    if think_s:
                        await asyncio.sleep(think_s * (0.5 + rng.random()))
        except (OSError, TimeoutError) as exc:
            result.connect_failures += 1
            result.errors[f"connect: {type(exc).__name__}"] += 1
            return
        except Exception as exc:  # noqa: BLE001 - websockets' ConnectionClosed, InvalidStatus…: each is counted
            result.connect_failures += 1
            result.errors[f"socket: {type(exc).__name__}: {str(exc)[:80]}"] += 1
            return


async def loadtest_run(
    learners: list[SimulatedLearner],
    *,
    target: Target,
    turns: int,
    scenario: Scenario,
    timeout: float = 120.0,
    turn_timeout: float = 30.0,
    think_ms: int = 0,
    ramp_s: float = 0.0,
    seed: int = 1,
) -> LoadtestResult:
    """Every learner at once, each sending `turns` turns; stops everything at `timeout` seconds."""
    result = LoadtestResult(learners=len(learners), turns=turns, think_ms=think_ms, ramp_s=ramp_s)
    rng = random.Random(seed)
    started = time.monotonic()
    deadline = started + timeout
    scenario_id = scenario.pk

    @sync_to_async(thread_sensitive=True)
    def new_session(learner: SimulatedLearner) -> str:
        try:
            user = get_user_model().objects.get(pk=learner.user_id)
            return str(practice_session_open(learner=user, scenario=Scenario.objects.get(pk=scenario_id)).pk)
        finally:
            # This runs in asgiref's executor thread: leave no connection open behind the run.
            connection.close()

    tasks = [
        asyncio.create_task(
            _learner_run(
                learner,
                target=target,
                turns=turns,
                max_turns_per_session=scenario.max_turns,
                result=result,
                rng=random.Random(rng.random()),
                turn_timeout=turn_timeout,
                think_s=think_ms / 1000,
                start_delay=(ramp_s * i / max(1, len(learners))) if ramp_s else 0.0,
                deadline=deadline,
                new_session=new_session,
            )
        )
        for i, learner in enumerate(learners)
    ]
    done, pending = await asyncio.wait(tasks, timeout=timeout + 5)
    for task in pending:
        task.cancel()
        result.overall_timeout_hit = True
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            result.errors[f"learner crashed: {type(task.exception()).__name__}"] += 1
    if time.monotonic() >= deadline:
        result.overall_timeout_hit = True
    result.duration_s = time.monotonic() - started
    return result


def sessions_needed(*, turns: int, scenario: Scenario) -> int:
    return max(1, math.ceil(turns / max(1, scenario.max_turns)))


def report_lines(result: LoadtestResult) -> list[str]:
    data = result.as_dict()

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f} ms"

    lines = [
        f"learners {data['learners']} × turns {data['turns']} in {data['duration_s']:.1f} s",
        (
            f"pacing          {data['think_ms'] / 1000:.1f} s (±50%) between a reply and the next turn, "
            f"starts spread over {data['ramp_s']:.1f} s"
            if data["think_ms"] or data["ramp_s"]
            else "pacing          none: every learner sends again the moment a reply ends (a flood)"
        ),
        f"turns sent      {data['sent']}",
        f"turns saved     {data['saved']}",
        f"turns analysed  {data['analysed']}",
        f"turns lost      {data['lost']}",
        f"turns failed    {data['failed']} (marked failed by the worker, with a reason)",
        f"turns refused   {data['refused']} (error event from the server)",
        f"send → analysis p50 {ms(data['p50_ms'])}, p95 {ms(data['p95_ms'])}, max {ms(data['max_ms'])}",
        f"send → saved    p95 {ms(data['saved_p95_ms'])}",
    ]
    if data["connect_failures"]:
        lines.append(f"connection failures {data['connect_failures']}")
    if data["overall_timeout_hit"]:
        lines.append("the overall timeout was reached: some learners were stopped early")
    for name, count in sorted(data["errors"].items()):
        lines.append(f"  {name}: {count}")
    return lines
