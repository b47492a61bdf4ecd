"""Practice writes: sessions, turns (idempotent, rate limited, refused when closed), the task's claim
and what the worker saves in its two steps (the analysis, then the persona's reply). Analyses are
given as plain dicts; the models run in test_practice_consumer.py."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from courses.models import ItemProgress, PracticeSession, Turn
from courses.practice import events, render
from courses.practice.guidance import guidance_compose
from courses.practice.pipeline import replies_plan, wrap_up_plan
from courses.services.enrollments import enrollment_create
from courses.services.persona_replies import persona_replies_save, session_closing_undo
from courses.services.practice import (
    PracticeRefused,
    practice_session_start,
    session_continue,
    session_wrap_up,
    turn_retry,
    turn_submit,
)
from courses.services.turn_analysis import TurnResult, turn_analyses_save, turns_claim, turns_fail, turns_release
from tests.factories import analysis_build, course_bundle_create, persona_reply_create


@pytest.fixture
def bundle(db):
    bundle = course_bundle_create(title="Empathy Basics")
    persona_reply_create(scenario=bundle.scenario, text="You don't get it.", max_er=0, order=0)
    persona_reply_create(scenario=bundle.scenario, text="Thank you, yes, it's been awful.", min_er=1, order=1)
    persona_reply_create(
        scenario=bundle.scenario, text="Thanks for listening. I feel better.", is_closing=True, order=2
    )
    return bundle


@pytest.fixture
def session(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    return practice_session_start(learner=alice, scenario=bundle.scenario)


def submit(session, learner, text="That sounds so frustrating.", client_id=None):
    return turn_submit(session_id=session.pk, learner=learner, client_id=client_id or uuid.uuid4(), text=text)


def running_turn(session, learner, text="That sounds so frustrating."):
    turn, _ = submit(session, learner, text=text)
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]
    return turn


@dataclass
class Saved:
    turn: Turn
    persona_turn: Turn | None
    session_status: str
    summary: dict | None


def save(turn, **analysis):
    """Both worker steps for one turn, without the models: None if the turn was not this worker's."""
    built = analysis_build(**analysis)
    guidance = guidance_compose(text=turn.text, analysis=built, persona_name="Sam", persona_emotions={"anger": 0.7})
    saved = turn_analyses_save(
        results=[TurnResult(turn_id=turn.pk, session_id=turn.session_id, analysis=built, guidance=guidance)]
    )
    if not saved:
        return None
    [outcome] = persona_replies_save(plans=replies_plan(saved, similarity=None, read_reply=lambda text: None))
    return Saved(
        turn=Turn.objects.get(pk=turn.pk),
        persona_turn=outcome.persona_turn,
        session_status=outcome.session_status,
        summary=outcome.summary,
    )


def test_session_start_writes_the_opening_turn_and_starting_feelings(session, alice, bundle):
    turns = list(session.turns.all())
    assert [(t.index, t.role, t.text) for t in turns] == [(0, "persona", "This is the second time!")]
    assert session.persona_state == {"anger": 0.7, "disappointment": 0.5} == turns[0].persona_state
    assert ItemProgress.objects.get(learner=alice, item=bundle.scenario).attempts == 1


