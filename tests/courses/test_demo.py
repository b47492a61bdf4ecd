"""The demo course and accounts that `make run` loads: complete, valid, and safe to load twice."""

from __future__ import annotations

import dataclasses
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from courses.demo import COURSE
from courses.models import (
    EMOTION_LABELS,
    Choice,
    Course,
    Item,
    ItemProgress,
    Lesson,
    Module,
    PersonaReply,
    Question,
    Quiz,
    Scenario,
    ScenarioGoal,
)
from courses.services.demo import demo_seed
from courses.services.instructors import INSTRUCTORS_GROUP
from inference.persona_corpus import load_cards
from inference.persona_facts import facts_text

pytestmark = pytest.mark.django_db

CONTENT_MODELS = (Course, Module, Item, Lesson, Quiz, Question, Choice, Scenario, ScenarioGoal, PersonaReply)
CONDITIONS = ("min_er", "max_er", "min_ip", "max_ip", "min_ex", "max_ex", "asked_question", "min_turn", "max_turn")


def snapshot() -> dict[str, list[int]]:
    rows = {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in CONTENT_MODELS}
    rows["User"] = sorted(get_user_model().objects.values_list("pk", flat=True))
    return rows


@pytest.fixture
def course() -> Course:
    return demo_seed().course


def test_course_is_published_and_meets_the_minimums(course):
    assert course.title == "Empathy Foundations"
    assert course.is_published
    assert course.modules.count() >= 4

    lessons = Lesson.objects.filter(module__course=course)
    assert lessons.count() == 8
    for lesson in lessons:
        words = len(re.findall(r"[A-Za-z0-9']+", lesson.body))
        assert 300 <= words <= 600, (lesson.title, words)
        assert lesson.estimated_minutes >= 1

    quizzes = Quiz.objects.filter(module__course=course)
    assert quizzes.count() == 2
    assert all(quiz.questions.count() >= 10 for quiz in quizzes)

    scenarios = Scenario.objects.filter(module__course=course)
    assert scenarios.count() == 4
    assert len({scenario.setting for scenario in scenarios}) == 4
    for scenario in scenarios:
        assert 6 <= scenario.max_turns <= 8
        assert 2 <= scenario.goals.count() <= 3
        assert scenario.replies.count() >= 8


def test_every_object_passes_model_validation(course):
    for model in CONTENT_MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_every_quiz_question_has_a_correct_choice_and_an_explanation(course):
    questions = Question.objects.filter(quiz__module__course=course).prefetch_related("choices")
    for question in questions:
        choices = list(question.choices.all())
        assert len(choices) >= 3, question.prompt
        assert any(choice.is_correct for choice in choices), question.prompt
        assert not all(choice.is_correct for choice in choices), question.prompt
        assert question.explanation.strip()


def test_the_emotion_quiz_uses_goemotions_labels_and_sometimes_several_are_right(course):
    questions = Question.objects.filter(quiz__module__course=course, topic=Question.Topic.EMOTION)
    assert questions.count() >= 10
    for question in questions:
        assert question.message.strip()
        assert {choice.text for choice in question.choices.all()} <= set(EMOTION_LABELS)
    assert any(question.allows_several for question in questions)


def test_every_scenario_has_replies_for_each_kind_of_turn(course):
    for scenario in Scenario.objects.filter(module__course=course):
        replies = list(scenario.replies.all())
        label = scenario.title

        def has(predicate, replies=replies) -> bool:
            return any(predicate(reply) for reply in replies)

        assert has(lambda r: r.is_closing), label
        assert has(lambda r: r.tone == PersonaReply.Tone.DISMISSIVE), label
        assert has(lambda r: r.max_er == 0 and r.max_ip == 0 and r.max_ex == 0), label
        assert has(lambda r: r.min_er == 1), label
        assert has(lambda r: r.min_ip == 1), label
        assert has(lambda r: r.min_ex == 1 and r.asked_question is True), label
        assert has(lambda r: r.max_turn is not None), label
        assert has(lambda r: r.min_turn is not None), label

        fallbacks = [
            r
            for r in replies
            if not r.is_closing and r.tone == PersonaReply.Tone.ANY and all(getattr(r, c) is None for c in CONDITIONS)
        ]
        assert len(fallbacks) == 1, label
        assert fallbacks[0].priority < min(r.priority for r in replies if r is not fallbacks[0]), label

        for reply in replies:
            lines = [line for line in reply.example_learner_lines.splitlines() if line.strip()]
            assert 2 <= len(lines) <= 3, reply.text
            assert set(reply.emotion_shift) <= set(EMOTION_LABELS)
        assert set(scenario.starting_emotions) <= set(EMOTION_LABELS)
        assert scenario.opening_line and scenario.persona_bio and scenario.situation


