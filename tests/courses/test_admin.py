"""Authoring through the Django admin: instructors can, learners cannot."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from courses.models import Course, Enrollment, Lesson, Module, PersonaReply, Question, Quiz
from courses.services.instructors import INSTRUCTORS_GROUP
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


def test_instructors_group_exists_after_migrate_with_authoring_rights_only():
    group = Group.objects.get(name=INSTRUCTORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_course", "change_lesson", "delete_question", "view_personareply"} <= codenames
    assert not codenames & {"change_enrollment", "change_itemprogress", "add_quizattempt", "change_user"}


def test_instructor_authors_a_course_module_and_lesson_through_the_admin(client, charlie):
    client.force_login(charlie)
    response = client.post(
        "/admin/courses/course/add/",
        {
            "title": "Listening Well",
            "slug": "listening-well",
            "status": "draft",
            "summary": "Hearing what is said and what is not.",
            "description": "",
            "modules-TOTAL_FORMS": "1",
            "modules-INITIAL_FORMS": "0",
            "modules-MIN_NUM_FORMS": "0",
            "modules-MAX_NUM_FORMS": "1000",
            "modules-0-order": "1",
            "modules-0-title": "Paying attention",
            "modules-0-summary": "",
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    course = Course.objects.get(slug="listening-well")
    assert course.author == charlie
    module = Module.objects.get(course=course)
    assert module.title == "Paying attention"

    response = client.post(
        "/admin/courses/lesson/add/",
        {
            "module": module.pk,
            "order": "0",
            "title": "Noticing feelings",
            "estimated_minutes": "4",
            "body": "Feelings show up in *words* and in silences.",
        },
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get(title="Noticing feelings")
    assert (lesson.module, lesson.kind) == (module, "lesson")

    response = client.post(
        "/admin/courses/quiz/add/",
        {
            "module": module.pk,
            "order": "1",
            "title": "Check-in",
            "pass_mark": "70",
            "introduction": "",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "1000",
            "questions-0-order": "0",
            "questions-0-topic": "emotion",
            "questions-0-message": "I can't believe they forgot me again.",
            "questions-0-prompt": "What do they feel?",
            "questions-0-explanation": "Disappointment: they expected better.",
        },
    )
    assert response.status_code == 302
    assert Question.objects.filter(quiz=Quiz.objects.get(title="Check-in")).count() == 1
    # The draft shows up for them to preview.
    assert "Draft preview" in client.get(course.get_absolute_url()).text


@pytest.mark.parametrize(
    "url",
    [
        "/admin/courses/course/",
        "/admin/courses/module/",
        "/admin/courses/lesson/",
        "/admin/courses/quiz/",
        "/admin/courses/question/",
        "/admin/courses/scenario/",
        "/admin/courses/personareply/",
    ],
)
def test_instructor_admin_lists_load(client, charlie, url):
    bundle = course_bundle_create()
    PersonaReply.objects.create(scenario=bundle.scenario, text="Thanks for listening.", min_er=1)
    client.force_login(charlie)
    response = client.get(url)
    assert response.status_code == 200
    if "personareply" in url:
        assert "emotional reaction ≥ 1" in response.text


def test_instructor_change_pages_with_inlines_load(client, charlie):
    bundle = course_bundle_create()
    client.force_login(charlie)
    for url in (
        f"/admin/courses/course/{bundle.course.pk}/change/",
        f"/admin/courses/module/{bundle.module.pk}/change/",
        f"/admin/courses/quiz/{bundle.quiz.pk}/change/",
        f"/admin/courses/question/{bundle.single.pk}/change/",
        f"/admin/courses/scenario/{bundle.scenario.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_instructor_cannot_touch_learner_state_or_users(client, charlie):
    client.force_login(charlie)
    assert client.get("/admin/courses/enrollment/").status_code == 403
    assert client.get("/admin/courses/quizattempt/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403


def test_learners_cannot_reach_the_admin(client, alice):
    client.force_login(alice)
    for url in ("/admin/", "/admin/courses/course/add/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post("/admin/courses/course/add/", {"title": "Hack", "slug": "hack", "status": "published"})
    assert response.status_code == 302
    assert not Course.objects.filter(slug="hack").exists()


def test_superuser_sees_learner_state_read_only(client, django_user_model, alice):
    bundle = course_bundle_create()
    enrollment = Enrollment.objects.create(learner=alice, course=bundle.course)
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-1")
    client.force_login(admin_user)
    assert "alice" in client.get("/admin/courses/enrollment/").text
    assert client.get("/admin/courses/enrollment/add/").status_code == 403
    response = client.post(f"/admin/courses/enrollment/{enrollment.pk}/change/", {"completed_at": "2020-01-01"})
    assert response.status_code == 403
