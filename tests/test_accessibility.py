"""Every page a learner or a visitor meets, checked by axe-core (WCAG 2.2 AA) in Debian's chromium at
1280×900 and 390×844: no serious or critical violation. The demo course is the content: every lesson,
quiz and scenario in it, a conversation with analyses and coaching, a finished one's history."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from courses.models import Course, PracticeSession, Scenario
from courses.services.demo import DEMO_ACCOUNTS
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from tests.browser import axe_serious, chromium_launch, requires_chromium
from tests.factories import Exchange, analysis_build, conversation_create

pytestmark = [pytest.mark.browser, pytest.mark.slow, requires_chromium]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WARM = "I'm so sorry, that sounds really lonely."


def _analysis() -> Any:
    return analysis_build(
        er=2, ip=1, ex=0, labels=("caring", "sadness"), text=WARM, rationales={"er": ["I'm so sorry"]}
    )


@pytest.fixture
def demo(transactional_db) -> dict[str, Any]:
    """The demo course and accounts, a conversation under way and a finished one, written before
    the browser starts (Playwright's loop in this thread would leave Django a second connection)."""
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    account = next(a for a in DEMO_ACCOUNTS if a.username == "learner")
    learner = get_user_model().objects.get(username=account.username)
    course = Course.objects.get(slug="empathy-foundations")
    enrollment_create(learner=learner, course=course)
    scenario = Scenario.objects.filter(module__course=course).order_by("pk").first()
    assert scenario is not None
    ongoing = practice_session_start(learner=learner, scenario=scenario)
    conversation_create(session=ongoing, exchanges=[Exchange(WARM, _analysis(), reply="Thank you. It really is.")])
    done = practice_session_start(learner=learner, scenario=scenario)
    question = "What has the weekend been like?"
    conversation_create(
        session=done,
        exchanges=[
            Exchange(WARM, _analysis(), reply="It is, a bit."),
            Exchange(question, analysis_build(ex=2, text=question), reply="Quiet."),
        ],
        finish=True,
    )
    return {"account": account, "ongoing": ongoing, "done": done, "course": course}


@contextlib.contextmanager
def _page(size: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context(viewport=SIZES[size])
            context.set_default_timeout(10_000)
            yield context.new_page()
        finally:
            browser.close()


class Audit:
    """Open pages one after another and keep what axe-core finds on each."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: dict[str, list[str]] = {}

    def log_in(self, path: str, username: str, password: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.locator("form [type=submit]").last.click()
        self.page.wait_for_load_state()

    def check(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, path
        self.page.wait_for_load_state()
        found = axe_serious(self.page)
        if found:
            self.problems[path] = found

    def report(self) -> str:
        return "\n".join(f"{path}: {found}" for path, found in self.problems.items())


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_accessibility_violation_on_any_page(demo, live_server, size):
    ongoing: PracticeSession = demo["ongoing"]
    done: PracticeSession = demo["done"]
    with _page(size) as page:
        # The test server speaks no websocket: the practice page keeps its first paint (the
        # conversation from the database) and says it is connecting.
        page.route_web_socket("**/ws/practice/**", lambda ws: None)
        audit = Audit(page, live_server.url)
        for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/", "/about/"):
            audit.check(path)
        account = demo["account"]
        audit.log_in("/accounts/login/", account.username, account.default_password)
        audit.check("/")  # the catalogue, logged in
        audit.check(f"/courses/{demo['course'].slug}/")
        items = page.eval_on_selector_all(
            "main a[href^='/lessons/'], main a[href^='/quizzes/'], main a[href^='/scenarios/']",
            "links => [...new Set(links.map((a) => a.getAttribute('href')))]",
        )
        assert len(items) >= 5, items  # the demo course's lessons, quizzes and scenarios
        for path in items:
            audit.check(path)
        audit.check("/dashboard/")
        audit.check(f"/practice/{ongoing.pk}/")
        page.get_by_test_id("analysis").first.wait_for()  # the drawn analysis is part of what is checked
        audit.check(f"/practice/{done.pk}/history/")
    assert audit.problems == {}, audit.report()


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_accessibility_violation_in_the_authoring_admin(demo, live_server, size):
    instructor = next(a for a in DEMO_ACCOUNTS if a.username == "instructor")
    scenario = Scenario.objects.filter(module__course=demo["course"]).order_by("pk").first()
    course = demo["course"]
    assert scenario is not None
    paths = [
        "/admin/",
        "/admin/courses/course/",
        f"/admin/courses/course/{course.pk}/change/",
        "/admin/courses/module/",
        "/admin/courses/lesson/",
        "/admin/courses/quiz/",
        "/admin/courses/scenario/",
        f"/admin/courses/scenario/{scenario.pk}/change/",  # conditions, pickers, the Try panel
        "/admin/courses/scenario/add/",
        "/admin/courses/personareply/",
    ]
    with _page(size) as page:
        audit = Audit(page, live_server.url)
        audit.log_in("/admin/login/", instructor.username, instructor.default_password)
        for path in paths:
            audit.check(path)
    assert audit.problems == {}, audit.report()
