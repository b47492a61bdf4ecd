"""Load the demo course "Empathy Foundations" and the demo accounts, idempotently."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import models, transaction

from courses.demo import COURSE
from courses.demo.schema import CourseData, ItemData, LessonData, QuestionData, QuizData, ScenarioData
from courses.models import Choice, Course, Item, Lesson, Module, PersonaReply, Question, Quiz, Scenario, ScenarioGoal
from courses.services.instructors import instructors_group_ensure
from inference.persona_corpus import PersonaCard, load_cards
from inference.persona_facts import facts_lines

SITE_URL = "http://127.0.0.1:8000"

_ModelT = TypeVar("_ModelT", bound=models.Model)


@dataclass(frozen=True)
class DemoAccountSpec:
    username: str
    role: str
    password_env: str
    default_password: str
    is_staff: bool = False
    is_superuser: bool = False
    instructor: bool = False


DEMO_ACCOUNTS: tuple[DemoAccountSpec, ...] = (
    DemoAccountSpec("learner", "learner", "DEMO_LEARNER_PASSWORD", "empathy-learner"),
    DemoAccountSpec(
        "instructor", "instructor", "DEMO_INSTRUCTOR_PASSWORD", "empathy-instructor", is_staff=True, instructor=True
    ),
    DemoAccountSpec("admin", "superuser", "DEMO_ADMIN_PASSWORD", "empathy-admin", is_staff=True, is_superuser=True),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str  # the configured password; an existing account keeps whatever it has
    created: bool


@dataclass
class DemoSeedResult:
    course: Course
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    accounts: list[DemoAccount] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


@transaction.atomic
def demo_seed(*, course: CourseData = COURSE) -> DemoSeedResult:
    """Write the demo course (published), the Instructors group and the three demo accounts.

    Idempotent: rows are matched on natural keys (course slug; module by course and order;
    items by module and title; questions by quiz and order) and only saved when their content
    differs. An item's choices, goals or replies are replaced as a set when they changed, so
    ids stay stable across runs. Items and modules are never deleted (learner progress points
    at them); questions beyond the authored count are. Existing accounts keep their passwords.
    """
    group = instructors_group_ensure()
    accounts, users = _accounts_ensure(group=group)
    result = DemoSeedResult(course=Course(), accounts=accounts)

    course_row = _upsert(
        Course,
        {"slug": course.slug},
        {
            "title": course.title,
            "summary": course.summary,
            "description": course.description,
            "status": Course.Status.PUBLISHED,
            "author": users["instructor"],
        },
        result,
        "course",
    )
    result.course = course_row
    for module_order, module in enumerate(course.modules, start=1):
        module_row = _upsert(
            Module,
            {"course": course_row, "order": module_order},
            {"title": module.title, "summary": module.summary},
            result,
            "module",
        )
        for item_order, item in enumerate(module.items, start=1):
            _item_seed(module_row, item_order, item, result)
    return result


def _item_seed(module: Module, order: int, item: ItemData, result: DemoSeedResult) -> Item:
    lookup = {"module": module, "title": item.title}
    if isinstance(item, LessonData):
        return _upsert(
            Lesson,
            lookup,
            {"order": order, "body": item.body, "estimated_minutes": item.estimated_minutes},
            result,
            "lesson",
        )
    if isinstance(item, QuizData):
        quiz = _upsert(
            Quiz,
            lookup,
            {"order": order, "introduction": item.introduction, "pass_mark": item.pass_mark},
            result,
            "quiz",
        )
        _questions_seed(quiz, item.questions, result)
        return quiz
    if isinstance(item, ScenarioData):
        scenario = _upsert(
            Scenario,
            lookup,
            {
                "order": order,
                "persona_name": item.persona_name,
                "persona_bio": item.persona_bio,
                "setting": item.setting,
                "difficulty": item.difficulty,
                "situation": item.situation,
                "opening_line": item.opening_line,
                "starting_emotions": item.starting_emotions,
                "max_turns": item.max_turns,
                "engine": Scenario.Engine.SCRIPTED,
                "persona_facts": _demo_facts(item),
            },
            result,
            "scenario",
        )
        _children_replace(
            scenario.goals, ScenarioGoal, "scenario", scenario, [asdict(goal) for goal in item.goals], result, "goal"
        )
        replies = [
            {**asdict(reply), "example_learner_lines": "\n".join(reply.example_learner_lines)} for reply in item.replies
        ]
        _children_replace(scenario.replies, PersonaReply, "scenario", scenario, replies, result, "persona reply")
        return scenario
    raise TypeError(f"Unknown demo item: {item!r}")


def _demo_cards() -> list[PersonaCard]:
    return [card for card in load_cards().values() if card.demo]


def _demo_facts(item: ScenarioData) -> str:
    """The facts of the demo scenario's persona card in the persona corpus
    (`inference/data/persona/scenarios/`, the card with its persona and setting), as an instructor
    edits them; "" when the corpus has no card for it."""
    cards = [c for c in _demo_cards() if c.persona_name == item.persona_name and c.setting == item.setting]
    return facts_lines(cards[0].facts) if len(cards) == 1 else ""


def _questions_seed(quiz: Quiz, questions: tuple[QuestionData, ...], result: DemoSeedResult) -> None:
    for order, question in enumerate(questions, start=1):
        row = _upsert(
            Question,
            {"quiz": quiz, "order": order},
            {
                "topic": question.topic,
                "prompt": question.prompt,
                "message": question.message,
                "explanation": question.explanation,
            },
            result,
            "question",
        )
        choices = [asdict(choice) for choice in question.choices]
        _children_replace(row.choices, Choice, "question", row, choices, result, "choice")
    stale = quiz.questions.filter(order__gt=len(questions))
    if count := stale.count():
        stale.delete()
        result.removed["question"] += count


def _upsert(
    model: type[_ModelT], lookup: dict[str, Any], values: dict[str, Any], result: DemoSeedResult, label: str
) -> _ModelT:
    """Find a row by its natural key and make it match `values`; save only when something differs,
    so a second run leaves rows (and their `updated_at`) untouched."""
    row = model._default_manager.filter(**lookup).order_by("pk").first()
    if row is None:
        row = model(**lookup, **values)
        row.full_clean()
        row.save()
        result.created[label] += 1
        return row
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        result.unchanged[label] += 1
        return row
    for name in changed:
        setattr(row, name, values[name])
    row.full_clean()
    row.save()
    result.updated[label] += 1
    return row


def _children_replace(
    manager: models.Manager[_ModelT],
    model: type[_ModelT],
    parent_field: str,
    parent: models.Model,
    rows: Iterable[dict[str, Any]],
    result: DemoSeedResult,
    label: str,
) -> None:
    """Replace a parent's ordered children as one set, only when their content changed."""
    wanted = [{**row, "order": order} for order, row in enumerate(rows, start=1)]
    fields = list(wanted[0]) if wanted else ["order"]
    current = list(manager.order_by("order", "pk").values(*fields))
    if current == wanted:
        result.unchanged[label] += len(current)
        return
    objects = [model(**{parent_field: parent}, **row) for row in wanted]
    for obj in objects:
        obj.full_clean()
    removed, _ = manager.all().delete()
    model._default_manager.bulk_create(objects)
    if removed:
        result.removed[label] += removed
    if objects:
        result.created[label] += len(objects)


def _accounts_ensure(*, group: Group) -> tuple[list[DemoAccount], dict[str, User]]:
    """Create missing demo accounts; repair the roles of existing ones, never their passwords."""
    user_model = get_user_model()
    accounts: list[DemoAccount] = []
    users: dict[str, User] = {}
    for spec in DEMO_ACCOUNTS:
        password = os.environ.get(spec.password_env) or spec.default_password
        user = user_model.objects.filter(username=spec.username).first()
        created = user is None
        if user is None:
            user = user_model.objects.create_user(
                spec.username,
                email=f"{spec.username}@example.com",
                password=password,
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
            )
        else:
            flags = {"is_staff": user.is_staff or spec.is_staff, "is_superuser": user.is_superuser or spec.is_superuser}
            changed = [name for name, value in flags.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, flags[name])
            if changed:
                user.save(update_fields=changed)
        if spec.instructor:
            user.groups.add(group)
        accounts.append(DemoAccount(spec.username, spec.role, password, created))
        users[spec.role] = user
    return accounts, users
