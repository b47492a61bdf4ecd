"""Starting a practice session and opening its page: access rules and what the page is given."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, PracticeSession
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle():
    return course_bundle_create(title="Empathy Basics")


def start_url(bundle) -> str:
    return reverse("courses:practice_start", kwargs={"item_id": bundle.scenario.pk})


def test_enrolled_learner_starts_a_session_and_lands_on_its_page(client, alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    client.force_login(alice)
    response = client.post(start_url(bundle))
    session = PracticeSession.objects.get(learner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:practice", kwargs={"session_id": session.pk})
    assert session.turns.get().text == "This is the second time!"


def test_start_needs_post_login_and_enrolment(client, alice, bob, bundle):
    assert client.post(start_url(bundle)).status_code == 302  # to the login page
    client.force_login(bob)
    assert client.get(start_url(bundle)).status_code == 405
    assert client.post(start_url(bundle)).status_code == 403
    assert not PracticeSession.objects.exists()


def test_draft_scenarios_are_hidden_from_learners_but_instructors_preview(client, alice, charlie):
    draft = course_bundle_create(status=Course.Status.DRAFT)
    client.force_login(alice)
    assert client.post(start_url(draft)).status_code == 404
    client.force_login(charlie)
    assert client.post(start_url(draft)).status_code == 302
    assert PracticeSession.objects.get().learner == charlie


def test_session_page_embeds_the_conversation_and_socket_path(client, alice, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(alice)
    url = reverse("courses:practice", kwargs={"session_id": session.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 12
    html = response.content.decode()
    assert f"/ws/practice/{session.pk}/" in html
    embedded = re.search(r'<script id="practice-state" type="application/json">(.*?)</script>', html, re.DOTALL)
    state = json.loads(embedded.group(1))
    assert state["session"]["id"] == str(session.pk)
    assert [t["text"] for t in state["turns"]] == ["This is the second time!"]


def test_someone_elses_session_page_is_not_found(client, alice, bob, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(bob)
    assert client.get(reverse("courses:practice", kwargs={"session_id": session.pk})).status_code == 404
