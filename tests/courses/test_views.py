"""Pages as learners use them: access rules, bad input, feedback, and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, Enrollment, ItemProgress, QuizAttempt
from courses.services.enrollments import enrollment_create
from tests.factories import course_bundle_create, lesson_create, module_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle():
    return course_bundle_create(title="Empathy Basics")


@pytest.fixture
def alice_in(client, alice, bundle):
    """Alice, logged in and enrolled in the bundle's course."""
    enrollment_create(learner=alice, course=bundle.course)
    client.force_login(alice)
    return client


def quiz_post(client, bundle, data):
    return client.post(reverse("courses:quiz", kwargs={"item_id": bundle.quiz.pk}), data)


def right_answers(bundle) -> dict:
    return {
        f"q{bundle.single.pk}": str(bundle.single.choices.get(is_correct=True).pk),
        f"q{bundle.several.pk}": [str(c.pk) for c in bundle.several.choices.filter(is_correct=True)],
    }


def test_catalogue_shows_published_courses(client, bundle):
    course_bundle_create(title="Unfinished draft", status=Course.Status.DRAFT)
    response = client.get("/")
    assert response.status_code == 200
    assert "Empathy Basics" in response.text
    assert "Unfinished draft" not in response.text
    assert 'class="skip-link"' in response.text and reverse("courses:about") in response.text


def test_about_credits_the_datasets_and_model(client):
    text = client.get(reverse("courses:about")).text
    for credit in (
        "GoEmotions",
        "Demszky",
        "ACL 2020",
        "Apache",
        "EPITOME",
        "Sharma",
        "Althoff",
        "EMNLP 2020",
        "University of Washington",
        "all-MiniLM-L6-v2",
    ):
        assert credit in text


def test_course_page_invites_to_enrol_then_shows_progress(client, alice, bundle):
    client.force_login(alice)
    response = client.get(bundle.course.get_absolute_url())
    assert "Enrol in this course" in response.text
    assert 'data-testid="course-progress"' not in response.text
    response = client.post(reverse("courses:enroll", kwargs={"slug": bundle.course.slug}), follow=True)
    assert response.status_code == 200
    assert 'data-testid="course-progress"' in response.text
    assert 'role="progressbar"' in response.text and 'aria-valuenow="0"' in response.text
    assert Enrollment.objects.filter(learner=alice, course=bundle.course).count() == 1


def test_enrolling_twice_keeps_one_enrolment(alice_in, alice, bundle):
    url = reverse("courses:enroll", kwargs={"slug": bundle.course.slug})
    assert alice_in.post(url).status_code == 302
    assert Enrollment.objects.filter(learner=alice).count() == 1


