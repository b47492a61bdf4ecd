"""The learner's path in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import pytest
from django.db import connections

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


# --- Past practice: resume after the tab is closed, the history page, the phone dashboard -----------

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
EARLIER = "I'm sorry, that sounds so frustrating to wait that long."


class StateSocket:
    """Stands in for the practice websocket (no socket server runs beside live_server): answers each
    connection with `state` as session.state (nothing while it is None), and keeps what the page sends."""

    def __init__(self) -> None:
        self.state: dict | None = None
        self.received: list[dict] = []

    def __call__(self, ws) -> None:
        import json

        ws.on_message(lambda message: self.received.append(json.loads(message)))
        if self.state is not None:
            ws.send(json.dumps({"type": "session.state", **self.state}))


def _state(session) -> dict:
    import json

    from courses.selectors.practice import practice_state

    return json.loads(json.dumps(practice_state(session=session), default=str))


@pytest.fixture
def learner_browser(transactional_db, live_server, client, alice, request):
    """Alice's logged-in browser context at the viewport named by the test's `viewport` parameter;
    any JavaScript error or Content-Security-Policy violation on any of its pages fails the test."""
    from playwright.sync_api import sync_playwright

    client.force_login(alice)
    cookie = client.cookies["sessionid"].value
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=VIEWPORTS[request.node.callspec.params["viewport"]])
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])

        def watch(page) -> None:
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)

        context.on("page", watch)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            # The ORM calls made while Playwright's loop runs use a connection of their own: close it,
            # or the test database cannot be dropped at the end of the run.
            connections.close_all()
    assert errors == [], f"JavaScript errors or CSP violations: {errors}"


def _shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def _headers_within_viewport(page) -> list[str]:
    """The table headers on the page whose box is not wholly inside the viewport's width."""
    width = page.viewport_size["width"]
    cut = []
    for header in page.locator("table th").all():
        box = header.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            cut.append(header.inner_text())
    return cut


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_session_resumes_after_the_tab_is_closed(
    viewport, course, alice, learner_browser, live_server, tmp_path, monkeypatch
):
    import courses.services.practice as practice_service
    from courses.services.enrollments import enrollment_create

    # No worker and no channel layer here: the turn is saved by the real service and stays queued.
    monkeypatch.setattr(practice_service, "enqueue", lambda *args, **kwargs: None)
    monkeypatch.setattr(practice_service, "events_send", lambda *args, **kwargs: None)
    enrollment_create(learner=alice, course=course.course)
    socket = StateSocket()

    tab = learner_browser.new_page()
    tab.route_web_socket("**/ws/practice/**", socket)
    tab.goto(live_server.url + course.scenario.get_absolute_url())
    tab.get_by_role("button", name="Start practice").click()
    tab.wait_for_url("**/practice/*/")
    session_id = tab.url.rstrip("/").rsplit("/", 1)[-1]
    session = practice_service.PracticeSession.objects.get(pk=session_id)
    socket.state = _state(session)
    tab.reload()
    tab.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    tab.get_by_test_id("composer").fill(EARLIER)
    tab.get_by_test_id("send").click()
    for _ in range(50):  # Playwright delivers the socket's messages while the page waits
        submits = [message for message in socket.received if message.get("type") == "turn.submit"]
        if submits:
            break
        tab.wait_for_timeout(100)
    [sent] = submits
    assert sent["text"] == EARLIER
    practice_service.turn_submit(session_id=session_id, learner=alice, client_id=sent["client_id"], text=sent["text"])
    tab.close()  # the tab is closed: nothing of it survives but what the database holds

    socket.state = _state(session)
    page = learner_browser.new_page()
    page.route_web_socket("**/ws/practice/**", socket)
    page.goto(live_server.url + "/dashboard/")
    _shot(page, tmp_path, f"dashboard-{viewport}")
    assert _headers_within_viewport(page) == []
    page.get_by_role("link", name="Resume your conversation with Dana").click()
    page.wait_for_url(f"**/practice/{session_id}/")
    learner = page.get_by_test_id("message-learner")
    learner.wait_for()
    assert learner.count() == 1 and EARLIER in learner.inner_text()
    _shot(page, tmp_path, f"resumed-{viewport}")

    # The scenario page offers the same session first, and says what starting anew does.
    page.goto(live_server.url + course.scenario.get_absolute_url())
    resume = page.get_by_role("link", name="Resume your conversation with Dana")
    assert resume.get_attribute("href") == f"/practice/{session_id}/"
    assert page.get_by_text("Starting anew leaves this conversation as it is").is_visible()
    assert page.get_by_role("button", name="Start a new conversation").is_visible()
    _shot(page, tmp_path, f"scenario-{viewport}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_history_page_shows_the_transcript_and_the_summary(
    viewport, course, alice, learner_browser, live_server, tmp_path
):
    from courses.services.enrollments import enrollment_create
    from courses.services.practice import practice_session_start
    from courses.services.progress import quiz_attempt_submit
    from tests.factories import Exchange, analysis_build, conversation_create, correct_answers

    enrollment_create(learner=alice, course=course.course)
    session = practice_session_start(learner=alice, scenario=course.scenario)
    analysis = analysis_build(
        er=2, ip=1, labels=("caring",), text=EARLIER, rationales={"er": ["I'm sorry"], "ip": ["sounds so frustrating"]}
    )
    conversation_create(
        session=session,
        exchanges=[
            Exchange(EARLIER, analysis, reply="Thank you. It has been a long week."),
            Exchange("I can't do this any more.", analysis_build(er=1, labels=("sadness",), safety="concern")),
        ],
        finish=True,
    )

    quiz_attempt_submit(learner=alice, quiz=course.quiz, answers=correct_answers(course))

    page = learner_browser.new_page()
    page.goto(live_server.url + "/dashboard/")
    _shot(page, tmp_path, f"dashboard-quiz-{viewport}")
    # Every header of both tables (practice conversations and quiz scores) fits the viewport's width:
    # on a phone the quiz table's last header, "Attempts", was cut off.
    assert page.get_by_role("columnheader", name="Attempts").is_visible()
    assert page.get_by_role("columnheader", name="Score", exact=True).is_visible()
    assert _headers_within_viewport(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.get_by_role("link", name="Transcript and summary of your conversation with Dana").click()
    page.get_by_role("heading", name="Your conversation with Dana").wait_for()
    messages = page.locator(".chat-message__text").all_inner_texts()
    assert messages == [
        "This is the second time!",
        EARLIER,
        "Thank you. It has been a long week.",
        "I can't do this any more.",
    ]
    first, flagged = page.get_by_test_id("message-learner").all()
    assert first.locator('[data-mechanism="er"]').get_attribute("data-level") == "2"
    assert first.get_by_text("caring").is_visible()
    assert "No scores for this message" in flagged.inner_text() and flagged.locator(".meter").count() == 0
    summary = page.get_by_test_id("summary")
    assert summary.get_by_role("heading", name="Session summary").is_visible()
    assert "You wrote 2 replies." in summary.inner_text()
    assert _headers_within_viewport(page) == []
    _shot(page, tmp_path, f"history-{viewport}")
    page.get_by_role("button", name="Practise again with Dana, in a new conversation").click()
    page.wait_for_url("**/practice/*/")
    assert f"/practice/{session.pk}/" not in page.url  # a new session, by the existing start view
