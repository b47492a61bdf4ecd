"""The authoring admin in a real browser (Debian's headless Chromium through Playwright): the emotion
picker edits a persona's feelings with sliders, and "Try this persona" shows the reply the persona
would choose, through the real task and models (embedded mode). Any Content-Security-Policy
violation on the page fails the test."""

from __future__ import annotations

import pytest
from django.db import connections

from courses.models import Scenario
from empathycamp import tasking
from tests.browser import chromium_launch, requires_chromium
from tests.db import connections_since_end, database_now

pytestmark = [pytest.mark.browser, pytest.mark.slow, requires_chromium, pytest.mark.timeout(400)]

LINE = "I'm so sorry, that sounds really lonely. What are your weekends like at the moment?"


@pytest.fixture
def scenario(transactional_db, charlie) -> Scenario:
    """The demo's peer-support scenario, seeded before the browser starts (see test_browser.py)."""
    from courses.services.demo import demo_seed

    demo_seed()
    return Scenario.objects.get(persona_name="Priya")


@pytest.fixture
def embedded(settings):
    """Embedded mode: the trial's task runs in the server's pool; its connection ended afterwards."""
    settings.EMBEDDED_MODE = True
    started = database_now()
    yield
    tasking._embedded_executor().submit(connections.close_all).result(timeout=120)
    connections_since_end(started)


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.problems = []
        # A CSP violation is reported on the console ("Refused to ... Content Security Policy");
        # a script error is a page error. (A missing favicon is a console error too: not ours.)
        page.on(
            "console",
            lambda message: page.problems.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # The ORM calls made while Playwright's loop ran used a connection of their own: close it
            # here, in that context, or it outlives the test (and `embedded` ends it under Django's
            # feet, for the next browser test to find dead).
            connections.close_all()


def _log_in(page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.get_by_label("Username").fill("charlie")
    page.get_by_label("Password").fill("charlie-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="How the persona chooses a reply").wait_for()


def test_instructor_picks_feelings_with_sliders_and_tries_the_persona(scenario, live_server, embedded, page, tmp_path):
    url = f"/admin/courses/scenario/{scenario.pk}/change/"
    _log_in(page, live_server, url)

    picker = page.locator(".field-starting_emotions .emotion-picker")
    picker.get_by_label("Intensity of sadness").wait_for()
    assert picker.get_by_label("Intensity of sadness").input_value() == "0.7"
    assert not picker.locator("input[name=starting_emotions]").is_visible()  # the text box stepped aside
    picker.get_by_label("Add an emotion").select_option("anger")
    picker.get_by_label("Intensity of anger").fill("0.8")
    picker.get_by_role("button", name="Remove nervousness").click()
    assert picker.locator("input[name=starting_emotions]").input_value() == (
        "sadness: 0.7, disappointment: 0.4, anger: 0.8"
    )
    # Each persona reply's emotion shift has its own picker, from -1 to 1.
    shift = page.locator(".field-emotion_shift .emotion-picker").first
    assert shift.get_by_label("Shift of sadness").get_attribute("min") == "-1"
    page.screenshot(path=tmp_path / "picker.png", full_page=False)
    page.locator("#replies-0").screenshot(path=tmp_path / "reply.png")

    page.get_by_role("button", name="Save and continue editing").click()
    page.locator(".messagelist").wait_for()
    page.locator(".messagelist").screenshot(path=tmp_path / "warnings.png")
    scenario.refresh_from_db()
    assert scenario.starting_emotions == {"sadness": 0.7, "disappointment": 0.4, "anger": 0.8}

    panel = page.get_by_test_id("persona-try")
    panel.get_by_label("A learner's message").fill(LINE)
    panel.get_by_role("button", name="Try it").click()
    chosen = page.get_by_test_id("persona-try-chosen")
    chosen.wait_for(timeout=240_000)  # the first trial loads the models
    assert chosen.inner_text() in set(scenario.replies.values_list("text", flat=True))
    assert "every condition held" in panel.locator(".persona-try-why").inner_text()
    assert panel.locator(".persona-try-chosen-row").count() == 1
    panel.screenshot(path=tmp_path / "try.png")

    # A reply added with "Add another" gets a picker of its own.
    replies = page.locator(".field-emotion_shift .emotion-picker-add")
    before = replies.count()
    page.get_by_role("button", name="Add another persona reply").click()
    assert replies.count() == before + 1
    assert page.problems == []
