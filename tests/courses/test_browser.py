"""The learner's path in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import pytest

from tests.browser import chromium_launch, requires_chromium
from tests.factories import course_bundle_create

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
]


@pytest.fixture
def course(transactional_db):
    """The published course, built before the browser starts: while Playwright's event loop
    runs in this thread, Django would open (and never close) a second database connection."""
    return course_bundle_create(title="Empathy Basics")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        context.set_default_timeout(10_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def progress_value(page) -> int:
    return int(page.get_by_test_id("course-progress").get_attribute("aria-valuenow"))


def test_sign_up_enrol_learn_answer_and_see_progress(course, live_server, page):

    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill("a-warm-welcome-77")
    page.get_by_label("Password confirmation").fill("a-warm-welcome-77")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("Welcome to EmpathyCamp, newcomer!").wait_for()

    page.get_by_role("link", name="Empathy Basics").click()
    page.get_by_role("button", name="Enrol in this course").click()
    assert progress_value(page) == 0

    page.get_by_test_id("continue").click()
    page.get_by_role("heading", name="What empathy is").wait_for()
    page.get_by_role("button", name="Mark complete").click()

    # Completing the lesson leads on to the quiz.
    page.get_by_role("heading", name="Naming emotions").wait_for()
    page.get_by_label("Anger").check()
    page.get_by_label("That sounds so frustrating.").check()
    page.get_by_label("I'm sorry that happened.").check()
    page.get_by_role("button", name="Check my answers").click()
    result = page.get_by_test_id("quiz-result")
    assert "You scored 100%" in result.inner_text()
    assert page.get_by_text(course.single.explanation).is_visible()

    page.get_by_role("link", name="Back to the course").click()
    after = progress_value(page)
    assert after == 66
    assert page.get_by_test_id("course-progress").is_visible()