def _analysis(er: int = 0, ip: int = 0, ex: int = 0, labels: tuple[str, ...] = ()) -> dict:
    levels = {"er": er, "ip": ip, "ex": ex}
    return {"empathy": {m: {"level": v} for m, v in levels.items()}, "emotion": {"labels": list(labels), "probs": {}}}


def _is_plain(reply: PersonaReply) -> bool:
    return reply.min_turn is None and reply.max_turn is None and not reply.is_closing


# (learner turn, its analysis, the authored reply it should draw)
ENGINE_CASES = (
    (
        "These things happen, it's out of our hands.",
        _analysis(labels=("disapproval",)),
        lambda r: r.tone == PersonaReply.Tone.DISMISSIVE,
    ),
    (
        "Please send me the reference number.",
        _analysis(),
        lambda r: r.max_er == r.max_ip == r.max_ex == 0 and r.asked_question is None and r.tone == "any",
    ),
    ("I'm so sorry, that sounds really hard.", _analysis(er=2), lambda r: _is_plain(r) and r.min_er == 1),
    (
        "It sounds like you feel let down after all that effort.",
        _analysis(ip=2),
        lambda r: _is_plain(r) and r.min_ip == 1,
    ),
    ("What has been the hardest part of this for you?", _analysis(ex=2), lambda r: _is_plain(r) and r.min_ex == 1),
)


def test_the_scripted_engine_draws_the_intended_reply_for_each_kind_of_turn(course):
    from courses.practice.engine import ScriptedEngine, TurnFacts

    engine = ScriptedEngine()
    for scenario in Scenario.objects.filter(module__course=course):
        replies = list(scenario.replies.all())
        for text, analysis, intended in ENGINE_CASES:
            facts = TurnFacts(text=text, analysis=analysis, turn_number=2)
            chosen = engine.choose_reply(scenario=scenario, replies=replies, facts=facts, similarity=None).reply
            assert chosen is not None and intended(chosen), (scenario.title, text, chosen)

        # Wrapping up after a conversation that touched everything the persona's lines mention.
        everything = "\n".join([scenario.opening_line, *(r.text for r in replies if not r.is_closing)])
        closing = engine.choose_reply(
            scenario=scenario,
            replies=replies,
            facts=TurnFacts(
                text="I'm glad we talked.", analysis=_analysis(er=1), turn_number=4, wrap_up=True, said=everything
            ),
            similarity=None,
        )
        assert closing.reply is not None and closing.reply.is_closing and closing.ends_session

        # Once the lines written for a plain turn are used up, the fallback answers it.
        fallback = min(replies, key=lambda r: r.priority)
        used = frozenset(r.pk for r in replies if r.pk != fallback.pk)
        facts = TurnFacts(text="Okay.", analysis=_analysis(), turn_number=3, used_reply_ids=used)
        assert engine.choose_reply(scenario=scenario, replies=replies, facts=facts, similarity=None).reply == fallback


def test_the_demo_personas_know_the_facts_of_their_corpus_cards(course):
    """seed_demo writes each demo scenario's facts from its persona card (the card the LoRA adapter
    was trained on), so the served prompt states them exactly as the trainer's prompts do."""
    cards = {(c.persona_name, c.setting): c for c in load_cards().values() if c.demo}
    scenarios = list(Scenario.objects.filter(module__course=course))
    assert len(scenarios) == 4
    for scenario in scenarios:
        card = cards[(scenario.persona_name, scenario.setting)]
        assert len(scenario.facts) == len(card.facts) >= 8, scenario.title
        assert facts_text(scenario.facts) == facts_text(card.facts)
        scenario.full_clean()


def test_scenarios_come_after_the_lessons_they_practise(course):
    items = [item.title for item in Item.objects.filter(module__course=course).order_by("module__order", "order")]
    assert items.index("Explorations") < items.index("Practice: a lonely weekend (peer support)")
    assert items.index("Empathy in customer service") < items.index("Practice: the birthday bike (customer service)")
    assert items.index("Supporting someone in distress") < items.index("Practice: the third cancellation (healthcare)")
    assert items[-1] == "Self-care for helpers"


