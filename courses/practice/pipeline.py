"""The worker side of a turn, in steps: analyse a claimed batch in one model call and save it; then
choose what the persona says to each turn and save that; then stream the replies to the pages.

Only the analysis task calls this. Each step saves before it sends, and sends only what it saved.
The reply step is separate from the analysis on purpose: in a generative scenario the reply chosen
here is saved streaming, with the authored line as its fallback, and a task of its own on queue
"generation" writes and streams its words (courses/practice/persona_stream.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from django.conf import settings
from django.utils import timezone

from courses.models import Turn
from courses.practice import events, persona_stream, render, signals
from courses.practice.broadcast import Message, events_send_steps
from courses.practice.engine import Similarity, TurnFacts, engine_for
from courses.practice.guidance import Guidance, guidance_compose, rewrite_options
from courses.selectors.practice import practice_state, turn_serialise
from courses.selectors.practice_worker import (
    Conversation,
    ScenarioScript,
    TurnToAnalyse,
    conversations,
    published_scenario_ids,
    scenario_scripts,
    turns_to_analyse,
)
from courses.services.persona_replies import ReplyOutcome, ReplyPlan, persona_replies_save, session_closing_undo
from courses.services.turn_analysis import AnalysisSaved, TurnResult, turn_analyses_save
from empathycamp import metrics, runtime
from inference import analysis as models
from inference.schema import EmotionReading, TurnAnalysis

logger = logging.getLogger(__name__)

# Persona reply texts are authored and few: their emotion readings are computed once per process.
_READINGS: dict[str, EmotionReading] = {}
_READINGS_LOCK = threading.Lock()
_READINGS_MAX = 4096


def _readings_fill(texts: Iterable[str]) -> None:
    with _READINGS_LOCK:
        missing = sorted({text for text in texts if text and text not in _READINGS})
    if not missing:
        return
    readings = models.detect_emotions(missing)
    with _READINGS_LOCK:
        if len(_READINGS) + len(missing) > _READINGS_MAX:
            _READINGS.clear()
        _READINGS.update(zip(missing, readings, strict=True))


def _reading(text: str) -> EmotionReading | None:
    if not text:
        return None
    if text not in _READINGS:
        _readings_fill([text])
    return _READINGS.get(text)


def _scripts_prime(texts: Sequence[str], scripts: Iterable[ScenarioScript]) -> None:
    """Read the scripts' replies and encode the batch's turns with the example learner lines in one
    model pass; the encoder keeps the vectors, so each engine tie-break is then a dot product."""
    scripts = list(scripts)
    _readings_fill(reply.text for script in scripts for reply in script.replies)
    lines = [line for script in scripts for line in script.example_lines()]
    if lines:
        models.encode_sentences([*texts, *lines])


def scripts_warm() -> int:
    """Read every published scenario's persona replies and encode their example learner lines now,
    at worker start, so the first learner of each scenario does not wait for those passes.
    Returns the number of scenarios warmed."""
    scripts = scenario_scripts(scenario_ids=published_scenario_ids())
    _scripts_prime([], scripts.values())
    return len(scripts)


# --- Step 1: analysis ------------------------------------------------------------------------


def batch_analyse(turn_ids: Sequence[int]) -> list[AnalysisSaved]:
    """Analyse the claimed turns in one `analyse_turns` call and save them all. Sends turn.status
    running for the batch first, then turn.analysis and guidance for each saved turn."""
    runtime.inference_configure()
    turns = turns_to_analyse(turn_ids=turn_ids)
    if not turns:
        return []
    # The claim is saved: let the pages show "analysing" while the models run.
    _send([(t.session_id, events.turn_status(turn_id=t.id, status="running")) for t in turns])
    started = time.perf_counter()
    analyses = models.analyse_turns([models.TurnInput(text=t.text, context=t.context) for t in turns])
    model_seconds = time.perf_counter() - started
    guidance = [
        guidance_compose(
            text=t.text,
            analysis=a,
            persona_name=t.persona_name,
            persona_emotions=t.persona_emotions,
        )
        for t, a in zip(turns, analyses, strict=True)
    ]
    started = time.perf_counter()
    rewrites_check(turns, analyses, guidance, score=models.judge_replies)
    model_seconds += time.perf_counter() - started
    saved = turn_analyses_save(
        results=[
            TurnResult(turn_id=t.id, session_id=t.session_id, analysis=a, guidance=g)
            for t, a, g in zip(turns, analyses, guidance, strict=True)
        ]
    )
    _batch_measure(turns, saved, model_seconds)
    texts = {t.id: t.text for t in turns}
    _send([message for item in saved for message in _analysis_events(item, texts[item.turn_id])])
    return saved


def _batch_measure(turns: Sequence[TurnToAnalyse], saved: Sequence[AnalysisSaved], model_seconds: float) -> None:
    metrics.BATCH_TURNS.observe(len(turns))
    metrics.MODEL_BATCH_SECONDS.observe(model_seconds)
    metrics.TURNS_ANALYSED.labels(outcome=metrics.OUTCOME_ANALYSED).inc(len(saved))
    metrics.safety_flags_count(item.analysis for item in saved)
    now, ids = timezone.now(), {item.turn_id for item in saved}
    for turn in turns:
        if turn.id in ids and turn.created_at is not None:
            metrics.ANALYSIS_LATENCY.observe(max(0.0, (now - turn.created_at).total_seconds()))


# How many example rewrites are checked per turn (each one a short text for the empathy scorer); a
# turn whose first option fails gets no rewrite rather than a dearer analysis for everyone.
REWRITE_OPTIONS = 1
Score = Callable[[Sequence[models.TurnInput]], Sequence[Mapping[str, Any]]]
Screen = Callable[[Sequence[str]], Sequence[Mapping[str, Any]]]


def rewrites_check(
    turns: Sequence[TurnToAnalyse],
    analyses: Sequence[TurnAnalysis],
    guidance: Sequence[Guidance],
    *,
    score: Score,
    screen: Screen = models.screen_generated,
) -> None:
    """Keep, in each turn's guidance, the first example rewrite the scorer rates above the learner's
    own reply (more empathy in all) with no blocker found in it and that the safety screen passes
    (a rewrite is built from the learner's words: it is generated text, screened before anyone
    sees it); none when no option passes.

    Cheap on purpose, since it runs on every turn (measured: three options with the persona's
    message made a turn's analysis ~30% dearer under load): the first REWRITE_OPTIONS of each turn
    are scored as short texts without the persona's message (the scorer was trained with some
    turns lacking it), all in one call, against the levels the learner's reply was shown."""
    options = [
        rewrite_options(g, text=t.text, analysis=a)[:REWRITE_OPTIONS]
        for t, a, g in zip(turns, analyses, guidance, strict=True)
    ]
    texts = [render.rewrite_text(option) for turn_options in options for option in turn_options]
    scored = iter(score([models.TurnInput(text=text) for text in texts]) if texts else [])
    screened = iter(screen(texts) if texts else [])
    for analysis, g, turn_options in zip(analyses, guidance, options, strict=True):
        before = sum(signals.levels(analysis).values())
        kept = None
        for option in turn_options:
            result, safety = next(scored), next(screened)
            better = sum(signals.levels(result).values()) > before and not signals.main_blocker(result)
            if kept is None and better and signals.safety_level({"safety": safety}) == "none":
                kept = option
        if not g["pause"]:
            g["rewrite"] = kept


