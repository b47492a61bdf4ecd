"""Learner progress: every write goes through here.

Each write locks the learner's enrolment row first (`select_for_update`), so two requests of
the same learner in the same course run one after the other: a double click, a retry or two
tabs can never count an item twice or lose an attempt. Progress rows are created with
`get_or_create` on their unique constraint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from courses.models import Course, Enrollment, Item, ItemProgress, Lesson, Question, Quiz, QuizAttempt


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen_ids: frozenset[int]
    correct_ids: frozenset[int]

    @property
    def is_correct(self) -> bool:
        return self.chosen_ids == self.correct_ids


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    progress: ItemProgress
    questions: list[QuestionResult]
    passed: bool

    @property
    def score(self) -> float:
        return self.attempt.score

    @property
    def best_score(self) -> float:
        return self.progress.best_score or 0.0


def _enrollment_lock(*, learner: User, course_id: int) -> Enrollment:
    """The learner's enrolment in a published course, locked for this transaction; else PermissionDenied."""
    try:
        return (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("course")
            .get(learner=learner, course_id=course_id, course__status=Course.Status.PUBLISHED)
        )
    except Enrollment.DoesNotExist:
        raise PermissionDenied("Enrol in this course first.") from None


def _progress_get(*, learner: User, item: Item) -> ItemProgress:
    progress, _ = ItemProgress.objects.get_or_create(learner=learner, item=item)
    return progress


def _enrollment_note(*, enrollment: Enrollment, item: Item) -> None:
    enrollment.last_item = item
    enrollment.last_activity_at = timezone.now()
    enrollment.save(update_fields=["last_item", "last_activity_at"])


def course_completion_update(*, enrollment: Enrollment) -> bool:
    """Set the enrolment's completed_at once every item of the course is complete; True if it is."""
    if enrollment.completed_at is not None:
        return True
    total = Item.objects.filter(module__course_id=enrollment.course_id).count()
    done = ItemProgress.objects.filter(
        learner_id=enrollment.learner_id, item__module__course_id=enrollment.course_id, completed_at__isnull=False
    ).count()
    if total and done >= total:
        enrollment.completed_at = timezone.now()
        enrollment.save(update_fields=["completed_at"])
        return True
    return False


@transaction.atomic
def item_complete(*, learner: User, item: Item, score: float | None = None) -> ItemProgress:
    """Mark any item complete for an enrolled learner (first completion only), keep the best score,
    and update the course completion. Used by lessons now and by practice sessions later."""
    enrollment = _enrollment_lock(learner=learner, course_id=item.module.course_id)
    progress = _progress_get(learner=learner, item=item)
    fields: list[str] = []
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        fields.append("completed_at")
    if score is not None and (progress.best_score is None or score > progress.best_score):
        progress.best_score = score
        fields.append("best_score")
    if fields:
        progress.save(update_fields=fields)
    _enrollment_note(enrollment=enrollment, item=item)
    course_completion_update(enrollment=enrollment)
    return progress


def lesson_complete(*, learner: User, lesson: Lesson) -> ItemProgress:
    """Mark the lesson read by an enrolled learner; repeating it changes nothing."""
    return item_complete(learner=learner, item=lesson)


def progress_touch(*, learner: User, item: Item) -> bool:
    """Record that an enrolled learner opened the item (its progress row and the enrolment's
    last item, for "continue where you left off"); False, writing nothing, if not enrolled."""
    with transaction.atomic():
        updated = Enrollment.objects.filter(
            learner=learner, course_id=item.module.course_id, course__status=Course.Status.PUBLISHED
        ).update(last_item=item, last_activity_at=timezone.now())
        if updated:
            ItemProgress.objects.get_or_create(learner=learner, item=item)
    return bool(updated)


def _answers_check(*, questions: list[Question], answers: Mapping[int, Iterable[int]]) -> dict[int, frozenset[int]]:
    """Answers as {question id: chosen choice ids}, or ValidationError naming each bad question."""
    errors: dict[str, str] = {}
    checked: dict[int, frozenset[int]] = {}
    for question in questions:
        chosen = frozenset(answers.get(question.pk, ()))
        valid_ids = {choice.pk for choice in question.choices.all()}
        if not chosen:
            errors[f"q{question.pk}"] = "Choose an answer."
        elif not chosen <= valid_ids:
            errors[f"q{question.pk}"] = "That choice does not belong to this question."
        elif len(chosen) > 1 and not question.allows_several:
            errors[f"q{question.pk}"] = "Choose one answer."
        checked[question.pk] = chosen
    unknown = set(answers) - {question.pk for question in questions}
    if unknown:
        errors["__all__"] = "Some answers are for questions that are not in this quiz."
    if errors:
        raise ValidationError(errors)
    return checked


def quiz_attempt_submit(*, learner: User, quiz: Quiz, answers: Mapping[int, Iterable[int]]) -> QuizResult:
    """Grade the learner's answers, write a QuizAttempt, count it on the quiz's progress row (attempts,
    best score, completion at the pass mark) and update course completion, all in one transaction."""
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError("This quiz has no questions yet.")
    with transaction.atomic():
        # Lock first: an outsider gets PermissionDenied before any detail about the answers.
        enrollment = _enrollment_lock(learner=learner, course_id=quiz.module.course_id)
        chosen = _answers_check(questions=questions, answers=answers)
        results = [
            QuestionResult(
                question=question,
                chosen_ids=chosen[question.pk],
                correct_ids=frozenset(c.pk for c in question.choices.all() if c.is_correct),
            )
            for question in questions
        ]
        correct = sum(1 for result in results if result.is_correct)
        attempt = QuizAttempt.objects.create(
            learner=learner,
            quiz=quiz,
            answers={str(r.question.pk): sorted(r.chosen_ids) for r in results},
            correct=correct,
            total=len(results),
        )
        passed = attempt.score * 100 >= quiz.pass_mark
        # The enrolment lock serialises this learner's writes, and we lock the row too, so
        # plain read-modify-write of attempts and best_score cannot lose an update.
        progress = _progress_get(learner=learner, item=quiz)
        progress = ItemProgress.objects.select_for_update().get(pk=progress.pk)
        progress.attempts += 1
        fields = ["attempts"]
        if progress.best_score is None or attempt.score > progress.best_score:
            progress.best_score = attempt.score
            fields.append("best_score")
        if passed and progress.completed_at is None:
            progress.completed_at = timezone.now()
            fields.append("completed_at")
        progress.save(update_fields=fields)
        _enrollment_note(enrollment=enrollment, item=quiz)
        course_completion_update(enrollment=enrollment)
    return QuizResult(attempt=attempt, progress=progress, questions=results, passed=passed)
