"""The generative persona's real streaming path: a learner turn of a generative scenario analysed by
the analysis task, its persona turn saved streaming with the authored line, then the generation
task writing the reply with a real (tiny) causal LM, each sentence screened by the real safety
screen for generated text and checked in character and for repeats before its tokens are sent;
then the turn saved. The tiny model (tests/tiny_lm.py) says the line a test gives it."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import reverse

from courses.models import PersonaReply, Scenario, Turn
from courses.practice import persona_stream, streams
from courses.practice.guidance import guidance_compose
from courses.services.enrollments import enrollment_create
from courses.services.persona_replies import persona_replies_save
from courses.services.practice import practice_session_start, session_wrap_up, turn_submit
from courses.services.turn_analysis import TurnResult, turn_analyses_save
from courses.tasks import analyse_turn_task, persona_reply_task, session_wrap_up_task, sweep_task
from empathycamp import metrics, runtime
from empathycamp.asgi import application
from inference import analysis
from inference.generation import PersonaGenerator, prompt_messages
from inference.persona_facts import facts_text
from inference.safety import screen_texts
from tests.db import connections_since_end, database_now
from tests.factories import analysis_build, course_bundle_create, persona_reply_create
from tests.tiny_lm import tiny_lm_save

pytestmark = pytest.mark.django_db

WHOLE_SCREEN = analysis.screen_generated
AUTHORED = "It was a birthday present for my daughter, and now it's gone again."
EARLIER = "You're not even listening to me."


@pytest.fixture
def scenario(db):
    scenario = course_bundle_create(title="Generated").scenario
    scenario.engine = Scenario.Engine.GENERATIVE
    scenario.save(update_fields=["engine"])
    persona_reply_create(scenario=scenario, text=AUTHORED, order=0)
    persona_reply_create(scenario=scenario, text="Thank you. I feel heard.", is_closing=True, order=1)
    return scenario


@pytest.fixture
def session(alice, scenario):
    enrollment_create(learner=alice, course=scenario.module.course)
    return practice_session_start(learner=alice, scenario=scenario)


@pytest.fixture
def says(tmp_path, settings, monkeypatch):
    """says(line): the persona's language model is a tiny one that generates `line` (greedy). The
    lines are screened by the safety rules alone here (the learned classifier flags everyday lines
    such as "I waited all morning." today, and is retrained often); the unsafe-line test runs the
    whole screen."""
    monkeypatch.setattr("inference.analysis.screen_generated", lambda texts, batch_size=64: screen_texts(texts))

    def configure(line: str) -> None:
        folder = tiny_lm_save(tmp_path / f"lm-{uuid.uuid4().hex[:8]}", line)
        settings.PERSONA_MODEL_PATH = str(folder)
        settings.PERSONA_TEMPERATURE = 0.0
        settings.PERSONA_TOKENS_PER_EVENT = 2
        monkeypatch.setattr(runtime, "_generator_configured", False)

    return configure


@pytest.fixture
def sent(monkeypatch):
    """Every practice event the worker steps send, in order, instead of the channel layer."""
    events: list[dict[str, Any]] = []

    def capture(steps):
        for messages, _pause in steps:
            events.extend(event for _sid, event in messages)

    monkeypatch.setattr("courses.practice.pipeline.events_send_steps", capture)
    monkeypatch.setattr("courses.practice.persona_stream.events_send_steps", capture)
    monkeypatch.setattr("courses.services.practice.events_send", lambda sid, event: events.append(event))
    monkeypatch.setattr("courses.services.turn_analysis.events_send_many", lambda m: events.extend(e for _, e in m))
    return events


@pytest.fixture
def generations(monkeypatch):
    """The persona turns the analysis task queued for generation (run by the test, when it says)."""
    queued: list[int] = []
    monkeypatch.setattr("courses.tasks.enqueue_generation", lambda task, pk: queued.append(pk))
    monkeypatch.setattr("courses.services.practice.enqueue", lambda task, *args: None)
    return queued


def _analysed(monkeypatch, *, er: int = 1) -> None:
    """The analysis task's model step, without models: the turn is saved analysed as `er`, and the
    persona's reply is chosen by the real engines (no sentence encoder, no reading of the line)."""
    from courses.practice import pipeline

    def batch_analyse(turn_ids):
        turns = list(Turn.objects.filter(pk__in=turn_ids))
        results = []
        for turn in turns:
            analysis = analysis_build(er=er, text=turn.text)
            guidance = guidance_compose(text=turn.text, analysis=analysis, persona_name="Maya", persona_emotions={})
            results.append(
                TurnResult(turn_id=turn.pk, session_id=turn.session_id, analysis=analysis, guidance=guidance)
            )
        return turn_analyses_save(results=results)

    def replies_write(saved):
        return persona_replies_save(plans=pipeline.replies_plan(saved, similarity=None, read_reply=lambda text: None))

    monkeypatch.setattr(pipeline, "batch_analyse", batch_analyse)
    monkeypatch.setattr(pipeline, "replies_write", replies_write)


