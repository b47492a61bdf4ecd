"""A load test of hints while typing against a running server: N learners typing at once.

Each simulated learner types one of the load test's learner lines a few words at a time, pauses as
a person does (the page sends the draft once typing has stopped for DRAFT_IDLE_MS), and waits for
its hint. What is measured is what a learner waits for once they stop typing: from the moment the
page sends the draft (the idle moment) to the draft.hint for it. No turn is sent: drafts only.

Loopback only, as the turn load test (empathycamp/tools/loadtest.py, whose accounts and checks it uses).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from courses.practice import events
from empathycamp.tools.loadtest import LEARNER_LINES, SimulatedLearner, Target, percentile

# Words typed between two pauses, and a person's typing speed between them.
WORDS_PER_BURST = (2, 5)
SECONDS_PER_WORD = (0.25, 0.5)
# How long the learner thinks after a hint before typing on (the page's idle wait comes first).
PAUSE_S = (0.5, 1.5)
HINT_TIMEOUT_S = 5.0


@dataclass
class DraftResult:
    learners: int
    seconds: float
    sent: int = 0
    answered: int = 0
    limited: int = 0
    unanswered: int = 0
    connect_failures: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "learners": self.learners,
            "seconds": self.seconds,
            "drafts_sent": self.sent,
            "answered": self.answered,
            "limited": self.limited,
            "unanswered": self.unanswered,
            "connect_failures": self.connect_failures,
            "drafts_per_s": round(self.sent / self.duration_s, 2) if self.duration_s else None,
            "p50_ms": _round(percentile(self.latencies_ms, 50)),
            "p95_ms": _round(percentile(self.latencies_ms, 95)),
            "max_ms": _round(max(self.latencies_ms, default=None) if self.latencies_ms else None),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def _hint(ws: Any, draft_id: str, timeout: float) -> dict[str, Any] | None:
    """The draft.hint for `draft_id`, or None when none came in time."""
    import json

    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            data = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
        except TimeoutError:
            return None
        if data.get("type") == events.DRAFT_HINT and data.get("draft_id") == draft_id:
            return dict(data)
    return None


async def _learner_type(
    learner: SimulatedLearner, *, target: Target, result: DraftResult, rng: random.Random, deadline: float
) -> None:
    import json

    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    url = f"{target.ws_base}/ws/practice/{learner.session_ids[0]}/"
    try:
        async with connect(
            url, origin=Origin(target.origin), additional_headers={"Cookie": learner.cookie}, close_timeout=2
        ) as ws:
            await ws.recv()  # session.state
            await asyncio.sleep(rng.random() * 2)  # people do not all start typing at the same instant
            while time.monotonic() < deadline:
                words = rng.choice(LEARNER_LINES).split()
                typed = 0
                while typed < len(words) and time.monotonic() < deadline:
                    burst = rng.randint(*WORDS_PER_BURST)
                    await asyncio.sleep(burst * rng.uniform(*SECONDS_PER_WORD))
                    typed = min(len(words), typed + burst)
                    await asyncio.sleep(events.DRAFT_IDLE_MS / 1000)  # the page's idle wait
                    draft_id = uuid.uuid4().hex
                    sent = time.perf_counter()
                    await ws.send(
                        json.dumps(
                            {"type": events.DRAFT_ANALYZE, "draft_id": draft_id, "text": " ".join(words[:typed])}
                        )
                    )
                    result.sent += 1
                    hint = await _hint(ws, draft_id, HINT_TIMEOUT_S)
                    if hint is None:
                        result.unanswered += 1
                    elif hint.get("limited"):
                        result.limited += 1
                    else:
                        result.answered += 1
                        if hint.get("levels") is not None:  # a reading, not a too-short quiet answer
                            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                    await asyncio.sleep(rng.uniform(*PAUSE_S))
    except (OSError, TimeoutError):
        result.connect_failures += 1
    except Exception:  # noqa: BLE001 - websockets' ConnectionClosed and the like: counted
        result.connect_failures += 1


async def drafttest_run(
    learners: list[SimulatedLearner], *, target: Target, seconds: float, seed: int = 1
) -> DraftResult:
    """Every learner typing at once for `seconds`."""
    result = DraftResult(learners=len(learners), seconds=seconds)
    rng = random.Random(seed)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _learner_type(learner, target=target, result=result, rng=random.Random(rng.random()), deadline=deadline)
            for learner in learners
        )
    )
    result.duration_s = time.monotonic() - started
    return result


def report_lines(result: DraftResult) -> list[str]:
    data = result.as_dict()

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f} ms"

    return [
        f"learners {data['learners']} typing for {result.duration_s:.1f} s",
        f"drafts sent     {data['drafts_sent']} ({data['drafts_per_s']} a second)",
        f"answered        {data['answered']}, limited {data['limited']}, unanswered {data['unanswered']}",
        f"idle → hint     p50 {ms(data['p50_ms'])}, p95 {ms(data['p95_ms'])}, max {ms(data['max_ms'])}",
        *([f"connection failures {data['connect_failures']}"] if data["connect_failures"] else []),
    ]