def _analysis_events(saved: AnalysisSaved, text: str) -> list[Message]:
    guidance = render.guidance_render(saved.guidance, learner_text=text)
    return [
        (saved.session_id, events.turn_analysis(turn_id=saved.turn_id, analysis=saved.analysis)),
        (saved.session_id, events.guidance(turn_id=saved.turn_id, guidance=guidance)),
    ]


# --- Step 2: the persona's replies -----------------------------------------------------------


def replies_write(saved: Sequence[AnalysisSaved]) -> list[ReplyOutcome]:
    """Choose what the persona says to each analysed turn (outside any lock: the engine runs the
    sentence encoder, the reply's reading the emotion detector), then save the replies and the
    feelings they move. A turn that paused its session gets no reply; its feelings are still saved."""
    return persona_replies_save(plans=replies_plan(saved, similarity=models.similarity, read_reply=_reading))


def replies_plan(
    saved: Sequence[AnalysisSaved],
    *,
    similarity: Similarity | None,
    read_reply: Callable[[str], EmotionReading | None],
) -> list[ReplyPlan]:
    """What the persona says to each analysed turn, from the conversations as saved (three reads
    for the batch). With a similarity function, the batch's turns and the scripts' example lines
    are encoded first in one pass."""
    if not saved:
        return []
    convos = conversations(session_ids={s.session_id for s in saved})
    scripts = scenario_scripts(scenario_ids={c.session.scenario_id for c in convos.values()})
    if similarity is not None:
        ids = {item.turn_id for item in saved}
        _scripts_prime([t.text for c in convos.values() for t in c.turns if t.pk in ids], scripts.values())
    by_session: dict[uuid.UUID, list[AnalysisSaved]] = {}
    for item in saved:
        by_session.setdefault(item.session_id, []).append(item)
    plans: list[ReplyPlan] = []
    for session_id, items in by_session.items():
        convo = convos[session_id]
        plans += _plans_for(convo, items, scripts[convo.session.scenario_id], similarity, read_reply)
    return plans


