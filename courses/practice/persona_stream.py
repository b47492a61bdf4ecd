"""The generation worker's step: write a generative persona's reply with the language model and
stream it, sentence by sentence, as each sentence passes the checks; then save the turn.

Run by the generation task (queue "generation") once the learner turn's analysis and the persona
turn (streaming, holding the authored line) are saved. The model's tokens are gathered into
sentences; each finished sentence goes through the safety screen for generated text, the
in-character check and the repetition check (`inference.persona_checks`), and only then are its
tokens sent, a few per reply.token event, each event's text appended to the partial text first
(`streams.py`), so a page that reconnects gets what was sent and the rest follows. Nothing that
failed a check is shown, saved or logged.

- the first sentence fails, nothing is generated, the stream is cancelled or the model fails:
  the authored line is the reply (counted, and recorded on the turn with the reason);
- a later sentence fails: the reply is the sentences before it (whole sentences, never half);
- at most MAX_SENTENCES sentences, and a line break ends the reply.

When the session ends while a reply streams (the learner wraps up, or a later turn was the last),
`session_streams_end` stops it: the worker is told to stop (it sends nothing more once told) and the
turn is saved at once with its authored line (on a wrap-up, before the closing line is chosen), so a
conversation never ends on half a reply, nor with a reply streaming on after its closing line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from courses.models import Scenario
from courses.practice import events, signals, streams
from courses.practice.broadcast import Message, events_send_steps
from courses.selectors.practice import turn_serialise
from courses.selectors.practice_worker import ReplyToGenerate, persona_card, reply_to_generate
from courses.services.persona_stream import persona_stream_claim, persona_stream_finish, session_streaming_turns
from empathycamp import metrics
from inference.generation import ReplyStreamer
from inference.persona_checks import MAX_SENTENCES, FallbackReason, SentenceSplitter, sentence_verdict, substantive
from inference.schema import EmotionReading

logger = logging.getLogger(__name__)

ENGINE = Scenario.Engine.GENERATIVE
# How often (in tokens) the stream asks whether it was cancelled: a Redis EXISTS each time.
CANCEL_CHECK_TOKENS = 8

Screen = Callable[[Sequence[str]], Sequence[Mapping[str, Any]]]
Emit = Callable[[list[str]], None]


class Generator(ReplyStreamer, Protocol):
    """What the step needs of `inference.generation.PersonaGenerator` (a test's tiny model too)."""

    version: str


@dataclass(frozen=True)
class GeneratedReply:
    """How one generation ended. text None: the authored line is said (`reason` says why)."""

    text: str | None
    reason: FallbackReason | None  # why it fell back, or why it was trimmed
    tokens: int
    sentences: int
    first_token_s: float | None
    seconds: float

    @property
    def fell_back(self) -> bool:
        return self.text is None

    @property
    def outcome(self) -> str:
        return "fallback" if self.fell_back else "trimmed" if self.reason else "generated"


# A reply may open with a speaker's label ("Helen Morris:", "Ben says:") and a quote, as a script
# would: the label is dropped before anything is checked or sent. It is looked for this far in.
LABEL_WINDOW = 40
_LABEL = re.compile(r"^\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2}(?:\s+(?:says|said|replies))?\s*:\s*[\"“']?")


class _LabelDrop:
    """Holds back a reply's first characters until it is clear whether they are a speaker's label,
    then passes the text on without it."""

    def __init__(self) -> None:
        self.held: str | None = ""  # None once decided

    def feed(self, text: str) -> str:
        if self.held is None:
            return text
        self.held += text
        if len(self.held) < LABEL_WINDOW and (
            ":" not in self.held or not self.held.partition(":")[2].strip(" \"“'")  # the quote after it too
        ):
            return ""
        return self.close()

    def close(self) -> str:
        held, self.held = self.held or "", None
        match = _LABEL.match(held)
        return held[match.end() :].lstrip() if match and match.end() <= LABEL_WINDOW else held


class _Pieces:
    """The model's decoded pieces not sent yet, handed out a sentence at a time, a few per event."""

    def __init__(self, per_event: int) -> None:
        self.per_event = max(1, per_event)
        self.queue: list[str] = []

    def add(self, piece: str) -> None:
        if piece:
            self.queue.append(piece)

    def take(self, length: int) -> list[str]:
        """The pieces that make up the next `length` characters (a piece across the boundary split),
        grouped into event texts."""
        taken: list[str] = []
        size = 0
        while self.queue and size < length:
            piece = self.queue.pop(0)
            if size + len(piece) > length:
                cut = length - size
                self.queue.insert(0, piece[cut:])
                piece = piece[:cut]
            taken.append(piece)
            size += len(piece)
        return ["".join(taken[i : i + self.per_event]) for i in range(0, len(taken), self.per_event)]


def reply_generate(
    reply: ReplyToGenerate,
    *,
    generator: Generator,
    screen: Screen,
    emit: Emit,
    cancelled: Callable[[], bool],
    tokens_per_event: int = 3,
    max_new_tokens: int | None = None,
    rejected: Callable[[str, FallbackReason], None] | None = None,
) -> GeneratedReply:
    """Generate the reply, checking each sentence as it completes and handing the tokens of each one
    that passes to `emit` (a list of event texts). Pure of the database and the channel layer.
    `rejected` hears the sentence that failed and why: for bench_generation on the corpus's prompts
    only; the served path passes none, so a failed sentence is never kept or logged."""
    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    splitter = SentenceSplitter()
    pieces = _Pieces(tokens_per_event)
    label = _LabelDrop()
    passed: list[str] = []
    stopped = False

    def should_stop() -> bool:
        nonlocal stopped
        if tokens % CANCEL_CHECK_TOKENS == 0 and cancelled():
            stopped = True
        return stopped

    def ended(text: str | None, reason: FallbackReason | None) -> GeneratedReply:
        return GeneratedReply(
            text=text,
            reason=reason,
            tokens=tokens,
            sentences=len(passed),
            first_token_s=first,
            seconds=time.perf_counter() - started,
        )

    def judge(sentence: str) -> FallbackReason | None:
        safety = screen([sentence.strip()])[0]
        reason = sentence_verdict(
            sentence,
            first=not any(substantive(said) for said in passed),
            persona_name=reply.persona_name,
            earlier=[*reply.earlier, *passed],
            safety_level=signals.safety_level({"safety": safety}),
        ).reason
        if reason is not None and rejected is not None:
            rejected(sentence, reason)
        return reason

    failed: FallbackReason | None = None
    stream = generator.stream(
        reply.prompt, seed=reply.turn_id, should_stop=should_stop, avoid=reply.earlier, max_new_tokens=max_new_tokens
    )
    for piece in stream:
        tokens = piece.tokens
        if first is None:
            first = time.perf_counter() - started
        # A line break ends the reply: past it a small model starts another speaker's turn.
        text = label.feed(piece.text.partition("\n")[0])
        if "\n" in piece.text:
            text += label.close()
        pieces.add(text)
        for sentence in splitter.feed(text):
            failed = judge(sentence)
            if failed is not None:
                break
            if cancelled():  # the session ended while the sentence was checked: nothing more is sent
                stopped = True
                break
            passed.append(sentence)
            emit(pieces.take(len(sentence)))
        if failed is not None or len(passed) >= MAX_SENTENCES or stopped or "\n" in piece.text:
            break
    if stopped or (not failed and cancelled()):
        return ended(None, "cancelled")
    if failed is None and len(passed) < MAX_SENTENCES:
        rest = label.close()
        pieces.add(rest)
        for sentence in [*splitter.feed(rest), *splitter.close()]:
            if len(passed) >= MAX_SENTENCES:
                break
            failed = judge(sentence)
            if failed is not None:
                break
            if cancelled():
                return ended(None, "cancelled")
            passed.append(sentence)
            emit(pieces.take(len(sentence)))
    if not passed:
        return ended(None, failed or "empty")
    return ended("".join(passed).strip(), failed)


def persona_reply_stream(turn_id: int, *, claimer: str = "") -> GeneratedReply | None:
    """The generation task's work: claim the streaming persona turn, generate and stream its reply
    (the model and the screen loaded on first use), save it and send reply.done. None when the turn
    is not this task's (finished already, or claimed by another)."""
    from empathycamp import runtime
    from inference import analysis, registry

    runtime.inference_configure()
    runtime.generator_configure()
    if not persona_stream_claim(turn_id=turn_id, claimer=claimer):
        return None
    reply = reply_to_generate(turn_id=turn_id)
    if reply is None:
        return None
    version: str | None = None
    try:
        generator = registry.persona_generator()
        version = generator.version
        result = reply_generate(
            reply,
            generator=generator,
            screen=analysis.screen_generated,
            emit=lambda texts: _tokens_send(reply, texts),
            cancelled=lambda: streams.stream_cancelled(turn_id),
            tokens_per_event=settings.PERSONA_TOKENS_PER_EVENT,
        )
    except Exception as error:  # noqa: BLE001 - whatever failed, the authored line is said
        # Its type only: a message could quote the conversation.
        logger.warning("Generating persona turn %s failed: %s", turn_id, type(error).__name__)
        result = GeneratedReply(text=None, reason="error", tokens=0, sentences=0, first_token_s=None, seconds=0.0)
    reading = analysis.detect_emotions([result.text])[0] if result.text else None
    persona_reply_finish(reply.turn_id, reply.session_id, result, model=version, reading=reading)
    return result


def persona_card_warm(scenario_id: int) -> bool:
    """The generation worker's work at a session's start on a generative scenario: run the persona's
    card ahead of the first reply, so that reply starts from its kept keys and values (a demo card
    with its facts is 520-750 tokens: ~1 s of a first reply's first token on 2 cores). True when
    the card was run; False when it was kept already or the scenario is not generative."""
    from empathycamp import runtime
    from inference import registry

    card = persona_card(scenario_id=scenario_id)
    if card is None:
        return False
    # Configured as the reply task configures them: a first configuration of the inference models
    # after the warm-up would drop the generator it warmed (registry.configure).
    runtime.inference_configure()
    runtime.generator_configure()
    return registry.persona_generator().card_keep(card)


def persona_reply_finish(
    turn_id: int,
    session_id: object,
    result: GeneratedReply,
    *,
    model: str | None,
    reading: EmotionReading | None,
) -> bool:
    """Save the reply as it ended (the authored line on a fallback), count it, forget its partial
    text and send reply.done. False when it had been finished already (nothing sent)."""
    record: dict[str, Any] = {
        "model": model,
        "fell_back": result.fell_back,
        "reason": result.reason,
        "tokens": result.tokens,
        "sentences": result.sentences,
        "first_token_ms": round(result.first_token_s * 1000) if result.first_token_s is not None else None,
        "ms": round(result.seconds * 1000),
    }
    turn = persona_stream_finish(turn_id=turn_id, text=result.text, record=record, reading=reading)
    if turn is None:
        return False
    metrics.PERSONA_GENERATIONS.labels(outcome=result.outcome).inc()
    if result.fell_back and result.reason:
        metrics.persona_fallback(engine=ENGINE, reason=result.reason)
    if result.first_token_s is not None:
        metrics.PERSONA_FIRST_TOKEN.observe(result.first_token_s)
    try:
        streams.stream_clear(turn_id)
    except Exception:  # noqa: BLE001 - it expires on its own; the turn is saved and done
        logger.warning("Partial text of persona turn %s not cleared; it will expire", turn_id)
    _send([(session_id, events.reply_done(turn_serialise(turn)))])
    return True


def persona_reply_abandon(turn_id: int) -> bool:
    """The sweeper's step for a reply still streaming long after it was saved (its worker died, or
    its task was lost): the authored line it holds is the reply. False when it was finished already."""
    from courses.models import Turn

    session_id = Turn.objects.filter(pk=turn_id).values_list("session_id", flat=True).first()
    if session_id is None:
        return False
    lost = GeneratedReply(text=None, reason="lost", tokens=0, sentences=0, first_token_s=None, seconds=0.0)
    return persona_reply_finish(turn_id, session_id, lost, model=None, reading=None)


def session_streams_end(session_id: uuid.UUID) -> list[int]:
    """The session ended (the learner wrapped up, or a turn was its last): each of its replies still
    streaming is cancelled (its worker stops and sends nothing more) and saved now with the authored
    line it holds, counted as a "cancelled" fallback, and reply.done sent. Returns the turns it
    finished (none that a worker finished first)."""
    finished: list[int] = []
    for pk in session_streaming_turns(session_id=session_id):
        session_streams_cancel([pk])
        cancelled = GeneratedReply(
            text=None, reason="cancelled", tokens=0, sentences=0, first_token_s=None, seconds=0.0
        )
        if persona_reply_finish(pk, session_id, cancelled, model=None, reading=None):
            finished.append(pk)
            # Finishing forgot the stream's flags with its partial text; its worker may still be
            # writing, so it is told again (the flag expires on its own).
            session_streams_cancel([pk])
    return finished


def session_streams_cancel(turn_ids: Sequence[int]) -> None:
    """Tell the workers writing these replies to stop (the web side does so as the learner wraps up;
    the wrap-up task then saves them with their authored lines: `session_streams_end`)."""
    for pk in turn_ids:
        try:
            streams.stream_cancel(pk)
        except Exception:  # noqa: BLE001 - its authored line is saved all the same; the worker's save then loses
            logger.warning("Persona turn %s not told to stop; its authored line is saved anyway", pk)


def _tokens_send(reply: ReplyToGenerate, texts: list[str]) -> None:
    """Append each event's text to the partial text, then send them all as reply.token events with
    their offsets (saved before sent: a page that reconnects between the two reads it)."""
    messages: list[Message] = []
    for text in texts:
        length = streams.stream_append(reply.turn_id, text)
        messages.append(
            (reply.session_id, events.reply_token(turn_id=reply.turn_id, token=text, offset=length - len(text)))
        )
    _send(messages)


def _send(messages: list[Message]) -> None:
    # Saved first; a page that misses an event reads the reply back on reconnect.
    try:
        events_send_steps([(messages, 0.0)])
    except Exception:
        logger.exception("Could not send persona reply events")
