"""Every page a learner or a visitor meets, checked by axe-core (WCAG 2.2 AA) in Debian's chromium at
1280×900 and 390×844: no serious or critical violation. The demo course is the content: every lesson,
quiz and scenario in it, a conversation with analyses and coaching, a finished one's history."""

from __future__ import annotations

import os
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


def _log_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_accessibility_violation_on_any_page(demo, live_server, size):
    from playwright.sync_api import sync_playwright

    url = live_server.url
    ongoing: PracticeSession = demo["ongoing"]
    done: PracticeSession = demo["done"]
    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=SIZES[size])
        context.set_default_timeout(10_000)
        page = context.new_page()
        # The test server speaks no websocket: the practice page keeps its first paint (the
        # conversation from the database) and says it is connecting.
        page.route_web_socket("**/ws/practice/**", lambda ws: None)

        def check(path: str) -> None:
            page.goto(url + path)
            page.wait_for_load_state()
            found = axe_serious(page)
            if found:
                problems[path] = found

        for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/", "/about/"):
            check(path)
        account = demo["account"]
        _log_in(page, url, account.username, account.default_password)
        check("/courses/")
        check(f"/courses/{demo['course'].slug}/")
        items = page.eval_on_selector_all(
            "main a[href^='/lessons/'], main a[href^='/quizzes/'], main a[href^='/scenarios/']",
            "links => [...new Set(links.map((a) => a.getAttribute('href')))]",
        )
        assert len(items) >= 5, items  # the demo course's lessons, quizzes and scenarios
        for path in items:
            check(path)
        check("/dashboard/")
        check(f"/practice/{ongoing.pk}/")
        page.get_by_test_id("analysis").first.wait_for()  # the drawn analysis is part of what is checked
        check(f"/practice/{done.pk}/history/")
        context.close()
        browser.close()
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())


@pytest.mark.parametrize("size", SIZES)
def test_no_serious_or_critical_accessibility_violation_in_the_authoring_admin(demo, live_server, size):
    from playwright.sync_api import sync_playwright

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
    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=SIZES[size])
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", instructor.username)
        page.fill("#id_password", instructor.default_password)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            found = axe_serious(page)
            if found:
                problems[path] = found
        context.close()
        browser.close()
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
