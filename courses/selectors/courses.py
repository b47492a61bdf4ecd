"""Reads of authored content, with visibility: learners see published courses only;
instructors and staff with `courses.change_course` may preview drafts."""

from __future__ import annotations

from typing import Literal, overload

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from courses.models import Choice, Course, Item, Lesson, Question, Quiz, Scenario

ITEM_MODELS: dict[str, type[Lesson | Quiz | Scenario]] = {
    Item.Kind.LESSON: Lesson,
    Item.Kind.QUIZ: Quiz,
    Item.Kind.SCENARIO: Scenario,
}


def user_can_preview(user: User | AnonymousUser) -> bool:
    """Whether the user may see draft courses (instructors, staff with change rights)."""
    return bool(user.is_authenticated and user.has_perm("courses.change_course"))


def course_list_published() -> QuerySet[Course]:
    """The catalogue: published courses with their module and item counts."""
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .annotate(module_count=Count("modules", distinct=True), item_count=Count("modules__items", distinct=True))
        .order_by("title")
    )


def course_get_for_user(*, slug: str, user: User | AnonymousUser) -> Course:
    """The course if this user may see it, else Http404 (a draft does not exist for learners)."""
    courses = Course.objects.all() if user_can_preview(user) else Course.objects.filter(status=Course.Status.PUBLISHED)
    try:
        return courses.get(slug=slug)
    except Course.DoesNotExist:
        raise Http404("No such course.") from None


# The kind names the model, so a caller that passes a known kind gets that model back.
@overload
def item_get_for_user(
    *, item_id: int, kind: Literal[Item.Kind.LESSON, "lesson"], user: User | AnonymousUser
) -> Lesson: ...
@overload
def item_get_for_user(*, item_id: int, kind: Literal[Item.Kind.QUIZ, "quiz"], user: User | AnonymousUser) -> Quiz: ...
@overload
def item_get_for_user(
    *, item_id: int, kind: Literal[Item.Kind.SCENARIO, "scenario"], user: User | AnonymousUser
) -> Scenario: ...
@overload
def item_get_for_user(*, item_id: int, kind: str, user: User | AnonymousUser) -> Lesson | Quiz | Scenario: ...
def item_get_for_user(*, item_id: int, kind: str, user: User | AnonymousUser) -> Lesson | Quiz | Scenario:
    """A lesson, quiz or scenario (with its module and course) if this user may see it, else Http404."""
    model = ITEM_MODELS[kind]
    items = model.objects.select_related("module__course")
    if not user_can_preview(user):
        items = items.filter(module__course__status=Course.Status.PUBLISHED)
    try:
        return items.get(pk=item_id)
    except model.DoesNotExist:
        raise Http404("No such item.") from None


def quiz_questions(*, quiz: Quiz) -> list[Question]:
    """The quiz's questions in order, each with its choices."""
    return list(quiz.questions.prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))))


def scenario_with_goals(*, scenario: Scenario) -> Scenario:
    """The scenario with its goals loaded."""
    return Scenario.objects.select_related("module__course").prefetch_related("goals").get(pk=scenario.pk)


def item_next(*, item: Item) -> Item | None:
    """The item after this one in the course (next in its module, else first of the next module)."""
    items = list(
        Item.objects.filter(module__course_id=item.module.course_id).order_by(
            "module__order", "module_id", "order", "id"
        )
    )
    ids = [candidate.pk for candidate in items]
    position = ids.index(item.pk)
    return items[position + 1] if position + 1 < len(items) else None