def test_enrol_requires_login_and_post(client, alice, bundle):
    url = reverse("courses:enroll", kwargs={"slug": bundle.course.slug})
    assert client.post(url)["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get(url).status_code == 405


def test_lesson_completion_moves_the_progress_bar(alice_in, alice, bundle):
    response = alice_in.get(bundle.lesson.get_absolute_url())
    assert response.status_code == 200 and "Mark complete" in response.text
    response = alice_in.post(reverse("courses:lesson_complete", kwargs={"item_id": bundle.lesson.pk}))
    assert response["Location"] == bundle.quiz.get_absolute_url()  # on to the next step
    alice_in.post(reverse("courses:lesson_complete", kwargs={"item_id": bundle.lesson.pk}))  # double click
    assert ItemProgress.objects.filter(learner=alice, completed_at__isnull=False).count() == 1
    page = alice_in.get(bundle.course.get_absolute_url()).text
    assert 'aria-valuenow="33"' in page
    assert "You completed this lesson" in alice_in.get(bundle.lesson.get_absolute_url()).text


def test_quiz_page_uses_radios_for_one_answer_and_checkboxes_for_several(alice_in, bundle):
    text = alice_in.get(bundle.quiz.get_absolute_url()).text
    assert f'type="radio" name="q{bundle.single.pk}"' in text
    assert f'type="checkbox" name="q{bundle.several.pk}"' in text
    assert bundle.single.explanation not in text  # explanations come after answering


def test_quiz_submit_gives_feedback_score_and_best_score(alice_in, alice, bundle):
    wrong = {
        f"q{bundle.single.pk}": str(bundle.single.choices.get(text="Joy").pk),
        f"q{bundle.several.pk}": [str(bundle.several.choices.get(text="Calm down.").pk)],
    }
    response = quiz_post(alice_in, bundle, wrong)
    assert response.status_code == 200
    assert "You scored 0%" in response.text and "Not quite" in response.text
    assert bundle.single.explanation in response.text and "correct answer" in response.text
    response = quiz_post(alice_in, bundle, right_answers(bundle))
    assert "You scored 100%" in response.text and "Your best score: 100%" in response.text
    assert "✓ Correct." in response.text
    progress = ItemProgress.objects.get(learner=alice, item=bundle.quiz)
    assert (progress.attempts, progress.best_score) == (2, 1.0) and progress.completed_at is not None


@pytest.mark.parametrize(
    "make_data",
    [
        pytest.param(lambda b: {}, id="nothing"),
        pytest.param(lambda b: {f"q{b.single.pk}": "abc", f"q{b.several.pk}": ["1.5"]}, id="not integers"),
        pytest.param(lambda b: {f"q{b.single.pk}": "99999999", f"q{b.several.pk}": ["-3"]}, id="unknown ids"),
        pytest.param(
            lambda b: {
                f"q{b.single.pk}": str(b.several.choices.first().pk),
                f"q{b.several.pk}": [str(b.single.choices.first().pk)],
            },
            id="choices of the other question",
        ),
        pytest.param(
            lambda b: {
                f"q{b.single.pk}": [str(c.pk) for c in b.single.choices.all()],
                f"q{b.several.pk}": [str(b.several.choices.first().pk)],
            },
            id="several answers to a one-answer question",
        ),
        pytest.param(lambda b: {f"q{b.several.pk}": [str(b.several.choices.first().pk)]}, id="one question missing"),
        pytest.param(lambda b: {f"q{b.single.pk}": "9" * 40, f"q{b.several.pk}": ["\x00"]}, id="huge and NUL"),
    ],
)
def test_malformed_quiz_posts_are_400_and_write_nothing(alice_in, bundle, make_data):
    response = quiz_post(alice_in, bundle, make_data(bundle))
    assert response.status_code == 400
    assert "Please" in response.text  # a readable form error, not an error page
    assert not QuizAttempt.objects.exists()
    assert not ItemProgress.objects.filter(item=bundle.quiz, attempts__gt=0).exists()


def test_outsider_cannot_post_progress(client, bob, alice, bundle):
    """Bob is not enrolled: 403 on POSTs, redirected to the course page on GETs, nothing written."""
    enrollment_create(learner=alice, course=bundle.course)
    client.force_login(bob)
    assert quiz_post(client, bundle, right_answers(bundle)).status_code == 403
    assert quiz_post(client, bundle, {"q1": "junk"}).status_code == 403  # malformed too: 403, never 500
    lesson_url = reverse("courses:lesson_complete", kwargs={"item_id": bundle.lesson.pk})
    assert client.post(lesson_url).status_code == 403
    for item in (bundle.lesson, bundle.quiz, bundle.scenario):
        response = client.get(item.get_absolute_url())
        assert response.status_code == 302 and response["Location"] == bundle.course.get_absolute_url()
    assert not ItemProgress.objects.filter(learner=bob).exists()
    assert not QuizAttempt.objects.filter(learner=bob).exists()


def test_unpublished_course_is_404_for_learners(client, bob, bundle):
    draft = course_bundle_create(status=Course.Status.DRAFT)
    client.force_login(bob)
    assert client.get(draft.course.get_absolute_url()).status_code == 404
    for item in (draft.lesson, draft.quiz, draft.scenario):
        assert client.get(item.get_absolute_url()).status_code == 404
    assert quiz_post(client, draft, right_answers(draft)).status_code == 404
    assert client.post(reverse("courses:enroll", kwargs={"slug": draft.course.slug})).status_code == 404
    assert client.get(reverse("courses:quiz", kwargs={"item_id": 987654})).status_code == 404
    assert client.get(reverse("courses:quiz", kwargs={"item_id": bundle.lesson.pk})).status_code == 404  # wrong kind


def test_instructor_previews_a_draft_without_recording_progress(client, charlie):
    draft = course_bundle_create(status=Course.Status.DRAFT)
    client.force_login(charlie)
    response = client.get(draft.course.get_absolute_url())
    assert response.status_code == 200 and "Draft preview" in response.text
    lesson = client.get(draft.lesson.get_absolute_url())
    assert lesson.status_code == 200 and "Draft preview" in lesson.text and "Mark complete" not in lesson.text
    assert client.get(draft.quiz.get_absolute_url()).status_code == 200
    assert client.post(reverse("courses:enroll", kwargs={"slug": draft.course.slug})).status_code == 403
    assert not ItemProgress.objects.exists()


def test_item_pages_ask_visitors_to_log_in(client, bundle):
    response = client.get(bundle.lesson.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("courses:dashboard")).status_code == 302


def test_scenario_page_gives_the_brief_and_starts_practice(alice_in, bundle):
    text = alice_in.get(bundle.scenario.get_absolute_url()).text
    for expected in (
        "Dana",
        "parcel went missing",
        "Customer service",
        "Moderate",
        "Dana calls the help line",
        "Name Dana&#x27;s frustration",
        "Start practice",
        f'action="{reverse("courses:practice_start", args=[bundle.scenario.pk])}"',
    ):
        assert expected in text


def test_lesson_markdown_is_rendered_and_sanitised(alice_in, bundle):
    bundle.lesson.body = (
        "## Listen first\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) <b onclick=\"x()\">bold</b>"
    )
    bundle.lesson.save()
    text = alice_in.get(bundle.lesson.get_absolute_url()).text
    assert "<h2>Listen first</h2>" in text
    assert "alert(" not in text and "javascript:" not in text and "onclick" not in text
    assert "<b>bold</b>" in text


def test_dashboard_shows_progress_and_continue_link(alice_in, bundle):
    alice_in.post(reverse("courses:lesson_complete", kwargs={"item_id": bundle.lesson.pk}))
    quiz_post(alice_in, bundle, right_answers(bundle))
    text = alice_in.get(reverse("courses:dashboard")).text
    assert "Empathy Basics" in text and 'aria-valuenow="66"' in text
    assert "Continue where you left off" in text and bundle.scenario.get_absolute_url() in text
    assert "Naming emotions" in text and "100%" in text


def course_page_queries(client, course) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(course.get_absolute_url()).status_code == 200
    return len(queries)


def test_course_page_query_count_does_not_grow_with_items(alice_in, alice, bundle):
    small = course_page_queries(alice_in, bundle.course)
    big = course_bundle_create(title="Bigger")
    enrollment_create(learner=alice, course=big.course)
    for number in range(1, 4):
        module = module_create(course=big.course, title=f"Part {number}", order=number)
        for position in range(4):
            lesson_create(module=module, title=f"Lesson {number}.{position}", order=position)
    assert course_page_queries(alice_in, big.course) == small
    # session, user, two for the draft-preview permission, course, modules, items, enrolment, progress
    assert small <= 9
