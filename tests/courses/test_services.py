"""Services: enrolment, progress and quiz attempts; nothing can be counted twice."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from courses.models import Course, Enrollment, ItemProgress, QuizAttempt
from courses.selectors.progress import course_completion_percent
from courses.services.accounts import learner_signup
from courses.services.enrollments import enrollment_create
from courses.services.progress import item_complete, lesson_complete, progress_touch, quiz_attempt_submit
from tests.factories import correct_answers, course_bundle_create, wrong_answers


@pytest.fixture
def bundle(db):
    return course_bundle_create()


def test_enrollment_create_is_idempotent(alice, bundle):
    first = enrollment_create(learner=alice, course=bundle.course)
    second = enrollment_create(learner=alice, course=bundle.course)
    assert first.pk == second.pk
    assert Enrollment.objects.filter(learner=alice).count() == 1


def test_enrollment_create_refuses_drafts(alice, db):
    draft = course_bundle_create(status=Course.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        enrollment_create(learner=alice, course=draft.course)
    assert not Enrollment.objects.exists()


def test_lesson_complete_twice_counts_once(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    first = lesson_complete(learner=alice, lesson=bundle.lesson)
    second = lesson_complete(learner=alice, lesson=bundle.lesson)
    assert first.completed_at == second.completed_at
    assert ItemProgress.objects.filter(learner=alice, completed_at__isnull=False).count() == 1
    assert course_completion_percent(learner=alice, course=bundle.course) == 33  # 1 of 3, rounded down


def test_lesson_complete_requires_enrollment(bob, bundle):
    with pytest.raises(PermissionDenied):
        lesson_complete(learner=bob, lesson=bundle.lesson)
    assert not ItemProgress.objects.exists()


def test_quiz_attempt_records_score_best_score_and_completion(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    failed = quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=wrong_answers(bundle))
    assert (failed.score, failed.passed) == (0.0, False)
    assert failed.progress.completed_at is None
    passed = quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=correct_answers(bundle))
    assert (passed.score, passed.passed, passed.best_score) == (1.0, True, 1.0)
    again = quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=wrong_answers(bundle))
    progress = ItemProgress.objects.get(learner=alice, item=bundle.quiz)
    assert progress.attempts == 3
    assert progress.best_score == 1.0  # a worse later attempt keeps the best
    assert progress.completed_at == passed.progress.completed_at
    assert again.best_score == 1.0
    assert QuizAttempt.objects.filter(learner=alice).count() == 3
    assert [r.is_correct for r in passed.questions] == [True, True]


def test_half_right_on_a_several_answer_question_is_wrong(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    answers = correct_answers(bundle)
    answers[bundle.several.pk] = answers[bundle.several.pk][:1]
    result = quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=answers)
    assert [r.is_correct for r in result.questions] == [True, False]
    assert result.passed  # 50% meets the bundle's pass mark of 50


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda answers, bundle: answers.pop(bundle.single.pk), id="missing answer"),
        pytest.param(
            lambda answers, bundle: answers.__setitem__(bundle.single.pk, [bundle.several.choices.first().pk]),
            id="choice of another question",
        ),
        pytest.param(lambda answers, bundle: answers.__setitem__(bundle.single.pk, [999999]), id="unknown choice"),
        pytest.param(
            lambda answers, bundle: answers.__setitem__(
                bundle.single.pk, [c.pk for c in bundle.single.choices.all()][:2]
            ),
            id="two choices on a single-answer question",
        ),
        pytest.param(lambda answers, bundle: answers.__setitem__(424242, [1]), id="question not in quiz"),
    ],
)
def test_quiz_attempt_rejects_bad_answers_and_writes_nothing(alice, bundle, tamper):
    enrollment_create(learner=alice, course=bundle.course)
    answers = correct_answers(bundle)
    tamper(answers, bundle)
    with pytest.raises(ValidationError):
        quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=answers)
    assert not QuizAttempt.objects.exists()
    assert not ItemProgress.objects.exists()


def test_quiz_attempt_requires_enrollment(bob, bundle):
    with pytest.raises(PermissionDenied):
        quiz_attempt_submit(learner=bob, quiz=bundle.quiz, answers=correct_answers(bundle))
    assert not QuizAttempt.objects.exists()


def test_unpublishing_stops_progress_writes(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    Course.objects.filter(pk=bundle.course.pk).update(status=Course.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        lesson_complete(learner=alice, lesson=bundle.lesson)


def test_course_completes_when_every_item_is_done(alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    lesson_complete(learner=alice, lesson=bundle.lesson)
    quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=correct_answers(bundle))
    assert Enrollment.objects.get(learner=alice).completed_at is None
    assert course_completion_percent(learner=alice, course=bundle.course) == 66
    item_complete(learner=alice, item=bundle.scenario, score=0.8)  # what a practice session will do
    enrollment = Enrollment.objects.get(learner=alice)
    assert enrollment.completed_at is not None
    assert enrollment.last_item_id == bundle.scenario.pk
    assert course_completion_percent(learner=alice, course=bundle.course) == 100


def test_progress_touch_sets_last_item_only_when_enrolled(alice, bob, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    assert progress_touch(learner=alice, item=bundle.quiz)
    assert progress_touch(learner=alice, item=bundle.quiz)  # again: still one row
    enrollment = Enrollment.objects.get(learner=alice)
    assert enrollment.last_item_id == bundle.quiz.pk and enrollment.last_activity_at is not None
    assert ItemProgress.objects.filter(learner=alice, item=bundle.quiz).count() == 1
    assert not progress_touch(learner=bob, item=bundle.quiz)
    assert not ItemProgress.objects.filter(learner=bob).exists()


def test_learner_signup_creates_a_plain_learner(db):
    user = learner_signup(username="dora", email="dora@example.com", password="a-long-pass-phrase")
    assert user.check_password("a-long-pass-phrase")
    assert not user.is_staff and not user.groups.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_double_count(alice):
    """Two threads, each with its own connection, submit the quiz and complete the lesson at once."""
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    answers = correct_answers(bundle)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def submit_quiz() -> None:
        try:
            barrier.wait()
            quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=answers)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def complete_lesson() -> None:
        try:
            barrier.wait()
            lesson_complete(learner=alice, lesson=bundle.lesson)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fn) for fn in (submit_quiz, submit_quiz, complete_lesson, complete_lesson)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    quiz_progress = ItemProgress.objects.get(learner=alice, item=bundle.quiz)
    assert quiz_progress.attempts == 2  # two real attempts, neither lost
    assert QuizAttempt.objects.filter(learner=alice).count() == 2
    assert ItemProgress.objects.filter(learner=alice, completed_at__isnull=False).count() == 2
    assert ItemProgress.objects.filter(learner=alice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_progress_writes_wait_for_the_enrolment_lock(alice):
    """A second write of the same learner waits until the first one commits, then builds on
    what it wrote: an attempt is never lost to a read-modify-write race."""
    from django.db import transaction

    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    progress_touch(learner=alice, item=bundle.quiz)
    answers = correct_answers(bundle)
    finished = threading.Event()

    def submit() -> None:
        try:
            quiz_attempt_submit(learner=alice, quiz=bundle.quiz, answers=answers)
            finished.set()
        finally:
            connection.close()

    with transaction.atomic():
        Enrollment.objects.select_for_update().get(learner=alice)  # another request holds the row...
        thread = threading.Thread(target=submit)
        thread.start()
        assert not finished.wait(timeout=0.5)  # blocked behind our lock
        ItemProgress.objects.filter(learner=alice, item=bundle.quiz).update(attempts=5)  # ...and counts 5 attempts
    assert finished.wait(timeout=10)  # proceeds once we commit
    thread.join(timeout=10)
    assert ItemProgress.objects.get(learner=alice, item=bundle.quiz).attempts == 6