def test_turn_submit_saves_and_schedules_after_commit(session, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        turn, created = submit(session, alice, text="  That sounds hard.  ")
    assert created and turn.status == Turn.Status.QUEUED and turn.index == 1
    assert turn.text == "That sounds hard."
    assert len(callbacks) == 1  # turn.saved + enqueue, only once the row is committed


def test_resend_with_same_client_id_returns_the_stored_turn(session, alice, django_capture_on_commit_callbacks):
    cid = uuid.uuid4()
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = submit(session, alice, client_id=cid)
        again, created_again = submit(session, alice, client_id=cid, text="different text")
    assert created and not created_again
    assert again.pk == first.pk and again.text == first.text
    assert Turn.objects.filter(session=session, role="learner").count() == 1
    assert len(callbacks) == 1  # scheduled once


@pytest.mark.parametrize(
    ("text", "code"), [("   ", events.ERR_EMPTY), ("x" * (events.MAX_TURN_CHARS + 1), events.ERR_TOO_LONG)]
)
def test_empty_or_oversize_turns_are_refused_and_not_saved(session, alice, text, code):
    with pytest.raises(PracticeRefused) as refused:
        submit(session, alice, text=text)
    assert refused.value.code == code
    assert not Turn.objects.filter(role="learner").exists()


def test_exactly_max_chars_after_strip_is_accepted(session, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        turn, created = submit(session, alice, text="  " + "y" * events.MAX_TURN_CHARS + "\n")
    assert created and len(turn.text) == events.MAX_TURN_CHARS


def test_rate_limit_counts_the_learners_turns_across_sessions(
    settings, session, alice, bundle, django_capture_on_commit_callbacks
):
    settings.PRACTICE_TURNS_PER_MINUTE = 2
    other = practice_session_start(learner=alice, scenario=bundle.scenario)
    with django_capture_on_commit_callbacks():
        submit(session, alice)
        submit(other, alice)
        with pytest.raises(PracticeRefused) as refused:
            submit(session, alice)
    assert refused.value.code == events.ERR_RATE_LIMITED
    assert "try again" in refused.value.message
    assert Turn.objects.filter(role="learner").count() == 2


@pytest.mark.parametrize("status", [PracticeSession.Status.PAUSED, PracticeSession.Status.COMPLETED])
def test_closed_session_refuses_turns(session, alice, status):
    PracticeSession.objects.filter(pk=session.pk).update(status=status)
    with pytest.raises(PracticeRefused) as refused:
        submit(session, alice)
    assert refused.value.code == events.ERR_SESSION_CLOSED
    assert not Turn.objects.filter(role="learner").exists()


def test_no_turns_beyond_max_turns(session, alice, bundle, django_capture_on_commit_callbacks):
    bundle.scenario.max_turns = 1
    bundle.scenario.save()
    with django_capture_on_commit_callbacks():
        submit(session, alice)
        with pytest.raises(PracticeRefused) as refused:
            submit(session, alice)
    assert refused.value.code == events.ERR_SESSION_CLOSED


def test_another_learner_cannot_submit(session, bob):
    with pytest.raises(PermissionDenied):
        submit(session, bob)
    assert not Turn.objects.filter(role="learner").exists()


def test_claim_is_won_once(session, alice):
    turn, _ = submit(session, alice)
    assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]
    assert turns_claim(turn_id=turn.pk, batch_size=1) == []
    turn.refresh_from_db()
    assert turn.status == Turn.Status.RUNNING and turn.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_one_wins(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    turn = Turn.objects.create(session=session, index=1, role="learner", text="hi", status=Turn.Status.QUEUED)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def claim() -> None:
        barrier.wait()
        try:
            results.append(turns_claim(turn_id=turn.pk, batch_size=8))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [[], [turn.pk]]
    turn.refresh_from_db()
    assert turn.attempts == 1


def test_batch_claim_takes_other_queued_learner_turns_oldest_first(session, alice, bundle):
    other = practice_session_start(learner=alice, scenario=bundle.scenario)
    oldest, _ = submit(session, alice)
    middle, _ = submit(other, alice)
    newest, _ = submit(session, alice)
    # The task of the newest turn also takes the oldest waiting one; the batch is full at two.
    assert turns_claim(turn_id=newest.pk, batch_size=2) == [newest.pk, oldest.pk]
    assert Turn.objects.get(pk=middle.pk).status == Turn.Status.QUEUED
    turns_release(turn_ids=[newest.pk, oldest.pk])
    assert set(Turn.objects.filter(role="learner").values_list("status", flat=True)) == {"queued"}


def test_failed_turn_can_be_retried(session, alice, django_capture_on_commit_callbacks):
    turn = running_turn(session, alice)
    turns_fail(turn_ids=[turn.pk], reason="Models unavailable")
    turn.refresh_from_db()
    assert turn.status == Turn.Status.FAILED and turn.failure_reason == "Models unavailable"
    with django_capture_on_commit_callbacks() as callbacks:
        retried = turn_retry(session_id=session.pk, learner=alice, turn_id=turn.pk)
    assert retried.status == Turn.Status.QUEUED and retried.failure_reason == ""
    assert len(callbacks) == 1
    with pytest.raises(PracticeRefused):
        turn_retry(session_id=session.pk, learner=alice, turn_id=turn.pk)  # not failed any more


def test_a_turn_stuck_in_running_can_be_retried_after_a_while(session, alice, django_capture_on_commit_callbacks):
    turn = running_turn(session, alice)
    with pytest.raises(PracticeRefused):
        turn_retry(session_id=session.pk, learner=alice, turn_id=turn.pk)  # its worker may still be on it
    Turn.objects.filter(pk=turn.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as callbacks:
        assert turn_retry(session_id=session.pk, learner=alice, turn_id=turn.pk).status == Turn.Status.QUEUED
    assert len(callbacks) == 1
    # The worker that lost it cannot save over the retry.
    assert save(turn, er=2) is None


def test_result_save_writes_analysis_guidance_feelings_and_reply(session, alice):
    turn = running_turn(session, alice)
    outcome = save(turn, er=2, rationales={"er": ["sounds so frustrating"]})
    turn.refresh_from_db()
    assert turn.status == Turn.Status.DONE and turn.analysis["empathy"]["er"]["level"] == 2
    # The quote is the learner's whole phrase around the model's span.
    assert turn.guidance["worked"]["quote"] == "That sounds so frustrating"
    assert "‘That sounds so frustrating’" in render.guidance_render(turn.guidance)["worked"]
    assert turn.persona_state["anger"] < 0.7
    reply = outcome.persona_turn
    # The only goal (ER >= 1) is met, and the conversation goes on: goals tick, they don't close it.
    assert reply.text == "Thank you, yes, it's been awful."
    assert reply.in_reply_to_id == turn.pk and reply.index == 2
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE and session.goals_met == [session.scenario.goals.get().pk]
    assert session.persona_state == turn.persona_state
    # A second save of the same turn (a redelivered task) writes nothing.
    assert save(turn, er=0) is None
    assert Turn.objects.filter(session=session, role="persona").count() == 2


def test_wrap_up_closes_with_a_closing_line_the_summary_and_progress(
    session, alice, django_capture_on_commit_callbacks
):
    turn = running_turn(session, alice)
    save(turn, er=2, rationales={"er": ["sounds so frustrating"]})
    with django_capture_on_commit_callbacks() as callbacks:
        session_wrap_up(session_id=session.pk, learner=alice)
    assert len(callbacks) == 1  # the wrap-up task, once committed
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.CLOSING
    with pytest.raises(PracticeRefused) as refused:
        submit(session, alice)  # no more turns while the persona closes
    assert refused.value.code == events.ERR_SESSION_CLOSED

    [outcome] = persona_replies_save(plans=wrap_up_plan(session.pk, similarity=None, read_reply=lambda text: None))
    assert outcome.persona_turn.text == "Thanks for listening. I feel better."
    assert outcome.persona_turn.in_reply_to_id is None and outcome.session_status == "completed"
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED and session.summary["goals_met"]
    progress = ItemProgress.objects.get(learner=alice, item=session.scenario)
    assert progress.completed_at is not None and progress.best_score == session.score > 0
    # A redelivered wrap-up writes nothing more.
    assert wrap_up_plan(session.pk, similarity=None, read_reply=lambda text: None) == []


def test_wrap_up_is_refused_before_a_first_analysed_turn_and_while_one_is_pending(
    session, alice, django_capture_on_commit_callbacks
):
    with pytest.raises(PracticeRefused) as refused:
        session_wrap_up(session_id=session.pk, learner=alice)
    assert refused.value.code == events.ERR_EMPTY
    save(running_turn(session, alice), er=1)
    running_turn(session, alice, text="And how is it now?")
    with pytest.raises(PracticeRefused) as refused:
        session_wrap_up(session_id=session.pk, learner=alice)
    assert refused.value.code == events.ERR_TURN_PENDING
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE


def test_a_wrap_up_that_cannot_be_written_gives_the_session_back(session, alice, django_capture_on_commit_callbacks):
    save(running_turn(session, alice), er=1)
    with django_capture_on_commit_callbacks(execute=False):
        session_wrap_up(session_id=session.pk, learner=alice)
    assert session_closing_undo(session_id=session.pk) is True
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE
    assert session_closing_undo(session_id=session.pk) is False


def test_cold_turn_gets_the_cold_reply_and_the_session_goes_on(session, alice):
    turn = running_turn(session, alice, text="Calm down.")
    outcome = save(turn, labels=("disapproval",))
    assert outcome.persona_turn.text == "You don't get it."
    assert outcome.session_status == "active" and outcome.summary is None
    assert outcome.turn.persona_state["anger"] > 0.7


def test_safety_concern_pauses_without_a_reply_and_continue_resumes(session, alice, django_capture_on_commit_callbacks):
    turn = running_turn(session, alice, text="Honestly I don't want to be here anymore.")
    outcome = save(turn, safety="crisis")
    assert outcome.persona_turn is None and outcome.session_status == "paused"
    shown = render.guidance_render(outcome.turn.guidance)
    assert shown["pause"] and "findahelpline.com" in " ".join(line["text"] for line in shown["resources"]["lines"])
    with pytest.raises(PracticeRefused):
        submit(session, alice)
    with django_capture_on_commit_callbacks():
        session_continue(session_id=session.pk, learner=alice)
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE


def test_session_ends_after_max_turns_without_completing(session, alice, bundle):
    bundle.scenario.max_turns = 1
    bundle.scenario.save()
    turn = running_turn(session, alice, text="Okay.")
    outcome = save(turn)
    assert outcome.session_status == "completed" and outcome.summary["goals_met"] is False
    progress = ItemProgress.objects.get(learner=alice, item=bundle.scenario)
    assert progress.completed_at is None and progress.best_score == outcome.summary["score"]