def _learner_turn(session, alice, text: str = "That sounds so frustrating, I'm sorry.") -> Turn:
    turn, _ = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text=text)
    return turn


def _streaming_reply(session, alice, monkeypatch, generations) -> Turn:
    _analysed(monkeypatch)
    learner = _learner_turn(session, alice)
    assert analyse_turn_task.apply(args=[learner.pk]).get() == 1
    persona = Turn.objects.get(in_reply_to=learner)
    assert generations == [persona.pk]
    return persona


def _fallbacks(reason: str) -> float:
    return metrics.PERSONA_FALLBACKS.labels(engine="generative", reason=reason)._value.get()


def test_tokens_arrive_in_several_events_as_generated_then_the_saved_turn(
    session, alice, says, sent, generations, monkeypatch
):
    line = "I waited all morning for that call. Nobody rang back, not once!"
    says(line)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    # Saved before any word is generated: streaming, holding the authored line as its fallback.
    assert persona.status == Turn.Status.STREAMING and persona.text == AUTHORED
    assert persona.generation == {"engine": "generative", "model": None, "fell_back": None, "reason": None}
    start = [e for e in sent if e["type"] == "reply.start"]
    assert [e["turn_id"] for e in start] == [persona.pk]
    assert not [e for e in sent if e["type"] in ("reply.token", "reply.done")]  # the generation worker's

    sent.clear()
    assert persona_reply_task.apply(args=[persona.pk]).get() > 0

    tokens = [e for e in sent if e["type"] == "reply.token"]
    assert len(tokens) >= 4  # a few tokens per event, not the whole reply at once
    assert "".join(e["token"] for e in tokens) == line
    offsets = [e["offset"] for e in tokens]
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert sent[-1]["type"] == "reply.done" and sent.index(sent[-1]) > sent.index(tokens[-1])
    persona.refresh_from_db()
    assert persona.status == Turn.Status.DONE and persona.text == line
    assert sent[-1]["turn"]["text"] == line and sent[-1]["turn"]["status"] == "done"
    assert persona.generation["engine"] == "generative" and persona.generation["fell_back"] is False
    assert persona.generation["model"].startswith("lm-") and persona.generation["sentences"] == 2
    assert streams.stream_text(persona.pk) == ""  # the partial text is forgotten once saved
    # A second delivery of the task finds the turn done and sends nothing.
    sent.clear()
    assert persona_reply_task.apply(args=[persona.pk]).get() == 0
    assert sent == []


