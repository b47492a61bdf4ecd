"""The worker side of a turn: analyse a claimed batch in one model call, save, then tell the pages.

Only the analysis task calls this. The models are imported inside the functions, so importing
this module (the web process does, through courses.tasks) never loads torch.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from courses.models import Course, Scenario, Turn
from courses.practice import events
from courses.practice.broadcast import Message, events_send_steps
from courses.selectors.practice import turn_serialise
from courses.services.practice import ScenarioScript, TurnOutcome, scenario_scripts, turn_result_save

logger = logging.getLogger(__name__)

# Persona reply texts are authored and few: their emotion readings are computed once per process.
_READINGS: dict[str, dict[str, Any]] = {}
_READINGS_LOCK = threading.Lock()
_READINGS_MAX = 4096


def _readings_fill(texts: Sequence[str]) -> None:
    from inference.analysis import detect_emotions

    with _READINGS_LOCK:
        missing = sorted({text for text in texts if text and text not in _READINGS})
    if not missing:
        return
    readings = detect_emotions(missing)
    with _READINGS_LOCK:
        if len(_READINGS) + len(missing) > _READINGS_MAX:
            _READINGS.clear()
        _READINGS.update(zip(missing, readings, strict=True))


def _reading(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    if text not in _READINGS:
        _readings_fill([text])
    return _READINGS.get(text)


def _similarity_prime(turns: Sequence[Turn], scripts: Mapping[int, ScenarioScript]) -> None:
    """Encode the batch's learner turns and the example learner lines in one model pass; the
    encoder keeps the vectors, so each engine tie-break is then a dot product, not a forward pass."""
    lines = [
        line.strip()
        for script in scripts.values()
        for reply in script.replies
        for line in (reply.example_learner_lines or "").splitlines()
        if line.strip()
    ]
    if not lines:
        return
    from inference import registry

    registry.sentence_encoder().encode([turn.text for turn in turns] + lines)


def scripts_warm() -> int:
    """Read every published scenario's persona replies and encode their example learner lines now,
    at worker start, so the first learner of each scenario does not wait for those passes.
    Returns the number of scenarios warmed."""
    scenario_ids = set(
        Scenario.objects.filter(module__course__status=Course.Status.PUBLISHED).values_list("pk", flat=True)
    )
    scripts = scenario_scripts(scenario_ids=scenario_ids)
    _readings_fill([reply.text for script in scripts.values() for reply in script.replies])
    _similarity_prime([], scripts)
    return len(scripts)


def _contexts(turns: Sequence[Turn]) -> dict[int, str]:
    """For each learner turn, the persona message it answers (the last persona turn before it)."""
    persona = (
        Turn.objects.filter(session_id__in={t.session_id for t in turns}, role=Turn.Role.PERSONA)
        .order_by("index")
        .values_list("session_id", "index", "text")
    )
    by_session: dict[Any, list[tuple[int, str]]] = {}
    for session_id, index, text in persona:
        by_session.setdefault(session_id, []).append((index, text))
    contexts: dict[int, str] = {}
    for turn in turns:
        earlier = [text for index, text in by_session.get(turn.session_id, []) if index < turn.index]
        contexts[turn.pk] = earlier[-1] if earlier else ""
    return contexts


def batch_analyse(turn_ids: Sequence[int]) -> list[TurnOutcome]:
    """Analyse the claimed turns in one `analyse_turns` call and save each result (in conversation
    order within a session, so feelings carry from one turn to the next). Sends turn.status running
    for the batch, then turn.analysis, guidance and persona.state for each turn once it is saved."""
    from courses.worker import inference_configure
    from inference.analysis import TurnInput, analyse_turns
    from inference.similarity import similarity

    inference_configure()
    turns = list(Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.RUNNING).select_related("session"))
    if not turns:
        return []
    # The claim is saved: let the pages show "analysing" while the models run.
    _send(
        [(t.session_id, events.event(events.TURN_STATUS, turn_id=t.pk, status="running", reason=None)) for t in turns]
    )
    contexts = _contexts(turns)
    analyses = analyse_turns([TurnInput(text=turn.text, context=contexts[turn.pk]) for turn in turns])
    by_turn = dict(zip((turn.pk for turn in turns), analyses, strict=True))
    scripts = scenario_scripts(scenario_ids={turn.session.scenario_id for turn in turns})
    _readings_fill([reply.text for script in scripts.values() for reply in script.replies])
    _similarity_prime(turns, scripts)
    outcomes: list[TurnOutcome] = []
    for turn in sorted(turns, key=lambda t: (str(t.session_id), t.index)):
        outcome = turn_result_save(
            turn_id=turn.pk,
            analysis=by_turn[turn.pk],
            similarity=similarity,
            read_reply=_reading,
            script=scripts[turn.session.scenario_id],
        )
        if outcome is not None:
            # Committed: this page need not wait for the rest of the batch to see its analysis.
            _send(analysis_events(outcome))
            outcomes.append(outcome)
    return outcomes


def analysis_events(outcome: TurnOutcome) -> list[Message]:
    """turn.analysis, guidance and persona.state of one saved learner turn."""
    turn, sid = outcome.turn, outcome.session_id
    return [
        (sid, events.event(events.TURN_ANALYSIS, turn_id=turn.pk, analysis=turn.analysis)),
        (sid, events.event(events.GUIDANCE, turn_id=turn.pk, guidance=turn.guidance)),
        (
            sid,
            events.event(
                events.PERSONA_STATE,
                turn_id=turn.pk,
                emotions=turn.persona_state or {},
                trajectory=outcome.trajectory,
                session_status=outcome.session_status,
            ),
        ),
    ]


_WORD = re.compile(r"\S+\s*")


UNPACED_WORDS_PER_TOKEN = 6


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text) or [text]


def _chunks(tokens: list[str], size: int) -> list[str]:
    return ["".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]


def replies_send(outcomes: Sequence[TurnOutcome]) -> None:
    """Stream the saved persona replies of a batch: reply.start, reply.token…, reply.done, and
    session.summary where a turn ended its session. (turn.analysis, guidance and persona.state
    went out as each turn was saved.)

    Every session's words go out together, one round at a time. With PRACTICE_TOKEN_DELAY_MS set
    they are paced for a typing feel, one word a token, but only while no other turn waits for
    this worker. Unpaced (the default) or busy, a token carries a few words and the whole reply
    goes out at once, so streaming never holds up the next analysis nor floods the sockets."""
    streams = [(o.session_id, o.turn, o.persona_turn) for o in outcomes if o.persona_turn is not None]
    starts: list[Message] = [
        (sid, events.event(events.REPLY_START, turn_id=reply.pk, in_reply_to=turn.pk)) for sid, turn, reply in streams
    ]
    words = [(sid, reply, _tokens(reply.text)) for sid, _, reply in streams]
    pause = min(settings.PRACTICE_TOKEN_DELAY_MS, 15) / 1000
    if words and pause and Turn.objects.filter(status=Turn.Status.QUEUED).exists():
        pause = 0.0
    if not pause:
        words = [(sid, reply, _chunks(tokens, UNPACED_WORDS_PER_TOKEN)) for sid, reply, tokens in words]
    rounds = max((len(tokens) for _, _, tokens in words), default=0)
    steps: list[tuple[list[Message], float]] = [(starts, 0.0)]
    for position in range(rounds):
        step = [
            (sid, events.event(events.REPLY_TOKEN, turn_id=reply.pk, token=tokens[position]))
            for sid, reply, tokens in words
            if position < len(tokens)
        ]
        steps.append((step, pause if position < rounds - 1 else 0.0))
    last: list[Message] = []
    for outcome in outcomes:
        if outcome.persona_turn is not None:
            done = events.event(events.REPLY_DONE, turn=turn_serialise(outcome.persona_turn))
            last.append((outcome.session_id, done))
        if outcome.summary is not None:
            last.append(
                (
                    outcome.session_id,
                    events.event(events.SESSION_SUMMARY, summary=outcome.summary, status=outcome.session_status),
                )
            )
    steps.append((last, 0.0))
    _send_steps(steps)


def _send(messages: list[Message]) -> None:
    _send_steps([(messages, 0.0)])


def _send_steps(steps: list[tuple[list[Message], float]]) -> None:
    # The results are in the database already; a page that misses an event reads them back on
    # reconnect, so a channel-layer hiccup is logged, not retried (a retry would redo the analysis).
    try:
        events_send_steps(steps)
    except Exception:
        logger.exception("Could not send practice events")
