"""Starting a practice session and opening its page: access rules and what the page is given."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, PracticeSession
from courses.practice import events
from courses.practice.wellbeing import default_resources
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
    assert f'data-ws-path="/ws/practice/{session.pk}/"' in html
    state = json.loads(embedded_json(html, "practice-state"))
    assert state["session"]["id"] == str(session.pk)
    assert [t["text"] for t in state["turns"]] == ["This is the second time!"]
    # The page speaks the protocol by the server's names, and loads its script as a module.
    assert json.loads(embedded_json(html, "practice-constants")) == events.page_constants()
    assert f'<span id="composer-count">0</span> / {events.MAX_TURN_CHARS}</p>' in html
    assert re.search(r'<script type="module" src="/static/js/practice/main\.js">', html)
    assert "<dt>ER · Emotional reaction</dt>" in html  # the legend, from the same names


def embedded_json(html: str, script_id: str) -> str:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert found, f"no {script_id} script in the page"
    return found.group(1)


def test_the_page_script_keeps_no_copy_of_the_servers_names():
    """Event names, close codes, limits, mechanism names and the wellbeing wording reach the page
    only through practice-constants: a copy in the JavaScript would drift from the server's."""
    scripts = sorted(Path(settings.BASE_DIR, "static", "js").rglob("*.js"))
    assert scripts, "no page scripts found"
    # Comments may name what they explain; code may not.
    source = "\n".join(
        re.sub(r"/\*.*?\*/|(?<![:\"'])//[^\n]*", "", path.read_text(), flags=re.DOTALL) for path in scripts
    )
    constants = events.page_constants()
    names = [*constants["events"].values(), *constants["client"].values()]
    # "guidance" and "error" are also the ids and words of the page itself; the dotted names are not.
    for name in (n for n in names if "." in n):
        assert not re.search(rf"[\"'`]{re.escape(name)}[\"'`]", source), f"the page spells out {name!r}"
    for number in (*constants["closeCodes"].values(), 4401, 4410, constants["maxTurnChars"]):
        assert not re.search(rf"\b{number}\b", source), f"the page has {number} of its own"
    words = [m["name"] for m in constants["mechanisms"]]
    words += [default_resources()["title"], default_resources()["continue_label"], "988"]
    words += [line["title"] for line in default_resources()["lines"]]
    for word in words:
        assert word not in source, f"the page has its own copy of {word!r}"


def test_someone_elses_session_page_is_not_found(client, alice, bob, bundle):
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(bob)
    assert client.get(reverse("courses:practice", kwargs={"session_id": session.pk})).status_code == 404