def test_an_unsafe_generated_line_is_never_shown_nor_saved(session, alice, says, sent, generations, monkeypatch):
    says("I want to kill myself tonight.")
    monkeypatch.setattr("inference.analysis.screen_generated", WHOLE_SCREEN)  # rules and the classifier
    before = _fallbacks("unsafe")
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()
    assert not [e for e in sent if e["type"] == "reply.token"]
    assert "kill" not in str(sent)
    persona.refresh_from_db()
    assert persona.text == AUTHORED and persona.status == Turn.Status.DONE
    assert persona.generation["fell_back"] is True and persona.generation["reason"] == "unsafe"
    assert "kill" not in str(Turn.objects.filter(session=session).values())
    assert sent[-1]["type"] == "reply.done" and sent[-1]["turn"]["text"] == AUTHORED
    assert _fallbacks("unsafe") == before + 1


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("How can I help you today?", "out_of_character"),  # an assistant's phrase
        ("You should ring the courier yourself.", "out_of_character"),  # advice, as an assistant gives it
        ("You're not even listening to me!", "repetition"),  # the persona said this before
    ],
)
def test_an_assistant_phrase_or_a_repeat_falls_back_to_the_authored_line(
    session, alice, says, sent, generations, monkeypatch, line, reason
):
    Turn.objects.filter(session=session, index=0).update(text=EARLIER)  # the persona's opening line
    says(line)
    before = _fallbacks(reason)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()
    assert not [e for e in sent if e["type"] == "reply.token"]
    persona.refresh_from_db()
    assert persona.text == AUTHORED and persona.generation["reason"] == reason
    assert _fallbacks(reason) == before + 1


def test_a_later_sentence_that_fails_ends_the_reply_with_the_sentences_before_it(
    session, alice, says, sent, generations, monkeypatch
):
    says("I waited all morning. As an AI, nothing matters.")
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()
    shown = "".join(e["token"] for e in sent if e["type"] == "reply.token")
    assert shown.strip() == "I waited all morning."
    persona.refresh_from_db()
    assert persona.text == "I waited all morning."
    assert persona.generation["fell_back"] is False and persona.generation["reason"] == "out_of_character"


def test_a_cancelled_or_failed_generation_leaves_the_authored_line(
    session, alice, says, sent, generations, monkeypatch
):
    says("I waited all morning. Nobody rang back, not once!")
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    streams.stream_cancel(persona.pk)
    persona_reply_task.apply(args=[persona.pk]).get()
    persona.refresh_from_db()
    assert persona.text == AUTHORED and persona.generation["reason"] == "cancelled"

    second = _learner_turn(session, alice, "What happened then?")
    generations.clear()
    analyse_turn_task.apply(args=[second.pk]).get()
    (pk,) = generations

    def broken(self, *args, **kwargs):
        yield from ()
        raise RuntimeError("out of memory")

    monkeypatch.setattr("inference.generation.PersonaGenerator.stream", broken)
    persona_reply_task.apply(args=[pk]).get()
    failed = Turn.objects.get(pk=pk)
    assert failed.status == Turn.Status.DONE and failed.text == AUTHORED
    assert failed.generation["reason"] == "error"


def test_a_reply_whose_worker_died_gets_its_authored_line_from_the_sweeper(
    session, alice, says, sent, generations, monkeypatch, settings
):
    says("I waited all morning.")
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    settings.PERSONA_STREAM_STALE_S = 0
    sent.clear()
    sweep_task.apply().get()
    persona.refresh_from_db()
    assert persona.status == Turn.Status.DONE and persona.text == AUTHORED
    assert persona.generation["reason"] == "lost"
    assert [e["type"] for e in sent] == ["reply.done"]
    # The generation task, if its message turns up after all, finds it done.
    assert persona_reply_task.apply(args=[persona.pk]).get() == 0


def test_the_scripted_engine_still_saves_and_streams_its_authored_line_at_once(
    session, alice, sent, generations, monkeypatch
):
    Scenario.objects.filter(pk=session.scenario_id).update(engine=Scenario.Engine.SCRIPTED)
    _analysed(monkeypatch)
    learner = _learner_turn(session, alice)
    analyse_turn_task.apply(args=[learner.pk]).get()
    persona = Turn.objects.get(in_reply_to=learner)
    assert persona.status == Turn.Status.DONE and persona.text == AUTHORED
    assert persona.generation == {"engine": "scripted"}
    assert generations == []
    assert [e["type"] for e in sent if e["type"].startswith("reply.")][-1] == "reply.done"


