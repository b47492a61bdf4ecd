"""Exact query counts on the busiest paths of live practice, each with the queries it makes, so a
new query or an N+1 is a visible change in review (as Zulip and healthchecks pin theirs).

Counts include the SAVEPOINT / RELEASE pairs that `transaction.atomic` issues inside the test's own
transaction; in production the outer block is a plain BEGIN / COMMIT and is not counted.
"""

from __future__ import annotations

import uuid

import pytest

from courses.models import Turn
from courses.practice.guidance import guidance_compose
from courses.practice.pipeline import replies_plan
from courses.selectors.practice_worker import turns_to_analyse
from courses.services.enrollments import enrollment_create
from courses.services.persona_replies import persona_replies_save
from courses.services.practice import practice_session_start, turn_submit
from courses.services.turn_analysis import TurnResult, turn_analyses_save, turns_claim
from tests.factories import Exchange, analysis_build, conversation_create, course_bundle_create, persona_reply_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(alice, bob):
    bundle = course_bundle_create()
    persona_reply_create(scenario=bundle.scenario, text="You don't get it.", max_er=0, order=0)
    persona_reply_create(scenario=bundle.scenario, text="Yes, exactly.", min_er=1, order=1)
    persona_reply_create(scenario=bundle.scenario, text="Thanks for listening.", is_closing=True, order=2)
    enrollment_create(learner=alice, course=bundle.course)
    enrollment_create(learner=bob, course=bundle.course)
    return bundle


def _guidance():
    return guidance_compose(text="Hi.", analysis=analysis_build(), persona_name="Sam", persona_emotions={})


def _claimed_turns(learners, bundle, django_capture_on_commit_callbacks) -> list[Turn]:
    turns = []
    with django_capture_on_commit_callbacks(execute=False):  # no task runs: the test is the worker
        for learner in learners:
            session = practice_session_start(learner=learner, scenario=bundle.scenario)
            turn, _ = turn_submit(
                session_id=session.pk, learner=learner, client_id=uuid.uuid4(), text="That sounds so hard."
            )
            assert turns_claim(turn_id=turn.pk, batch_size=1) == [turn.pk]
            turns.append(turn)
    return turns


def test_turn_submit(alice, bundle, django_assert_num_queries, django_capture_on_commit_callbacks):
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    # SAVEPOINT; the session locked with its scenario; a turn with this client_id already?; next index
    # and learner turns (one aggregate); the learner's turns in the last minute (rate limit);
    # SAVEPOINT; INSERT the turn; RELEASE; RELEASE.
    with django_assert_num_queries(9), django_capture_on_commit_callbacks(execute=False):
        turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text="That sounds hard.")


@pytest.mark.parametrize("sessions", [1, 3])
def test_the_worker_saves_a_batch_in_the_same_queries_whatever_its_size(
    sessions, alice, bob, django_user_model, bundle, django_assert_num_queries, django_capture_on_commit_callbacks
):
    learners = [alice, bob, django_user_model.objects.create_user("dana", "dana@example.com", "pw-dana-1")][:sessions]
    enrollment_create(learner=learners[-1], course=bundle.course)
    turns = _claimed_turns(learners, bundle, django_capture_on_commit_callbacks)

    # The claimed turns with their sessions; the persona turns they answer.
    with django_assert_num_queries(2):
        to_analyse = turns_to_analyse(turn_ids=[t.pk for t in turns])
    results = [
        TurnResult(turn_id=t.id, session_id=t.session_id, analysis=analysis_build(er=0), guidance=_guidance())
        for t in to_analyse
    ]
    # SAVEPOINT; the sessions locked (one query); which turns are still running; one UPDATE for
    # every turn's analysis, guidance and status; RELEASE.
    with django_assert_num_queries(5):
        saved = turn_analyses_save(results=results)
    # The sessions with their scenarios; their turns; the scenarios' replies; their goals.
    with django_assert_num_queries(4):
        plans = replies_plan(saved, similarity=None, read_reply=lambda text: None)
    # SAVEPOINT; the sessions locked; their turns; one INSERT for the replies; one UPDATE for the
    # learner turns' feelings; one UPDATE for the sessions; RELEASE.
    with django_assert_num_queries(7):
        outcomes = persona_replies_save(plans=plans)
    assert [o.persona_turn.text for o in outcomes] == ["You don't get it."] * sessions


def test_a_session_that_ends_adds_only_its_progress(
    alice, bundle, django_assert_num_queries, django_capture_on_commit_callbacks
):
    bundle.scenario.max_turns = 1
    bundle.scenario.save()
    [turn] = _claimed_turns([alice], bundle, django_capture_on_commit_callbacks)
    saved = turn_analyses_save(
        results=[
            TurnResult(turn_id=turn.pk, session_id=turn.session_id, analysis=analysis_build(), guidance=_guidance())
        ]
    )
    plans = replies_plan(saved, similarity=None, read_reply=lambda text: None)
    # The seven of any batch, and for the session that reached its last turn (goals not met) its
    # progress row and a conditional UPDATE of its best score.
    with django_assert_num_queries(7 + 2):
        [outcome] = persona_replies_save(plans=plans)
    assert outcome.session_status == "completed" and outcome.summary is not None
    assert outcome.summary["goals_met"] is False


def test_practice_page(client, alice, bundle, django_assert_num_queries):
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(alice)
    # The login session; the user; the practice session with its scenario, module and course; its
    # turns; the scenario's goals.
    with django_assert_num_queries(5):
        response = client.get(f"/practice/{session.pk}/")
    assert response.status_code == 200


def _sessions_with_turns(learner, bundle, count: int) -> list:
    sessions = []
    for _ in range(count):
        session = practice_session_start(learner=learner, scenario=bundle.scenario)
        conversation_create(
            session=session,
            exchanges=[Exchange("That sounds so hard.", analysis_build(er=1), reply="It is.") for _ in range(2)],
            finish=True,
        )
        sessions.append(session)
    return sessions


@pytest.mark.parametrize("sessions", [1, 3])
def test_dashboard(sessions, client, alice, bundle, django_assert_num_queries):
    _sessions_with_turns(alice, bundle, sessions)
    client.force_login(alice)
    # The login session; the user; the learner's enrolments with their courses; the courses' items
    # with their modules; the learner's progress on them; the learner's practice sessions with their
    # scenarios, modules and courses and their replies counted (one query, whatever the sessions).
    with django_assert_num_queries(6):
        response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.text.count('data-testid="practice-session"') == sessions


@pytest.mark.parametrize("replies", [1, 4])
def test_practice_history_page(replies, client, alice, bundle, django_assert_num_queries):
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    conversation_create(
        session=session,
        exchanges=[Exchange("That sounds so hard.", analysis_build(er=1), reply="It is.") for _ in range(replies)],
        finish=True,
    )
    client.force_login(alice)
    # The login session; the user; the practice session with its scenario, module and course; its
    # turns (one query, whatever their number: no N+1 over turns).
    with django_assert_num_queries(4):
        response = client.get(f"/practice/{session.pk}/history/")
    assert response.status_code == 200
    assert response.text.count('data-testid="message-learner"') == replies