def test_seeding_twice_changes_nothing(course):
    before = snapshot()
    updated_at = Course.objects.get(pk=course.pk).updated_at

    result = demo_seed()

    assert not result.changed
    assert snapshot() == before
    assert Course.objects.get(pk=course.pk).updated_at == updated_at
    assert get_user_model().objects.filter(username__in=["learner", "instructor", "admin"]).count() == 3
    assert not any(account.created for account in result.accounts)


def test_edited_content_replaces_only_what_changed_and_keeps_progress(course, alice):
    quiz_data = COURSE.modules[0].items[2]
    first_question = quiz_data.questions[0]
    edited_question = dataclasses.replace(first_question, choices=first_question.choices[:-1])
    edited_quiz = dataclasses.replace(quiz_data, questions=(edited_question, *quiz_data.questions[1:-1]))
    edited_module = dataclasses.replace(COURSE.modules[0], items=(*COURSE.modules[0].items[:2], edited_quiz))
    edited = dataclasses.replace(COURSE, modules=(edited_module, *COURSE.modules[1:]))

    quiz = Quiz.objects.get(module__course=course, title=quiz_data.title)
    progress = ItemProgress.objects.create(learner=alice, item=quiz, attempts=1)
    untouched_choices = list(Choice.objects.filter(question__quiz=quiz, question__order=2).values_list("pk", flat=True))
    reply_ids = sorted(PersonaReply.objects.values_list("pk", flat=True))
    item_ids = sorted(Item.objects.values_list("pk", flat=True))

    result = demo_seed(course=edited)

    assert result.removed["question"] == 1
    assert quiz.questions.count() == len(quiz_data.questions) - 1
    assert quiz.questions.get(order=1).choices.count() == len(first_question.choices) - 1
    assert (
        list(Choice.objects.filter(question__quiz=quiz, question__order=2).values_list("pk", flat=True))
        == untouched_choices
    )
    assert sorted(PersonaReply.objects.values_list("pk", flat=True)) == reply_ids
    assert sorted(Item.objects.values_list("pk", flat=True)) == item_ids
    assert ItemProgress.objects.filter(pk=progress.pk).exists()


def test_demo_accounts_can_log_in_with_their_roles(course, client):
    for username, password in (
        ("learner", "empathy-learner"),
        ("instructor", "empathy-instructor"),
        ("admin", "empathy-admin"),
    ):
        assert client.login(username=username, password=password), username
        client.logout()

    users = get_user_model().objects
    learner, instructor, admin = (
        users.get(username="learner"),
        users.get(username="instructor"),
        users.get(username="admin"),
    )
    assert not learner.is_staff and not learner.groups.exists() and not learner.user_permissions.exists()
    assert instructor.is_staff and not instructor.is_superuser
    assert instructor.groups.filter(name=INSTRUCTORS_GROUP).exists()
    assert instructor.has_perm("courses.change_personareply")
    assert admin.is_staff and admin.is_superuser
    assert course.author == instructor


def test_passwords_come_from_the_environment(monkeypatch, client):
    monkeypatch.setenv("DEMO_LEARNER_PASSWORD", "from-the-environment-1")

    demo_seed()

    assert client.login(username="learner", password="from-the-environment-1")
    assert not client.login(username="learner", password="empathy-learner")


def test_an_existing_accounts_password_is_never_reset(django_user_model, client):
    django_user_model.objects.create_user("instructor", password="chosen-by-the-owner-1")

    result = demo_seed()

    assert client.login(username="instructor", password="chosen-by-the-owner-1")
    assert not client.login(username="instructor", password="empathy-instructor")
    instructor = django_user_model.objects.get(username="instructor")
    assert instructor.is_staff and instructor.groups.filter(name=INSTRUCTORS_GROUP).exists()
    assert [a.created for a in result.accounts if a.username == "instructor"] == [False]


def test_seed_demo_command_prints_the_log_ins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    for credentials in ("learner / empathy-learner", "instructor / empathy-instructor", "admin / empathy-admin"):
        assert credentials in text
    assert "created:" in text

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "already up to date" in again.getvalue()