def test_closing_lines_stay_authored(session, alice, generations, monkeypatch):
    Scenario.objects.filter(pk=session.scenario_id).update(max_turns=1)
    _analysed(monkeypatch)
    learner = _learner_turn(session, alice)
    analyse_turn_task.apply(args=[learner.pk]).get()
    closing = Turn.objects.get(in_reply_to=learner)
    assert closing.status == Turn.Status.DONE and closing.text == "Thank you. I feel heard."
    assert generations == []
    assert PersonaReply.objects.get(pk=closing.reply_id).is_closing


# --- A page that reconnects mid-stream ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_page_that_reconnects_mid_stream_gets_the_text_so_far_then_the_rest(
    client, session, alice, says, generations, monkeypatch, settings
):
    """The socket (real ASGI app, in-memory layer, embedded mode) connects after the first sentence
    was sent: session.state has it as the streaming turn's text, and the rest arrives as tokens
    whose offsets continue it, then reply.done."""
    settings.EMBEDDED_MODE = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    line = "I waited all morning for that call. Nobody rang back, not once!"
    says(line)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    first_sent, go_on = threading.Event(), threading.Event()
    send = persona_stream._tokens_send

    def held_after_first_sentence(reply, texts):
        send(reply, texts)
        if not first_sent.is_set():
            first_sent.set()
            assert go_on.wait(30)

    monkeypatch.setattr(persona_stream, "_tokens_send", held_after_first_sentence)
    started = database_now()
    worker = threading.Thread(target=lambda: (persona_reply_task.apply(args=[persona.pk]), connections.close_all()))
    worker.start()
    assert first_sent.wait(60)

    client.force_login(alice)
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]

    async def reconnect() -> tuple[dict, list[dict]]:
        ws = WebsocketCommunicator(application, f"/ws/practice/{session.pk}/", headers=headers)
        connected, _ = await ws.connect()
        assert connected
        state = await ws.receive_json_from(timeout=10)
        go_on.set()
        later = []
        while not later or later[-1]["type"] != "reply.done":
            later.append(await ws.receive_json_from(timeout=30))
        await ws.disconnect()
        return state, later

    state, later = async_to_sync(reconnect)()
    worker.join(30)
    shown = next(t for t in state["turns"] if t["id"] == persona.pk)
    assert shown["status"] == "streaming" and shown["text"] == "I waited all morning for that call. "
    # The page's rule (state.js onReplyToken): skip what it has by offset, append the rest.
    text = shown["text"]
    for event in later:
        if event["type"] == "reply.token" and event["offset"] + len(event["token"]) > len(text):
            text += event["token"][len(text) - event["offset"] :]
    assert text == line
    assert later[-1]["turn"]["text"] == line and later[-1]["turn"]["status"] == "done"
    connections_since_end(started)


