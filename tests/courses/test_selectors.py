"""Selectors: visibility, outline with progress, continue item, dashboard, a practice conversation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from courses.models import Course, Item, PracticeSession, Turn
from courses.practice.guidance import guidance_compose
from courses.practice.summary import GoalSpec, LearnerTurn, summary_compose
from courses.selectors.courses import course_get_for_user, course_list_published, item_get_for_user, item_next
from courses.selectors.practice import practice_session_for_learner, practice_state
from courses.selectors.progress import course_outline, dashboard_get
from courses.services.enrollments import enrollment_create
from courses.services.progress import lesson_complete, progress_touch, quiz_attempt_submit
from tests.factories import analysis_build, correct_answers, course_bundle_create, lesson_create, module_create

pytestmark = pytest.mark.django_db


def test_catalogue_lists_published_courses_only():
    published = course_bundle_create(title="Open")
    course_bundle_create(title="Secret", status=Course.Status.DRAFT)
    courses = list(course_list_published())
    assert [course.title for course in courses] == ["Open"]
    assert (courses[0].module_count, courses[0].item_count) == (1, 3)
    assert courses[0] == published.course


def test_drafts_are_404_for_learners_and_visible_to_instructors(alice, charlie):
    draft = course_bundle_create(status=Course.Status.DRAFT)
    for user in (alice, AnonymousUser()):
        with pytest.raises(Http404):
            course_get_for_user(slug=draft.course.slug, user=user)
        with pytest.raises(Http404):
            item_get_for_user(item_id=draft.lesson.pk, kind=Item.Kind.LESSON, user=user)
    assert course_get_for_user(slug=draft.course.slug, user=charlie) == draft.course
    assert item_get_for_user(item_id=draft.quiz.pk, kind=Item.Kind.QUIZ, user=charlie) == draft.quiz


def test_item_of_another_kind_is_404(alice):
    bundle = course_bundle_create()
    with pytest.raises(Http404):
        item_get_for_user(item_id=bundle.lesson.pk, kind=Item.Kind.QUIZ, user=alice)


def test_item_next_crosses_modules():
    bundle = course_bundle_create()
    second = module_create(course=bundle.course, title="Second", order=1)
    later = lesson_create(module=second, title="Later")
    assert item_next(item=bundle.lesson).pk == bundle.quiz.pk
    assert item_next(item=bundle.scenario).pk == later.pk
    assert item_next(item=later) is None


def test_outline_shows_progress_and_where_to_continue(alice):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    outline = course_outline(course=bundle.course, learner=alice)
    assert (outline.percent, outline.continue_item.pk) == (0, bundle.lesson.pk)

    lesson_complete(learner=alice, lesson=bundle.lesson)
    outline = course_outline(course=bundle.course, learner=alice)
    assert [row.is_complete for row in outline.item_rows] == [True, False, False]
    assert (outline.completed, outline.total, outline.percent) == (1, 3, 33)
    assert outline.continue_item.pk == bundle.quiz.pk  # the one after the last finished

    progress_touch(learner=alice, item=bundle.scenario)  # opened the scenario, not finished
    assert course_outline(course=bundle.course, learner=alice).continue_item.pk == bundle.scenario.pk


def test_outline_for_a_visitor_has_no_progress():
    bundle = course_bundle_create()
    outline = course_outline(course=bundle.course, learner=AnonymousUser())
    assert outline.enrollment is None and outline.continue_item is None and outline.total == 3


def test_dashboard_lists_courses_items_and_quiz_scores(alice, bob):
    bundle = course_bundle_create(title="Foundations")
    enrollment_create(learner=alice, course=bundle.course)
    lesson_complete(learner=alice, lesson=bundle.lesson)
    quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=correct_answers(bundle))
    dashboard = dashboard_get(learner=alice)
    assert [card.course.title for card in dashboard.in_progress] == ["Foundations"]
    assert dashboard.in_progress[0].percent == 66
    assert dashboard.in_progress[0].continue_item.pk == bundle.scenario.pk
    assert {row.item_id for row in dashboard.completed_items} == {bundle.lesson.pk, bundle.quiz.pk}
    assert [(row.item_id, row.best_score, row.attempts) for row in dashboard.quiz_scores] == [(bundle.quiz.pk, 1.0, 1)]
    empty = dashboard_get(learner=bob)
    assert empty.in_progress == [] and empty.quiz_scores == []


def test_practice_state_shows_stored_guidance_and_summary_as_text(alice, django_assert_num_queries):
    scenario = course_bundle_create().scenario
    opening = dict(scenario.starting_emotions)
    analysis = analysis_build(er=2, rationales={"er": ["sounds so frustrating"]})
    learner_turn = LearnerTurn(index=1, text="That sounds so frustrating.", analysis=analysis)
    goal = scenario.goals.get()
    session = PracticeSession.objects.create(
        learner=alice,
        scenario=scenario,
        status=PracticeSession.Status.COMPLETED,
        persona_state={"anger": 0.4},
        summary=summary_compose(
            turns=[learner_turn],
            goals=[GoalSpec(id=goal.pk, description=goal.description, mechanism="er", min_level=1, min_turns=1)],
            trajectory=[{"index": 0, "emotions": opening}],
            persona_name=scenario.persona_name,
        ),
    )
    Turn.objects.create(
        session=session, index=0, role=Turn.Role.PERSONA, text=scenario.opening_line, persona_state=opening
    )
    Turn.objects.create(
        session=session,
        index=1,
        role=Turn.Role.LEARNER,
        text=learner_turn.text,
        analysis=analysis,
        guidance=guidance_compose(
            text=learner_turn.text,
            analysis=analysis,
            persona_name=scenario.persona_name,
            persona_emotions=opening,
        ),
        persona_state={"anger": 0.4},
    )
    Turn.objects.create(session=session, index=2, role=Turn.Role.LEARNER, text="Hm.", status=Turn.Status.QUEUED)
    session = practice_session_for_learner(session_id=session.pk, learner=alice)

    # The turns, then the scenario's goals; rendering the stored guidance and summary reads nothing.
    with django_assert_num_queries(2):
        state = practice_state(session=session)

    analysed, queued = state["turns"][1], state["turns"][2]
    assert analysed["guidance"]["worked"] == "You met Dana's feelings with warmth: ‘That sounds so frustrating’."
    assert analysed["guidance"]["try_next"] == (
        "Dana still sounds angry — ask an open question about it, like “what worries you most about all this?”"
    )
    assert queued["guidance"] is None  # not analysed yet
    summary = state["session"]["summary"]
    assert summary["highlights"][0]["note"] == "You met Dana's feelings with warmth"
    assert summary["practise_next"] == {
        "mechanism": "ex",
        "text": "Ask one open question about their experience (“what's been the hardest part?”) and let them answer.",
    }
    assert summary["goals"][0]["met"] is True