def _plans_for(
    convo: Conversation,
    saved: list[AnalysisSaved],
    script: ScenarioScript,
    similarity: Similarity | None,
    read_reply: Callable[[str], EmotionReading | None],
) -> list[ReplyPlan]:
    """The replies to one session's analysed turns, in conversation order; a turn after one that
    ends the session gets none."""
    session, scenario = convo.session, convo.session.scenario
    analysed = {item.turn_id: item for item in saved}
    turns = sorted(convo.turns, key=lambda t: t.index)
    used = {t.reply_id for t in turns if t.reply_id is not None}
    active = session.status == session.Status.ACTIVE
    plans: list[ReplyPlan] = []
    for turn in turns:
        item = analysed.get(turn.pk)
        if item is None:
            continue
        if not active or item.paused:
            plans.append(
                ReplyPlan(turn_id=turn.pk, session_id=session.pk, choice=None, reading=None, goals=script.goals)
            )
            active = False
            continue
        turn_number = sum(1 for t in turns if t.role == Turn.Role.LEARNER and t.index <= turn.index)
        facts = TurnFacts(
            text=turn.text,
            analysis=item.analysis,
            turn_number=turn_number,
            last_turn=turn_number >= scenario.max_turns,
            used_reply_ids=frozenset(used),
            said="\n".join(t.text for t in turns if t.index <= turn.index),
        )
        choice = engine_for(scenario).choose_reply(
            scenario=scenario, replies=script.replies, facts=facts, similarity=similarity
        )
        if choice.reply is not None:
            used.add(choice.reply.pk)
        plans.append(
            ReplyPlan(
                turn_id=turn.pk,
                session_id=session.pk,
                choice=choice,
                reading=read_reply(choice.text),
                goals=script.goals,
            )
        )
        active = not choice.ends_session
    return plans


# --- Wrap-up: the learner ended the conversation -----------------------------------------


def wrap_up_plan(
    session_id: uuid.UUID,
    *,
    similarity: Similarity | None,
    read_reply: Callable[[str], EmotionReading | None],
) -> list[ReplyPlan]:
    """The persona's closing line for a session the learner wrapped up: chosen like any reply, as
    if answering their last analysed turn, but it ends the conversation."""
    convo = conversations(session_ids={session_id}).get(session_id)
    if convo is None or convo.session.status != convo.session.Status.CLOSING:
        return []
    scenario = convo.session.scenario
    script = scenario_scripts(scenario_ids={scenario.pk})[scenario.pk]
    analysed = [t for t in convo.turns if t.role == Turn.Role.LEARNER and t.status == Turn.Status.DONE and t.analysis]
    if not analysed:
        return []
    last = analysed[-1]
    if similarity is not None:
        _scripts_prime([last.text], [script])
    facts = TurnFacts(
        text=last.text,
        analysis=cast(TurnAnalysis, last.analysis),  # a done learner turn's, as the worker saved it
        turn_number=len([t for t in convo.turns if t.role == Turn.Role.LEARNER]),
        wrap_up=True,
        used_reply_ids=frozenset(t.reply_id for t in convo.turns if t.reply_id is not None),
        said="\n".join(t.text for t in convo.turns),
    )
    choice = engine_for(scenario).choose_reply(
        scenario=scenario, replies=script.replies, facts=facts, similarity=similarity
    )
    return [
        ReplyPlan(
            turn_id=None,
            session_id=session_id,
            choice=choice,
            reading=read_reply(choice.text),
            goals=script.goals,
        )
    ]


def wrap_up(session_id: uuid.UUID) -> list[ReplyOutcome]:
    """Choose and save the closing line of a wrapped-up session (summary and progress with it),
    after any reply still streaming is stopped and saved with its authored line."""
    runtime.inference_configure()
    persona_stream.session_streams_end(session_id)
    return persona_replies_save(plans=wrap_up_plan(session_id, similarity=models.similarity, read_reply=_reading))


def wrap_up_undo(session_id: uuid.UUID) -> None:
    """The closing line could not be written: the session is the learner's again, and the page
    is told (session.state) so it offers Wrap up again."""
    if session_closing_undo(session_id=session_id):
        convo = conversations(session_ids={session_id})[session_id]
        _send([(session_id, events.session_state(practice_state(session=convo.session)))])