def test_instructors_see_how_the_scenarios_generated_replies_ended(
    client, charlie, session, alice, says, sent, generations, monkeypatch
):
    says("How can I help you today?")
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    persona_reply_task.apply(args=[persona.pk]).get()
    client.force_login(charlie)
    page = client.get(reverse("admin:courses_scenario_change", args=[session.scenario_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Generated replies" in text
    assert "1 generated replies in the last 30 days" in text and "out of character 1" in text
    assert "How can I help" not in text  # what failed a check is never stored nor shown


def test_a_speakers_label_at_the_start_is_dropped_before_anything_is_checked_or_sent(
    session, alice, says, sent, generations, monkeypatch
):
    says('Maya Chen says: "I waited all morning.')
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()
    assert "".join(e["token"] for e in sent if e["type"] == "reply.token") == "I waited all morning."
    persona.refresh_from_db()
    assert persona.text == "I waited all morning." and persona.generation["fell_back"] is False


def test_the_generative_turns_prompt_states_the_scenarios_facts_as_edited(
    session, alice, says, sent, generations, monkeypatch
):
    """The prompt the generation task gives the model holds the scenario's facts, read afresh for
    each turn: an instructor's edit reaches the next turn."""
    Scenario.objects.filter(pk=session.scenario_id).update(
        persona_facts="order number: 48213-B\nbirthday: tomorrow, Saturday, a party at 2 pm"
    )
    says("I waited all morning.")
    prompts = []
    stream = PersonaGenerator.stream

    def spy(self, prompt, **kwargs):
        prompts.append(prompt)
        return stream(self, prompt, **kwargs)

    monkeypatch.setattr(PersonaGenerator, "stream", spy)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    persona_reply_task.apply(args=[persona.pk]).get()
    (prompt,) = prompts
    assert dict(prompt.facts) == {"order number": "48213-B", "birthday": "tomorrow, Saturday, a party at 2 pm"}
    card = prompt_messages(prompt)[0]["content"]
    assert facts_text(prompt.facts) in card and "- order number: 48213-B\n" in card

    Scenario.objects.filter(pk=session.scenario_id).update(persona_facts="order number: 48213-C")
    second = _learner_turn(session, alice, "What was the order number?")
    generations.clear()
    analyse_turn_task.apply(args=[second.pk]).get()
    persona_reply_task.apply(args=[generations[0]]).get()
    assert dict(prompts[-1].facts) == {"order number": "48213-C"}
    assert "48213-B" not in prompt_messages(prompts[-1])[0]["content"]


# --- The session ends while a reply streams ----------------------------------------------------


def _no_models_for_the_closing_line(monkeypatch) -> None:
    """The wrap-up chooses its closing line without the sentence encoder and the emotion detector."""
    from courses.practice import pipeline

    monkeypatch.setattr(pipeline, "_reading", lambda text: None)
    monkeypatch.setattr(pipeline.models, "similarity", None)


@pytest.mark.django_db(transaction=True)
def test_wrapping_up_while_a_reply_streams_stops_it_and_leaves_the_authored_line(
    session, alice, says, sent, generations, monkeypatch
):
    """The real generation task streams its first sentence; the learner wraps up while it waits to
    go on. The wrap-up tells the worker to stop and saves the reply with its authored line before
    the closing line; the worker then sends nothing more and saves nothing (never half a reply)."""
    line = "I waited all morning for that call. Nobody rang back, not once!"
    says(line)
    _no_models_for_the_closing_line(monkeypatch)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    first_sent, go_on = threading.Event(), threading.Event()
    send = persona_stream._tokens_send

    def held_after_first_sentence(reply, texts):
        send(reply, texts)
        if not first_sent.is_set():
            first_sent.set()
            assert go_on.wait(30)

    monkeypatch.setattr(persona_stream, "_tokens_send", held_after_first_sentence)
    results = []
    worker = threading.Thread(
        target=lambda: (results.append(persona_reply_task.apply(args=[persona.pk]).get()), connections.close_all())
    )
    sent.clear()
    worker.start()
    try:
        assert first_sent.wait(60)
        assert streams.stream_text(persona.pk) == "I waited all morning for that call. "
        session_wrap_up(session_id=session.pk, learner=alice)
        assert streams.stream_cancelled(persona.pk)  # told at once, before the wrap-up task runs
        assert session_wrap_up_task.apply(args=[str(session.pk)]).get() == 1
        wrapped = len(sent)
    finally:
        go_on.set()
        worker.join(30)
    # The worker stopped within a few tokens of being told (the line is 12), its save lost to the wrap-up's.
    assert not worker.is_alive() and 0 < results[0] < len(line.split())
    assert Turn.objects.get(pk=persona.pk).generation["model"] is None

    turns = list(Turn.objects.filter(session=session).order_by("index"))
    persona.refresh_from_db()
    assert persona.status == Turn.Status.DONE and persona.text == AUTHORED
    assert persona.generation["fell_back"] is True and persona.generation["reason"] == "cancelled"
    assert turns[-1].text == "Thank you. I feel heard." and turns[-1].index == persona.index + 1
    assert all(t.status == Turn.Status.DONE for t in turns)
    # Its reply.done (the authored line) went out before the closing line started; the worker sent
    # nothing after the wrap-up, and the page was never told the generated words were the reply.
    types = [(e["type"], e.get("turn_id") or e.get("turn", {}).get("id")) for e in sent]
    done = types.index(("reply.done", persona.pk))
    assert sent[done]["turn"]["text"] == AUTHORED and sent[done]["turn"]["status"] == "done"
    assert done < next(i for i, (kind, pk) in enumerate(types) if kind == "reply.start" and pk != persona.pk)
    assert len(sent) == wrapped and [t for t in types if t == ("reply.done", persona.pk)] == [types[done]]
    assert "Nobody rang back" not in str(sent) and streams.stream_text(persona.pk) == ""


def test_a_last_turn_that_ends_the_session_stops_an_earlier_reply_still_streaming(
    session, alice, says, sent, generations, monkeypatch
):
    """The learner sent their last turn before the previous reply was generated: the session ends
    with its closing line, and the reply still streaming is saved with its authored line then; its
    generation task, when it comes, finds it done and sends nothing."""
    says("I waited all morning.")
    Scenario.objects.filter(pk=session.scenario_id).update(max_turns=2)
    persona = _streaming_reply(session, alice, monkeypatch, generations)
    last = _learner_turn(session, alice, "I'm sorry. What happened then?")
    sent.clear()
    assert analyse_turn_task.apply(args=[last.pk]).get() == 1
    persona.refresh_from_db()
    assert persona.status == Turn.Status.DONE and persona.text == AUTHORED
    assert persona.generation["reason"] == "cancelled"
    closing = Turn.objects.get(in_reply_to=last)
    assert closing.text == "Thank you. I feel heard." and closing.session.status == "completed"
    assert [e["turn"]["text"] for e in sent if e["type"] == "reply.done" and e["turn"]["id"] == persona.pk] == [
        AUTHORED
    ]
    sent.clear()
    assert persona_reply_task.apply(args=[persona.pk]).get() == 0
    assert sent == []


def test_starting_a_session_runs_the_persona_card_before_the_first_reply(
    alice, scenario, says, monkeypatch, django_capture_on_commit_callbacks
):
    """The card (who the persona is, the situation, the facts: 520-750 tokens on a demo card) is run
    on the generation worker while the learner reads the opening line, so the first reply's first
    pass runs only the conversation; a second session finds it kept. A scripted scenario warms nothing."""
    from inference import registry

    says("I waited all morning.")
    warmed: list[bool] = []
    monkeypatch.setattr("courses.services.practice.enqueue_generation", lambda task, *args: warmed.append(task(*args)))
    enrollment_create(learner=alice, course=scenario.module.course)
    with django_capture_on_commit_callbacks(execute=True):
        session = practice_session_start(learner=alice, scenario=scenario)
    with django_capture_on_commit_callbacks(execute=True):
        practice_session_start(learner=alice, scenario=scenario)
    assert warmed == [True, False]

    generator = registry.persona_generator()
    card = generator._template_ids(prompt_messages(persona_stream.persona_card(scenario_id=scenario.pk))[:1])
    runs: list[int] = []
    forward = generator.model.forward

    def spy(*args, **kwargs):
        runs.append(kwargs["input_ids"].shape[1])
        return forward(*args, **kwargs)

    monkeypatch.setattr(generator.model, "forward", spy)
    _analysed(monkeypatch)
    learner = _learner_turn(session, alice)
    analyse_turn_task.apply(args=[learner.pk]).get()
    persona_reply_task.apply(args=[Turn.objects.get(in_reply_to=learner).pk]).get()
    assert runs and runs[0] < card.shape[0]  # the first pass started after the kept card

    Scenario.objects.filter(pk=scenario.pk).update(engine=Scenario.Engine.SCRIPTED)
    scenario.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        practice_session_start(learner=alice, scenario=scenario)
    assert warmed == [True, False]
