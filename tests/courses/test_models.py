"""Models and their constraints."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import Enrollment, Item, ItemProgress, PersonaReply
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


def test_items_know_their_kind_and_url():
    bundle = course_bundle_create()
    kinds = [item.kind for item in Item.objects.filter(module=bundle.module).order_by("order")]
    assert kinds == ["lesson", "quiz", "scenario"]
    assert bundle.lesson.get_absolute_url() == f"/lessons/{bundle.lesson.pk}/"
    assert Item.objects.get(pk=bundle.quiz.pk).concrete() == bundle.quiz
    assert bundle.course.get_absolute_url() == f"/courses/{bundle.course.slug}/"


def test_question_allows_several_only_with_two_correct_choices():
    bundle = course_bundle_create()
    assert not bundle.single.allows_several
    assert bundle.several.allows_several


def test_one_enrollment_per_learner_and_course(alice):
    bundle = course_bundle_create()
    Enrollment.objects.create(learner=alice, course=bundle.course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(learner=alice, course=bundle.course)


def test_one_progress_row_per_learner_and_item(alice, bob):
    bundle = course_bundle_create()
    ItemProgress.objects.create(learner=alice, item=bundle.lesson)
    ItemProgress.objects.create(learner=bob, item=bundle.lesson)  # another learner: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemProgress.objects.create(learner=alice, item=bundle.lesson)


def test_persona_reply_condition_summary_and_validation():
    bundle = course_bundle_create()
    reply = PersonaReply(scenario=bundle.scenario, text="Thank you.", min_er=1, asked_question=True, min_turn=2)
    assert reply.condition_summary == "emotional reaction ≥ 1, asked a question, turn ≥ 2"
    assert PersonaReply(scenario=bundle.scenario, text="…").condition_summary == "any turn"
    with pytest.raises(ValidationError):
        PersonaReply(scenario=bundle.scenario, text="x", min_er=2, max_er=1).full_clean()