# --- Step 3: streaming -----------------------------------------------------------------------

_WORD = re.compile(r"\S+\s*")

UNPACED_WORDS_PER_TOKEN = 6


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text) or [text]


def _chunks(tokens: list[str], size: int) -> list[str]:
    return ["".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]


def replies_send(outcomes: Sequence[ReplyOutcome]) -> None:
    """Send the batch's persona.state, then stream the saved persona replies: reply.start,
    reply.token…, reply.done, and session.summary where a turn ended its session.

    Every session's words go out together, one round at a time. With PRACTICE_TOKEN_DELAY_MS set
    they are paced for a typing feel, one word a token, but only while no other turn waits for
    this worker. Unpaced (the default) or busy, a token carries a few words and the whole reply
    goes out at once, so streaming never holds up the next analysis nor floods the sockets.

    Then a session the batch ended (its last turn, or its goals met) with an earlier reply still
    streaming has that reply stopped and saved with its authored line (`ended_streams_finish`)."""
    states: list[Message] = [
        (
            o.session_id,
            events.persona_state(
                turn_id=o.turn_id,
                emotions=o.emotions,
                trajectory=o.trajectory,
                session_status=_status(o.session_status),
                goals_met=o.goals_met,
            ),
        )
        for o in outcomes
        if o.turn_id is not None  # a closing line's feelings travel on its reply.done turn
    ]
    streams = [(o.session_id, o.turn_id, o.persona_turn) for o in outcomes if o.persona_turn is not None]
    starts: list[Message] = [
        (sid, events.reply_start(turn_id=reply.pk, in_reply_to=turn_id)) for sid, turn_id, reply in streams
    ]
    # A generated reply only starts here: the generation worker streams its words and says done.
    words = [(sid, reply, _tokens(reply.text)) for sid, _, reply in streams if not _generating(reply)]
    pause = min(settings.PRACTICE_TOKEN_DELAY_MS, 15) / 1000
    if words and pause and Turn.objects.filter(status=Turn.Status.QUEUED).exists():
        pause = 0.0
    if not pause:
        words = [(sid, reply, _chunks(tokens, UNPACED_WORDS_PER_TOKEN)) for sid, reply, tokens in words]
    rounds = max((len(tokens) for _, _, tokens in words), default=0)
    steps: list[tuple[list[Message], float]] = [(states + starts, 0.0)]
    for position in range(rounds):
        step: list[Message] = [
            (sid, events.reply_token(turn_id=reply.pk, token=tokens[position]))
            for sid, reply, tokens in words
            if position < len(tokens)
        ]
        steps.append((step, pause if position < rounds - 1 else 0.0))
    last: list[Message] = []
    for outcome in outcomes:
        if outcome.persona_turn is not None and not _generating(outcome.persona_turn):
            last.append((outcome.session_id, events.reply_done(turn_serialise(outcome.persona_turn))))
        if outcome.summary is not None:
            summary = render.summary_render(outcome.summary)
            last.append(
                (outcome.session_id, events.session_summary(summary=summary, status=_status(outcome.session_status)))
            )
    steps.append((last, 0.0))
    _send_steps(steps)
    ended_streams_finish(outcomes)


def _generating(turn: Turn) -> bool:
    return turn.status == Turn.Status.STREAMING


def ended_streams_finish(outcomes: Sequence[ReplyOutcome]) -> None:
    """Sessions a turn of the batch ended (its last turn, or its goals met) may still have an earlier
    reply streaming: each is stopped and saved with its authored line (`session_streams_end`)."""
    for session_id in dict.fromkeys(o.session_id for o in outcomes if o.session_status == "completed"):
        persona_stream.session_streams_end(session_id)


def generations_due(outcomes: Sequence[ReplyOutcome]) -> list[int]:
    """The persona turns of `outcomes` saved streaming: each one's words are for a generation task."""
    return [o.persona_turn.pk for o in outcomes if o.persona_turn is not None and _generating(o.persona_turn)]


_STATUSES: dict[str, events.SessionStatus] = {
    "active": "active",
    "paused": "paused",
    "closing": "closing",
    "completed": "completed",
}


def _status(value: str) -> events.SessionStatus:
    return _STATUSES[value]


def _send(messages: list[Message]) -> None:
    _send_steps([(messages, 0.0)])


def _send_steps(steps: list[tuple[list[Message], float]]) -> None:
    # The results are in the database already; a page that misses an event reads them back on
    # reconnect, so a channel-layer hiccup is logged, not retried (a retry would redo the analysis).
    try:
        events_send_steps(steps)
    except Exception:
        logger.exception("Could not send practice events")
