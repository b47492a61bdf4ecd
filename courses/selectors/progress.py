"""Reads of learner progress for the course page and the dashboard, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch

from courses.models import Course, Enrollment, Item, ItemProgress, Module


@dataclass(frozen=True)
class ItemRow:
    item: Item
    progress: ItemProgress | None

    @property
    def is_complete(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    items: list[ItemRow]


@dataclass(frozen=True)
class CourseOutline:
    course: Course
    enrollment: Enrollment | None
    modules: list[ModuleRow]
    continue_item: Item | None

    @property
    def item_rows(self) -> list[ItemRow]:
        return [row for module in self.modules for row in module.items]

    @property
    def total(self) -> int:
        return len(self.item_rows)

    @property
    def completed(self) -> int:
        return sum(1 for row in self.item_rows if row.is_complete)

    @property
    def percent(self) -> int:
        return completion_percent(completed=self.completed, total=self.total)


def completion_percent(*, completed: int, total: int) -> int:
    """Whole percent, rounded down, so 100 means every item is done."""
    return (100 * completed) // total if total else 0


def _continue_pick(*, ordered: list[Item], done_ids: set[int], last_item_id: int | None) -> Item | None:
    """The item to continue with: the last one opened if unfinished, else the next unfinished
    one after it, else the first unfinished one; None when all are done."""
    ids = [item.pk for item in ordered]
    start = 0
    if last_item_id in ids:
        position = ids.index(last_item_id)
        if last_item_id not in done_ids:
            return ordered[position]
        start = position + 1
    for item in ordered[start:] + ordered[:start]:
        if item.pk not in done_ids:
            return item
    return None


def enrollment_get(*, learner: User | AnonymousUser, course: Course) -> Enrollment | None:
    """The learner's enrolment in the course, or None (also for anonymous visitors)."""
    if not learner.is_authenticated:
        return None
    return Enrollment.objects.filter(learner=learner, course=course).first()


def course_outline(*, course: Course, learner: User | AnonymousUser) -> CourseOutline:
    """Modules and items of the course with the learner's progress on each (five queries at most)."""
    modules = list(
        course.modules.order_by("order", "id").prefetch_related(
            Prefetch("items", queryset=Item.objects.order_by("order", "id"))
        )
    )
    enrollment = enrollment_get(learner=learner, course=course)
    progress: dict[int, ItemProgress] = {}
    if learner.is_authenticated:
        progress = {
            row.item_id: row for row in ItemProgress.objects.filter(learner=learner, item__module__course=course)
        }
    rows = [
        ModuleRow(
            module=module, items=[ItemRow(item=item, progress=progress.get(item.pk)) for item in module.items.all()]
        )
        for module in modules
    ]
    continue_item = None
    if enrollment is not None:
        ordered = [row.item for module in rows for row in module.items]
        done = {item_id for item_id, row in progress.items() if row.completed_at is not None}
        continue_item = _continue_pick(ordered=ordered, done_ids=done, last_item_id=enrollment.last_item_id)
    return CourseOutline(course=course, enrollment=enrollment, modules=rows, continue_item=continue_item)


def course_completion_percent(*, learner: User, course: Course) -> int:
    """The share of the course's items the learner has completed, in whole percent."""
    total = Item.objects.filter(module__course=course).count()
    done = ItemProgress.objects.filter(learner=learner, item__module__course=course, completed_at__isnull=False).count()
    return completion_percent(completed=done, total=total)


@dataclass(frozen=True)
class CourseCard:
    enrollment: Enrollment
    total: int
    completed: int
    continue_item: Item | None

    @property
    def course(self) -> Course:
        return self.enrollment.course

    @property
    def percent(self) -> int:
        return completion_percent(completed=self.completed, total=self.total)


@dataclass(frozen=True)
class Dashboard:
    in_progress: list[CourseCard] = field(default_factory=list)
    finished: list[CourseCard] = field(default_factory=list)
    completed_items: list[ItemProgress] = field(default_factory=list)
    quiz_scores: list[ItemProgress] = field(default_factory=list)


def dashboard_get(*, learner: User) -> Dashboard:
    """The learner's courses (in progress and finished), completed items and quiz scores, in four queries."""
    enrollments = list(
        Enrollment.objects.filter(learner=learner, course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .order_by("-last_activity_at", "-enrolled_at")
    )
    course_ids = [enrollment.course_id for enrollment in enrollments]
    items = list(
        Item.objects.filter(module__course_id__in=course_ids)
        .select_related("module")
        .order_by("module__order", "module_id", "order", "id")
    )
    progress = list(
        ItemProgress.objects.filter(learner=learner, item__module__course_id__in=course_ids)
        .select_related("item__module__course")
        .order_by("-completed_at")
    )
    done_ids = {row.item_id for row in progress if row.completed_at is not None}
    cards: list[CourseCard] = []
    for enrollment in enrollments:
        ordered = [item for item in items if item.module.course_id == enrollment.course_id]
        cards.append(
            CourseCard(
                enrollment=enrollment,
                total=len(ordered),
                completed=sum(1 for item in ordered if item.pk in done_ids),
                continue_item=_continue_pick(ordered=ordered, done_ids=done_ids, last_item_id=enrollment.last_item_id),
            )
        )
    return Dashboard(
        in_progress=[card for card in cards if card.total == 0 or card.completed < card.total],
        finished=[card for card in cards if card.total and card.completed >= card.total],
        completed_items=[row for row in progress if row.completed_at is not None],
        quiz_scores=sorted(
            (row for row in progress if row.item.kind == Item.Kind.QUIZ and row.attempts),
            key=lambda row: (row.item.module.course.title, row.item.module.order, row.item.order),
        ),
    )


def item_progress_get(*, learner: User | AnonymousUser, item: Item) -> ItemProgress | None:
    """The learner's progress row for the item, or None."""
    if not learner.is_authenticated:
        return None
    return ItemProgress.objects.filter(learner=learner, item=item).first()
