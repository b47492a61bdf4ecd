"""A generated example rewrite: after a generative persona's reply, the generation task asks the same
language model for a minimal edit of the learner's reply, and keeps it only when it is a small edit
of the learner's words without the blocker, the real empathy scorer rates it higher with no
blocker and the real safety screen passes it; then the turn's guidance is saved with it (marked
generated) and sent again. The model is a real tiny causal LM (tests/tiny_lm.py) that says the line
a test gives it, through the real chat template and `generate`; its answer is begun with the
learner's kept words, as the served path begins it, and it goes on from there."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from courses.models import PersonaReply, Scenario, Turn
from courses.practice import rewrite_generation
from courses.practice.guidance import guidance_compose
from courses.practice.rewrite_generation import rewrite_judge_turn, rewrite_request
from courses.selectors.practice_rewrites import TurnToRewrite
from courses.services.enrollments import enrollment_create
from courses.services.persona_replies import persona_replies_save
from courses.services.practice import practice_session_start, turn_submit
from courses.services.turn_analysis import TurnResult, turn_analyses_save
from courses.tasks import analyse_turn_task, persona_reply_task
from empathycamp import metrics, runtime
from inference import analysis
from inference.rewriting import RewriteRequest, rewrite_clean, rewrite_generate, rewrite_messages
from tests.factories import analysis_build, course_bundle_create, persona_reply_create
from tests.tiny_lm import tiny_lm_save

OPENING = "I ordered a birthday present for my daughter and it still hasn't arrived. This is the second time!"
LEARNER = "I'm sorry, that sounds so frustrating. You should just complain to them."
ADVICE = "You should just complain to them."
KEPT = "I'm sorry, that sounds so frustrating."
# A minimal edit: the learner's words without the advice, and an open question added.
GOOD_EDIT = "I'm sorry, that sounds so frustrating. What has been the hardest part?"


def _analysis(**levels: int) -> Any:
    return analysis_build(text=LEARNER, blocker=("advice", ADVICE), **levels)


def _guidance(reading: Any) -> Any:
    return guidance_compose(text=LEARNER, analysis=reading, persona_name="Maya", persona_emotions={"annoyance": 0.8})


def _turn(**levels: int) -> TurnToRewrite:
    reading = _analysis(**levels)
    return TurnToRewrite(
        turn_id=1,
        session_id=uuid.uuid4(),
        text=LEARNER,
        analysis=reading,
        guidance=_guidance(reading),
        persona_text=OPENING,
    )


def _judge(candidate: str, turn: TurnToRewrite) -> rewrite_generation.RewriteVerdict:
    request = rewrite_request(turn)
    assert request is not None
    return rewrite_judge_turn(candidate, turn, request, score=analysis.judge_replies, screen=analysis.screen_generated)


# --- The request and the model's answer --------------------------------------------------------


def test_the_request_names_the_persona_message_the_reply_the_blocker_to_take_out_and_the_move_to_add():
    request = rewrite_request(_turn(er=1))
    assert request == RewriteRequest(
        persona_message=OPENING,
        learner_reply=LEARNER,
        blocker="advice",
        blocker_words=ADVICE,
        mechanism="ex",
        keep=KEPT,
    )
    asked = rewrite_messages(request)[-1]["content"]
    for words in (
        OPENING,
        LEARNER,
        f'Take out: "{ADVICE}"',
        "advice",
        f'Keep, word for word: "{KEPT}"',
        "open question",
    ):
        assert words in asked


def test_nothing_is_asked_when_the_reply_only_blocks_nothing_is_missing_or_coaching_paused():
    only_blocks = TurnToRewrite(
        turn_id=1,
        session_id=uuid.uuid4(),
        text=ADVICE,
        analysis=(reading := analysis_build(text=ADVICE, blocker=("advice", ADVICE))),
        guidance=guidance_compose(text=ADVICE, analysis=reading, persona_name="Maya", persona_emotions={}),
        persona_text=OPENING,
    )
    assert rewrite_request(only_blocks) is None  # no words of theirs would stay: the template's move shows
    assert rewrite_request(_turn(er=2, ip=2, ex=2)) is None
    paused = _turn(er=1)
    paused.guidance["pause"] = True
    assert rewrite_request(paused) is None


def test_the_models_answer_is_cleaned_to_the_edit_alone():
    assert rewrite_clean('Edited reply: "That sounds hard. What happened?"\nThey said: ...') == (
        "That sounds hard. What happened?"
    )
    # A loop is said once, and a long answer is cut at the sentence cap.
    assert rewrite_clean("I'm sorry. I'm sorry. What happened? Tell me more. And more.", max_sentences=2) == (
        "I'm sorry. What happened?"
    )
    assert rewrite_clean("   \n  ") == ""


# --- The judgement: the real scorer and the real screen ----------------------------------------


def test_an_edit_is_kept_only_when_minimal_better_without_its_blocker_and_safe():
    turn = _turn(er=1)
    kept = _judge(GOOD_EDIT, turn)
    assert kept.outcome == "kept", kept
    assert kept.levels_after is not None and sum(kept.levels_after.values()) > 1
    assert _judge("", turn).outcome == "empty"
    assert _judge(LEARNER, turn).outcome == "unchanged"
    # A new reply rather than an edit of the learner's words.
    assert _judge("What has been the hardest part of waiting for the parcel?", turn).outcome == "not_minimal"
    assert _judge(GOOD_EDIT + " " + " ".join(["It must be so hard."] * 4), turn).outcome == "not_minimal"
    # The advice put back (the scorer may not find it beside a question).
    assert _judge("I'm sorry, that sounds so frustrating. You should just complain to them, yes?", turn).outcome == (
        "blocker"
    )
    assert _judge("I'm sorry, that sounds so frustrating, so so frustrating, so so frustrating.", turn).outcome in (
        "repeats",
        "not_minimal",
    )


def test_an_edit_that_speaks_as_an_editor_or_adds_advice_is_off_task():
    turn = _turn(er=1)
    assert _judge("That's a great example of empathy. I'm sorry, that sounds so frustrating.", turn).outcome == (
        "off_task"
    )
    assert _judge("I'm sorry, that sounds so frustrating. Try to call them tomorrow.", turn).outcome == "off_task"
    # A worked example's question copied (the job example's "hearing no"), not one about the parcel.
    copied = "I'm sorry, that sounds so frustrating. What was the hardest part of hearing no?"
    assert _judge(copied, turn).outcome == "off_task"
    # A sentence about the writer, not to the person (the scorer rated such edits higher).
    assert _judge("I'm sorry, that sounds so frustrating. I'm not even that bothered.", turn).outcome == "off_task"


def test_an_edit_the_scorer_does_not_rate_higher_than_the_learners_reply_is_not_kept():
    turn = _turn(er=2, ip=2, ex=1)  # already strong: a plain edit cannot beat 5 of 6
    verdict = _judge("I'm sorry, that sounds so frustrating for you.", turn)
    assert verdict.outcome == "not_better", verdict


# --- In the generation task --------------------------------------------------------------------


@pytest.fixture
def session(alice, db):
    scenario = course_bundle_create(title="Generated").scenario
    scenario.engine = Scenario.Engine.GENERATIVE
    scenario.opening_line = OPENING
    scenario.save(update_fields=["engine", "opening_line"])
    persona_reply_create(scenario=scenario, text="It was a birthday present, and it's gone again.", order=0)
    persona_reply_create(scenario=scenario, text="Thank you. I feel heard.", is_closing=True, order=1)
    enrollment_create(learner=alice, course=scenario.module.course)
    return practice_session_start(learner=alice, scenario=scenario)


@pytest.fixture
def says(tmp_path, settings, monkeypatch):
    """says(line): the persona's language model is a tiny one that says `line` (greedy), to the
    persona's prompt and to the rewrite's alike; generated rewrites on."""
    settings.PRACTICE_GENERATED_REWRITES = True

    def configure(line: str) -> None:
        settings.PERSONA_MODEL_PATH = str(tiny_lm_save(tmp_path / f"lm-{uuid.uuid4().hex[:8]}", line))
        settings.PERSONA_TEMPERATURE = 0.0
        monkeypatch.setattr(runtime, "_generator_configured", False)

    return configure


@pytest.fixture
def sent(monkeypatch):
    events: list[dict[str, Any]] = []

    def capture(steps):
        for messages, _pause in steps:
            events.extend(event for _sid, event in messages)

    for module in ("pipeline", "persona_stream", "rewrite_generation"):
        monkeypatch.setattr(f"courses.practice.{module}.events_send_steps", capture)
    monkeypatch.setattr("courses.services.practice.events_send", lambda sid, event: events.append(event))
    monkeypatch.setattr("courses.services.turn_analysis.events_send_many", lambda m: events.extend(e for _, e in m))
    monkeypatch.setattr("courses.tasks.enqueue_generation", lambda task, pk: None)
    monkeypatch.setattr("courses.services.practice.enqueue", lambda task, *args: None)
    return events


def _persona_turn(session, alice, monkeypatch, **levels: int) -> tuple[Turn, Turn]:
    """The learner's turn analysed as `levels` with the advice in it (no models), and the persona's
    turn saved streaming by the real engine."""
    from courses.practice import pipeline

    def batch_analyse(turn_ids):
        results = []
        for turn in Turn.objects.filter(pk__in=turn_ids):
            reading = _analysis(**levels)
            results.append(
                TurnResult(turn_id=turn.pk, session_id=turn.session_id, analysis=reading, guidance=_guidance(reading))
            )
        return turn_analyses_save(results=results)

    def replies_write(saved):
        return persona_replies_save(plans=pipeline.replies_plan(saved, similarity=None, read_reply=lambda text: None))

    monkeypatch.setattr(pipeline, "batch_analyse", batch_analyse)
    monkeypatch.setattr(pipeline, "replies_write", replies_write)
    learner, _ = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text=LEARNER)
    assert analyse_turn_task.apply(args=[learner.pk]).get() == 1
    persona = Turn.objects.get(in_reply_to=learner)
    assert persona.status == Turn.Status.STREAMING
    return learner, persona


def _count(outcome: str) -> float:
    return metrics.GENERATED_REWRITES.labels(outcome=outcome)._value.get()


@pytest.mark.django_db
def test_a_minimal_edit_rated_higher_replaces_the_template_and_the_page_is_sent_it(
    session, alice, says, sent, monkeypatch
):
    says(GOOD_EDIT)
    learner, persona = _persona_turn(session, alice, monkeypatch, er=1)
    learner.refresh_from_db()
    template = learner.guidance["rewrite"]
    assert template is not None and "generated" not in template
    kept = _count("kept")
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()

    learner.refresh_from_db()
    rewrite = learner.guidance["rewrite"]
    assert rewrite["generated"] == GOOD_EDIT and rewrite["model"].startswith("lm-")
    assert {k: rewrite[k] for k in ("code", "text")} == {k: template[k] for k in ("code", "text")}
    assert _count("kept") == kept + 1
    # After the reply is done, the guidance again: the generated rewrite and its diff.
    types = [e["type"] for e in sent]
    assert types.index("reply.done") < types.index("guidance")
    shown = next(e for e in sent if e["type"] == "guidance")
    assert shown["turn_id"] == learner.pk
    assert shown["guidance"]["rewrite"] == GOOD_EDIT and shown["guidance"]["rewrite_source"] == "generated"
    assert shown["guidance"]["rewrite_diff"] == [
        {"op": "kept", "text": KEPT},
        {"op": "removed", "text": ADVICE},
        {"op": "added", "text": "What has been the hardest part?"},
    ]


@pytest.mark.django_db
def test_an_edit_that_is_not_minimal_is_rejected_counted_and_the_template_stays(
    session, alice, says, sent, monkeypatch
):
    # It keeps the learner's words, then goes on far past a few added words.
    says(
        KEPT
        + " Parcels go missing all the time and couriers never seem to care much about what happens after, honestly."
    )
    learner, persona = _persona_turn(session, alice, monkeypatch, er=1)
    before = Turn.objects.get(pk=learner.pk).guidance
    rejected = _count("not_minimal")
    sent.clear()
    persona_reply_task.apply(args=[persona.pk]).get()
    assert Turn.objects.get(pk=learner.pk).guidance == before
    assert _count("not_minimal") == rejected + 1
    assert not [e for e in sent if e["type"] == "guidance"]


@pytest.mark.django_db
def test_with_generated_rewrites_off_the_model_is_not_asked(session, alice, says, sent, monkeypatch, settings):
    says(GOOD_EDIT)
    settings.PRACTICE_GENERATED_REWRITES = False
    learner, persona = _persona_turn(session, alice, monkeypatch, er=1)
    before = Turn.objects.get(pk=learner.pk).guidance
    persona_reply_task.apply(args=[persona.pk]).get()
    assert Turn.objects.get(pk=learner.pk).guidance == before
    assert PersonaReply.objects.exists()  # the reply itself went as before


@pytest.mark.slow
def test_the_default_model_writes_an_edit_that_keeps_the_learners_words_and_is_judged():
    """SmolLM2-135M-Instruct from its package (the registry's default), through the served prompt
    and its begun answer: whatever it adds, the learner's kept words come first, unchanged, and the
    edit gets a verdict from the fixed set (how often it is kept: `manage.py rewrite_trial`)."""
    from pathlib import Path

    from django.conf import settings

    from inference.generation import GeneratorConfig, PersonaGenerator

    generator = PersonaGenerator.load(GeneratorConfig(cache_dir=Path(settings.PERSONA_MODEL_CACHE_DIR)))
    turn = _turn(er=1)
    request = rewrite_request(turn)
    assert request is not None
    candidate = rewrite_generate(generator, request)
    assert candidate.startswith(KEPT)
    assert _judge(candidate, turn).outcome in set(metrics.REWRITE_OUTCOMES) - {"error"}
