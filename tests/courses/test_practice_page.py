"""The practice page in a real browser, against a scripted socket.

Playwright stands in for the server's websocket (`route_web_socket`), so every state of the page
(queued, analysing, failed and retry, disconnected and resend, wellbeing pause, summary, refusals)
can be driven exactly and quickly. The real socket, worker and models are exercised end to end in
test_practice_e2e.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from courses.practice import events
from courses.practice.wellbeing import resources_for
from tests.browser import axe_serious, chromium_launch, requires_chromium
from tests.factories import course_bundle_create

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
]

ANALYSIS = {
    "emotion": {
        "labels": ["caring", "sadness"],
        "top": [["caring", 0.81], ["sadness", 0.4]],
        "highlights": {"caring": [{"start": 0, "end": 9, "text": "I'm sorry", "weight": 1.0}], "sadness": []},
    },
    "empathy": {
        "er": {"level": 2, "probs": [0.05, 0.1, 0.85], "rationales": [{"start": 0, "end": 9, "text": "I'm sorry"}]},
        "ip": {
            "level": 1,
            "probs": [0.3, 0.6, 0.1],
            "rationales": [{"start": 14, "end": 35, "text": "sounds so frustrating"}],
        },
        "ex": {"level": 0, "probs": [0.9, 0.05, 0.05], "rationales": []},
    },
    "safety": {"level": "none"},
    "text_truncated": False,
}
FIRST = "I'm sorry, it sounds so frustrating to wait that long."
GUIDANCE = {
    "worked": "You named Dana's frustration: ‘I'm sorry’.",
    "try_next": "Dana still sounds angry — ask what worries her most about the parcel.",
    "rewrite": FIRST + " What's been the hardest part of the parcel for you?",
    "weakest": "ex",
    "pause": False,
    "resources": None,
}


class ScriptedSocket:
    """Every connection the page opens, and every message it sends, as the server would see them."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state
        self.connections: list[Any] = []
        self.received: list[dict[str, Any]] = []
        self.down = False  # while True, every connection is dropped at once (a server that is away)

    def __call__(self, ws: Any) -> None:
        if self.down:
            ws.close(code=1011, reason="away")
            return
        self.connections.append(ws)
        ws.on_message(lambda message: self.received.append(json.loads(message)))
        ws.send(json.dumps({"type": "session.state", **self.state}))

    @property
    def live(self) -> Any:
        return self.connections[-1]

    def send(self, type_: str, **payload: Any) -> None:
        self.live.send(json.dumps({"type": type_, **payload}))

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [message for message in self.received if message.get("type") == type_]


def wait_until(page: Any, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Let the browser run until `predicate` holds (Playwright's sync API delivers events while waiting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(25)
    raise AssertionError("timed out waiting for the page")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def practice(request, browser, live_server, transactional_db, alice, client):
    from courses.selectors.practice import practice_state
    from courses.services.enrollments import enrollment_create
    from courses.services.practice import practice_session_start

    bundle = course_bundle_create(title="Empathy Basics")
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(alice)
    cookie = client.cookies["sessionid"].value

    socket = ScriptedSocket(json.loads(json.dumps(practice_state(session=session), default=str)))
    # A phone, unless a test asks for another size (parametrize "practice" indirectly).
    context = browser.new_context(viewport=getattr(request, "param", PHONE))
    context.set_default_timeout(5_000)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The Content-Security-Policy allows no inline script or style: a violation is an error here.
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.route_web_socket("**/ws/practice/**", socket)
    try:
        page.goto(f"{live_server.url}/practice/{session.pk}/")
        page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
        yield page, socket, session, errors
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def submit(page: Any, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def saved_turn(message: dict[str, Any], turn_id: int, index: int) -> dict[str, Any]:
    return {
        "id": turn_id,
        "index": index,
        "role": "learner",
        "client_id": message["client_id"],
        "text": message["text"],
        "status": "queued",
        "failure_reason": None,
        "analysis": None,
        "guidance": None,
        "persona_state": None,
    }


def test_a_turn_goes_from_sending_to_analysis_guidance_and_a_streamed_reply(practice):
    page, socket, _, _ = practice
    assert page.get_by_test_id("message-persona").count() == 1  # the opening line, from the database
    assert "Anger" in page.get_by_test_id("thought-bubble").inner_text().title()

    submit(page, FIRST)
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    assert sent["text"] == FIRST and len(sent["client_id"]) == 36
    assert page.get_by_test_id("composer").input_value() == ""  # Enter sent it
    learner = page.get_by_test_id("message-learner")
    assert learner.count() == 1

    socket.send("turn.saved", turn=saved_turn(sent, 11, 1))
    page.get_by_text("Queued for analysis…").wait_for()
    socket.send("turn.status", turn_id=11, status="running", reason=None)
    page.get_by_text("Analysing…").wait_for()
    assert page.get_by_test_id("typing-indicator").is_visible()

    learner.evaluate("node => { node.sameNode = true; }")
    socket.send("turn.analysis", turn_id=11, analysis=ANALYSIS)
    analysis = learner.get_by_test_id("analysis")
    analysis.wait_for()
    assert analysis.get_by_role("button", name="caring").is_visible()
    er = analysis.locator('[data-mechanism="er"]')
    assert er.get_attribute("data-level") == "2"
    # Focusing a score highlights its rationale in the learner's own message, as the whole clause the
    # coaching would quote (the model tagged "sounds so frustrating").
    analysis.locator('[data-mechanism="ip"]').focus()
    assert learner.locator("mark").inner_text() == "it sounds so frustrating to wait that long"
    assert "sounds so frustrating" in analysis.inner_text()
    page.mouse.move(0, 0)
    analysis.locator('[data-mechanism="ip"]').blur()
    assert learner.locator("mark").count() == 0

    socket.send("guidance", turn_id=11, guidance=GUIDANCE)
    guidance = page.get_by_test_id("guidance")
    guidance.get_by_text(GUIDANCE["try_next"]).wait_for()
    assert GUIDANCE["worked"] in guidance.inner_text()
    assert GUIDANCE["rewrite"] in guidance.inner_text()

    socket.send("persona.state", turn_id=11, emotions={"relief": 0.6, "anger": 0.3}, trajectory=[])
    bubble_items = page.get_by_test_id("thought-bubble").get_by_role("listitem")
    wait_until(page, lambda: bubble_items.first.get_attribute("data-label") == "relief")
    assert "relief" in bubble_items.first.inner_text().lower()
    assert bubble_items.count() == 2

    socket.send("reply.start", turn_id=12, in_reply_to=11)
    for token in ("Thank ", "you ", "for "):
        socket.send("reply.token", turn_id=12, token=token)
    wait_until(page, lambda: "Thank you for" in page.get_by_test_id("message-persona").nth(1).inner_text())
    assert page.get_by_text("Dana is typing…").is_visible()
    reply = {
        "id": 12,
        "index": 2,
        "role": "persona",
        "text": "Thank you for listening.",
        "status": "done",
        "emotions": {"relief": 0.7},
    }
    socket.send("reply.done", turn=reply)
    wait_until(page, lambda: "Thank you for listening." in page.get_by_test_id("message-persona").nth(1).inner_text())
    assert page.get_by_test_id("typing-indicator").is_hidden()
    assert page.get_by_test_id("message-persona").count() == 2
    assert page.get_by_test_id("message-learner").count() == 1
    # Patched in place, not replaced: the live region does not read the whole turn out again.
    assert learner.evaluate("node => node.sameNode") is True
    # Readable on a phone: nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_serious(page) == []  # the analysis, its scores and the coaching drawn


def _exchange(page: Any, socket: ScriptedSocket, turn_id: int, index: int, text: str, reply: str) -> None:
    """One learner turn through to the persona's whole reply, streamed word by word."""
    submit(page, text)
    sent = wait_until(page, lambda: [m for m in socket.of_type("turn.submit") if m["text"] == text])[0]
    socket.send("turn.saved", turn=saved_turn(sent, turn_id, index))
    socket.send("turn.analysis", turn_id=turn_id, analysis=ANALYSIS)
    socket.send("guidance", turn_id=turn_id, guidance=GUIDANCE)
    feelings = {"sadness": 0.5, "relief": 0.3}
    socket.send("persona.state", turn_id=turn_id, emotions=feelings, trajectory=[], goals_met=[])
    socket.send("reply.start", turn_id=turn_id + 1, in_reply_to=turn_id)
    for word in reply.split(" "):
        socket.send("reply.token", turn_id=turn_id + 1, token=word + " ")
    done = {"id": turn_id + 1, "index": index + 1, "role": "persona", "text": reply, "status": "done"}
    socket.send("reply.done", turn={**done, "persona_state": feelings, "in_reply_to": turn_id})
    wait_until(
        page, lambda: page.get_by_test_id("message-persona").last.get_attribute("data-turn-id") == str(turn_id + 1)
    )
    page.wait_for_timeout(100)  # a frame for the page to follow


def _in_view_above_composer(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    composer = page.locator("#composer-form").bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= composer["y"] + 1


@pytest.mark.parametrize("practice", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_conversation_follows_the_newest_message_unless_the_learner_scrolled_up(practice):
    page, socket, _, _ = practice
    reply = "I hear you. It has been a long week and I keep thinking about it, over and over, at night."
    composer = page.locator("#composer-form").bounding_box()
    assert composer["height"] <= 0.2 * page.viewport_size["height"]  # the composer leaves the room to the talk
    assert _in_view_above_composer(page, page.get_by_test_id("message-persona").last)  # the opening line
    for n in range(5):
        _exchange(page, socket, 100 + 2 * n, 1 + 2 * n, f"Reply number {n}: that sounds so hard.", reply)
        newest = page.locator("#messages > li").last
        assert _in_view_above_composer(page, newest), f"after reply {n} the newest message is hidden"
        # The persona's feelings under its reply are the thought bubble's, not a second reading.
        assert newest.locator(".chat-message__feelings").inner_text() == "Feeling: sadness, relief"
        assert page.get_by_test_id("new-message").is_hidden()

    # The learner scrolls up to read: nothing moves under their eyes, and a pill offers the way back.
    page.mouse.move(300, 300)
    page.mouse.wheel(0, -5000)
    wait_until(page, lambda: page.evaluate("window.scrollY") == 0)
    _exchange(page, socket, 200, 11, "And one more thing I wanted to say.", reply)
    assert page.evaluate("window.scrollY") == 0
    pill = page.get_by_test_id("new-message")
    assert pill.is_visible() and "New message from Dana" in pill.inner_text()
    assert axe_serious(page) == []
    pill.click()
    wait_until(page, lambda: _in_view_above_composer(page, page.locator("#messages > li").last))
    assert pill.is_hidden()


@pytest.mark.parametrize("practice", [PHONE], indirect=True, ids=["phone"])
def test_a_growing_composer_does_not_cover_the_message_being_answered(practice):
    """A walkthrough at 390x844: a three-line draft and its hint grew the sticky composer over the end
    of the persona's message the learner was answering."""
    page, socket, _, _ = practice
    reply = (
        "Yes. That's it. It's not about the bike really, I promised him. He's been crossing the days off on "
        "the calendar, and tomorrow I'm the dad who couldn't make it happen."
    )
    for n in range(3):
        _exchange(page, socket, 300 + 2 * n, 1 + 2 * n, f"Reply number {n}: that sounds so hard.", reply)
    newest = page.locator("#messages > li").last
    assert _in_view_above_composer(page, newest)
    composer = page.get_by_test_id("composer")
    composer.press_sequentially("Don't worry, it'll definitely be with you first thing tomorrow. " * 3, delay=2)
    draft = wait_until(page, lambda: socket.of_type("draft.analyze"))[-1]
    socket.send("draft.hint", draft_id=draft["draft_id"], levels={"er": 0, "ip": 0, "ex": 0},
                blocker="false_reassurance", hint="Reassurance can feel like brushing it off — try acknowledging "
                "how hard it is.")  # fmt: skip
    page.get_by_test_id("draft-hint").get_by_text("Reassurance can feel").wait_for()
    wait_until(page, lambda: _in_view_above_composer(page, newest))


def test_a_reply_sent_all_at_once_comes_after_a_typing_beat_a_few_words_at_a_time(practice):
    page, socket, _, _ = practice
    submit(page, "That sounds exhausting.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 61, 1))
    socket.send("turn.analysis", turn_id=61, analysis=ANALYSIS)
    reply = "It is. Thank you for noticing, most people just tell me to get some sleep and move on."
    # The worker's way on an idle machine: the analysis, then the whole reply, in the same instant.
    socket.send("reply.start", turn_id=62, in_reply_to=61)
    for word in reply.split(" "):
        socket.send("reply.token", turn_id=62, token=word + " ")
    socket.send("reply.done", turn={"id": 62, "index": 2, "role": "persona", "text": reply, "status": "done"})
    message = page.get_by_test_id("message-persona").last
    seen = []
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and reply not in seen[-1:]:
        seen.append(message.locator(".chat-message__text").inner_text())
        if seen[-1] == "" or len(seen) == 1:
            assert page.get_by_text("Dana is typing…").is_visible()
        page.wait_for_timeout(40)
    assert seen[0] == ""  # a beat first: the persona is typing
    partial = [text for text in seen if text and text != reply]
    assert len(set(partial)) >= 3, "the words did not come a few at a time"
    assert seen[-1] == reply
    page.get_by_test_id("typing-indicator").wait_for(state="hidden")


def test_a_reply_already_loaded_from_the_database_is_not_streamed_twice(practice):
    page, socket, _, _ = practice
    state = json.loads(json.dumps(socket.state))
    state["turns"] += [
        {
            "id": 71,
            "index": 1,
            "role": "learner",
            "client_id": None,
            "text": "I'm here.",
            "status": "done",
            "analysis": ANALYSIS,
            "guidance": GUIDANCE,
        },
        {"id": 72, "index": 2, "role": "persona", "text": "Thank you. Really.", "status": "done", "emotions": {}},
    ]
    socket.send("session.state", **state)
    wait_until(page, lambda: page.get_by_test_id("message-persona").count() == 2)
    # The worker was still streaming when the page loaded the saved reply: the stream is ignored.
    socket.send("reply.start", turn_id=72, in_reply_to=71)
    socket.send("reply.token", turn_id=72, token="Thank ")
    socket.send("reply.done", turn=state["turns"][-1])
    page.wait_for_timeout(150)
    assert (
        page.get_by_test_id("message-persona").nth(1).locator(".chat-message__text").inner_text()
        == "Thank you. Really."
    )
    assert page.get_by_test_id("message-persona").count() == 2
    assert page.get_by_test_id("guidance").get_attribute("data-turn-id") == "71"


def test_a_turn_sent_while_disconnected_is_resent_once_with_the_same_client_id(practice):
    page, socket, _, _ = practice
    socket.down = True
    socket.live.close(code=1011, reason="server restart")
    page.wait_for_selector('[data-testid="connection-status"][data-state="reconnecting"]')
    # Typing and sending still work: the turn waits for the connection.
    submit(page, "Are you still there? I want to help.")
    page.get_by_text("it will be sent automatically").wait_for()
    assert socket.of_type("turn.submit") == []
    socket.down = False
    try:
        page.get_by_role("button", name="Reconnect now").click(timeout=3000)
    except PlaywrightTimeoutError:
        # The back-off timer may reconnect between `socket.down = False` and the click, which
        # hides the button; then the page must already be on its second connection.
        assert len(socket.connections) == 2
    wait_until(page, lambda: len(socket.connections) == 2, timeout=5)
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    submits = wait_until(page, lambda: socket.of_type("turn.submit"))
    assert len(submits) == 1
    first = submits[0]

    # The ack is lost with another drop; after reconnecting, the page resends the same client_id.
    socket.live.close(code=1011)
    wait_until(page, lambda: len(socket.connections) == 3, timeout=5)
    again = wait_until(page, lambda: socket.of_type("turn.submit")[1:])
    assert again[0]["client_id"] == first["client_id"]
    assert again[0]["text"] == first["text"]
    socket.send("turn.saved", turn=saved_turn(first, 21, 1))
    page.get_by_text("Queued for analysis…").wait_for()
    assert page.get_by_test_id("message-learner").count() == 1  # not doubled

    # A later session.state that includes the turn (from the database) replaces everything cleanly.
    state = json.loads(json.dumps(socket.state))
    state["turns"].append(saved_turn(first, 21, 1))
    socket.state = state
    socket.live.close(code=1011)
    wait_until(page, lambda: len(socket.connections) == 4, timeout=5)
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    assert page.get_by_test_id("message-learner").count() == 1
    assert len(socket.of_type("turn.submit")) == 2  # nothing resent: the database had it


def test_a_turn_not_yet_saved_survives_a_reload_as_the_learners(practice):
    page, socket, _, _ = practice
    socket.down = True
    socket.live.close(code=1011, reason="server restart")
    page.wait_for_selector('[data-testid="connection-status"][data-state="reconnecting"]')
    submit(page, "I'm still here for you.")
    page.get_by_text("it will be sent automatically").wait_for()
    page.reload()  # still offline: the turn comes back from sessionStorage
    learner = page.get_by_test_id("message-learner")
    learner.get_by_text("it will be sent automatically").wait_for()
    assert learner.locator(".chat-message__text").inner_text() == "I'm still here for you."
    assert page.get_by_test_id("message-persona").count() == 1
    socket.down = False
    try:
        page.get_by_role("button", name="Reconnect now").click(timeout=3000)
    except PlaywrightTimeoutError:
        pass  # the back-off timer got there first, which hides the button
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]', timeout=10_000)
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))
    assert [message["text"] for message in sent] == ["I'm still here for you."]
    assert learner.count() == 1


def test_a_failed_analysis_offers_retry(practice):
    page, socket, _, _ = practice
    submit(page, "That must be hard.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 31, 1))
    socket.send("turn.status", turn_id=31, status="failed", reason="The analysis could not be completed.")
    page.get_by_role("alert").get_by_text("couldn't be analysed").wait_for()
    page.get_by_role("button", name="Retry").click()
    retry = wait_until(page, lambda: socket.of_type("turn.retry"))[0]
    assert retry == {"type": "turn.retry", "turn_id": 31}
    page.get_by_text("Queued for analysis…").wait_for()


def test_a_turn_stuck_in_the_queue_offers_retry_after_two_minutes(practice):
    page, socket, _, _ = practice
    page.clock.install()
    page.reload()
    wait_until(page, lambda: len(socket.connections) == 2)
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    submit(page, "Take your time, I'm listening.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 81, 1))
    page.get_by_text("Queued for analysis…").wait_for()
    assert page.get_by_role("button", name="Retry").count() == 0
    page.clock.run_for(140_000)
    page.get_by_role("button", name="Retry").click()
    assert wait_until(page, lambda: socket.of_type("turn.retry"))[0] == {"type": "turn.retry", "turn_id": 81}


def test_with_no_worker_the_page_says_analysis_is_delayed_and_the_words_are_saved_until_it_resumes(practice):
    page, socket, _, _ = practice
    submit(page, "I'm here, take your time.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 91, 1))
    notice = page.get_by_test_id("analysis-delayed")
    assert notice.is_hidden()
    socket.send(events.ANALYSIS_DELAYED, reason="no_worker")
    notice.wait_for(state="visible")
    assert "your words are saved" in notice.inner_text()
    assert axe_serious(page) == []
    assert page.get_by_text("I'm here, take your time.").is_visible()
    # "Reading your message" would not be true while nobody can.
    assert page.get_by_test_id("typing-indicator").is_hidden()

    socket.send(events.ANALYSIS_RESUMED)
    notice.wait_for(state="hidden")
    page.get_by_test_id("typing-indicator").wait_for(state="visible")
    socket.send(events.ANALYSIS_DELAYED, reason="no_worker")
    notice.wait_for(state="visible")
    socket.send("turn.analysis", turn_id=91, analysis=ANALYSIS)  # a worker is back at work
    notice.wait_for(state="hidden")


def test_a_draft_hint_appears_after_a_pause_and_is_replaced_as_the_draft_changes(practice):
    page, socket, _, _ = practice
    composer = page.get_by_test_id("composer")
    composer.press_sequentially("You should just call them again", delay=10)
    first = wait_until(page, lambda: socket.of_type("draft.analyze"))[0]
    assert first["text"] == "You should just call them again" and first["draft_id"]
    assert len(socket.of_type("draft.analyze")) == 1  # one draft per pause, not one per key
    socket.send("draft.hint", draft_id=first["draft_id"], levels={"er": 0, "ip": 0, "ex": 0}, blocker="advice",
                hint="You're offering a fix — try naming what Dana feels first.")  # fmt: skip
    box = page.get_by_test_id("draft-hint")
    box.get_by_text("You're offering a fix").wait_for()
    assert page.locator("#draft-hint-meter").get_attribute("value") == "0"
    assert axe_serious(page) == []

    composer.fill("That sounds so frustrating. What happened when you called?")
    second = wait_until(page, lambda: socket.of_type("draft.analyze")[1:])[0]
    # The answer to the older draft arrives late: dropped. The newer one's replaces the hint.
    socket.send("draft.hint", draft_id=first["draft_id"], levels={"er": 0, "ip": 0, "ex": 0}, blocker="advice",
                hint="Stale hint")  # fmt: skip
    socket.send("draft.hint", draft_id=second["draft_id"], levels={"er": 2, "ip": 1, "ex": 2}, blocker=None, hint=None)
    wait_until(page, lambda: page.locator("#draft-hint-meter").get_attribute("value") == "5")
    assert "Stale hint" not in box.inner_text() and "send it when it feels right" in box.inner_text()

    composer.press("Enter")  # sent: the hint goes with the draft
    box.wait_for(state="hidden")

    # Hints off: no draft leaves the page, and the choice outlives a reload.
    page.get_by_test_id("draft-hints-on").uncheck()
    composer.fill("You should just complain louder next time.")
    page.wait_for_timeout(1200)
    assert len(socket.of_type("draft.analyze")) == 2
    page.reload()
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    assert not page.get_by_test_id("draft-hints-on").is_checked()


def test_a_wellbeing_pause_shows_the_resource_card_and_continue_resumes(practice):
    page, socket, _, _ = practice
    submit(page, "Honestly I feel like giving up on everything.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 41, 1))
    resources = {
        "title": "Let's take a pause",
        "body": "If anything here is weighing on you, you don't have to carry it alone.",
        "lines": ["Talk to someone you trust.", "In the US you can call or text 988."],
        "continue_label": "I'm okay, continue the practice",
    }
    socket.send(
        "guidance",
        turn_id=41,
        guidance={"pause": True, "resources": resources, "worked": None, "try_next": None, "rewrite": None},
    )
    card = page.get_by_test_id("wellbeing")
    card.wait_for()
    assert "988" in card.inner_text()
    assert page.get_by_test_id("composer").is_disabled()
    assert axe_serious(page) == []
    card.get_by_role("button", name="I'm okay, continue the practice").click()
    wait_until(page, lambda: socket.of_type("session.continue"))
    assert card.is_hidden()
    assert page.get_by_test_id("composer").is_enabled()


def test_the_wellbeing_card_speaks_with_the_servers_words(practice):
    page, socket, _, _ = practice
    submit(page, "I can't do this any more.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 91, 1))
    # Whatever the event carries, the card shows the one wording the server has (wellbeing.py).
    socket.send(
        "guidance",
        turn_id=91,
        guidance={"pause": True, "resources": None, "worked": None, "try_next": None, "rewrite": None},
    )
    card = page.get_by_test_id("wellbeing")
    card.wait_for()
    # The browser asks for en-US: the server chose the US card (988) for it.
    expected = resources_for(page.evaluate("navigator.languages.join(',')"))
    assert "988" in " ".join(line["text"] for line in expected["lines"])
    assert card.get_by_role("heading").inner_text() == expected["title"]
    assert card.locator("#wellbeing-body").inner_text() == expected["body"]
    assert card.get_by_role("listitem").all_inner_texts() == [
        f"{line['title']} — {line['text']}" for line in expected["lines"]
    ]
    assert card.get_by_role("button").inner_text() == expected["continue_label"]
    assert page.evaluate("document.activeElement.id") == "wellbeing-card"  # a keyboard user lands on it


@pytest.mark.parametrize("code", [events.CLOSE_FORBIDDEN, events.CLOSE_NOT_FOUND])
def test_a_socket_the_server_refuses_is_not_retried(practice, code):
    page, socket, _, _ = practice
    socket.live.close(code=code, reason="refused")
    page.wait_for_selector('[data-testid="connection-status"][data-state="closed"]')
    assert "can't be opened any more" in page.get_by_test_id("connection-status").inner_text()
    assert page.get_by_test_id("composer").is_disabled()
    assert page.get_by_role("button", name="Reconnect now").is_hidden()
    page.wait_for_timeout(1_500)  # longer than the first back-off (0.25–0.5 s)
    assert len(socket.connections) == 1


def test_the_summary_closes_the_session(practice):
    page, socket, _, _ = practice
    summary = {
        "turns": 3,
        "mechanisms": {
            "er": {"name": "emotional reaction", "average": 1.67, "best": 2},
            "ip": {"name": "interpretation", "average": 1.0, "best": 1},
            "ex": {"name": "exploration", "average": 0.33, "best": 1},
        },
        "trajectory": [{"index": 0, "emotions": {"anger": 0.7}}, {"index": 1, "emotions": {"relief": 0.4}}],
        "goals": [{"id": 1, "description": "Name Dana's frustration.", "mechanism": "er", "met": True}],
        "goals_met": True,
        "highlights": [{"quote": "I'm sorry", "note": "You named what Dana was feeling"}],
        "practise_next": {"mechanism": "ex", "text": "Ask one open question about their experience."},
        "score": 0.7,
    }
    socket.send("session.summary", summary=summary)
    panel = page.get_by_test_id("summary")
    panel.wait_for()
    text = panel.inner_text()
    for expected in ("3 replies", "1.7", "Name Dana's frustration.", "I'm sorry", "Ask one open question", "Relief"):
        assert expected.lower() in text.lower(), expected
    # The conversation has ended: the summary takes the composer's place.
    assert page.get_by_test_id("composer").is_hidden()
    assert page.get_by_test_id("send").is_hidden()
    assert panel.get_by_role("button", name="Practise again").is_visible()
    assert axe_serious(page) == []


def test_refusals_are_polite_and_give_the_words_back(practice):
    page, socket, _, _ = practice
    submit(page, "Okay, tell me everything.")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send(
        "error",
        code="rate_limited",
        message="You're sending messages faster than we can reply.",
        client_id=sent["client_id"],
    )
    page.get_by_role("alert").get_by_text("faster than we can reply").wait_for()
    assert page.get_by_test_id("composer").input_value() == "Okay, tell me everything."
    assert page.get_by_test_id("message-learner").count() == 0


def test_the_counter_and_the_limit(practice):
    page, socket, _, _ = practice
    composer = page.get_by_test_id("composer")
    composer.fill("a" * 2001)
    assert page.locator("#composer-count").inner_text() == "2001"
    assert page.get_by_test_id("send").is_disabled()
    composer.press("Enter")
    page.wait_for_timeout(100)
    assert socket.of_type("turn.submit") == []
    composer.fill("Line one")
    composer.press("Shift+Enter")
    composer.press_sequentially("line two")
    assert composer.input_value() == "Line one\nline two"
    page.get_by_test_id("send").click()
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    assert sent["text"] == "Line one\nline two"


def test_learner_text_is_shown_as_text_never_as_markup(practice):
    page, socket, _, _ = practice
    nasty = '<img src=x onerror="window.__owned=1"> <b>bold</b>'
    submit(page, nasty)
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 51, 1))
    socket.send("reply.start", turn_id=52, in_reply_to=51)
    socket.send("reply.token", turn_id=52, token="<script>window.__owned=2</script>")
    page.get_by_test_id("message-persona").nth(1).wait_for()
    page.wait_for_timeout(100)
    messages = page.locator("#messages")
    assert messages.locator("img, b, script").count() == 0
    assert nasty in page.get_by_test_id("message-learner").inner_text()
    assert page.evaluate("window.__owned") is None


def test_the_page_works_with_the_keyboard_alone(practice):
    page, socket, _, _ = practice
    page.locator("body").focus()
    # Tab from the top of the page until the composer has focus: it must be reachable.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.dataset.testid") == "composer":
            break
    else:
        raise AssertionError("the composer cannot be reached with Tab")
    page.keyboard.type("I hear you.")
    page.keyboard.press("Enter")
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    socket.send("turn.saved", turn=saved_turn(sent, 61, 1))
    socket.send(
        "turn.analysis",
        turn_id=61,
        analysis={
            **ANALYSIS,
            "empathy": {
                **ANALYSIS["empathy"],
                "er": {"level": 1, "rationales": [{"start": 0, "end": 6, "text": "I hear"}]},
            },
        },
    )
    page.get_by_test_id("analysis").wait_for()
    # The score buttons are reachable with Shift+Tab from the composer, and focusing one shows its
    # words with a visible focus ring: no mouse needed.
    page.get_by_test_id("composer").focus()
    for _ in range(15):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.dataset.mechanism") == "er":
            break
    else:
        raise AssertionError("the ER score cannot be reached with the keyboard")
    assert page.get_by_test_id("message-learner").locator("mark").inner_text() == "I hear you"  # its clause
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def analysed_turn(
    page: Any, socket: ScriptedSocket, text: str, turn_id: int, index: int = 1, guidance: dict[str, Any] | None = None
) -> None:
    """Send `text` and play the server's answer up to its analysis (and its guidance, if given)."""
    submit(page, text)
    sent = wait_until(page, lambda: [m for m in socket.of_type("turn.submit") if m["text"] == text])[0]
    socket.send("turn.saved", turn=saved_turn(sent, turn_id, index))
    message = page.locator(f'[data-testid="message-learner"][data-turn-id="{turn_id}"]')
    message.get_by_text("Queued for analysis…").wait_for()
    socket.send("turn.analysis", turn_id=turn_id, analysis=ANALYSIS)
    message.get_by_test_id("analysis").wait_for()
    if guidance is not None:
        socket.send("guidance", turn_id=turn_id, guidance=guidance)


def confirm_wrap_up(page: Any, socket: ScriptedSocket) -> None:
    page.get_by_test_id("wrap-up").click()
    page.get_by_test_id("wrap-up-yes").click()
    wait_until(page, lambda: socket.of_type("session.wrap_up"))


def test_goals_show_from_the_state_and_tick_live_with_an_announcement(practice):
    from courses.models import PracticeSession

    page, socket, session, _ = practice
    goal = socket.state["session"]["scenario"]["goals"][0]
    panel = page.get_by_test_id("goals")
    assert panel.get_by_role("heading", name="Your goals").is_visible()
    # Above the coaching, in the same aside.
    assert panel.bounding_box()["y"] < page.get_by_role("heading", name="Coaching").bounding_box()["y"]
    item = panel.get_by_role("listitem")
    assert item.count() == 1
    assert item.text_content() == "Not yet: " + goal["description"]  # the state in words, for screen readers
    assert item.locator(".goal__tick").inner_text() == ""
    announce = page.get_by_test_id("goals-announce")
    assert announce.get_attribute("aria-live") == "polite"

    analysed_turn(page, socket, FIRST, 11)
    socket.send("persona.state", turn_id=11, emotions={"relief": 0.6}, trajectory=[], goals_met=[goal["id"]])
    wait_until(page, lambda: item.get_attribute("data-state") == "met")
    assert item.text_content() == "✓Met: " + goal["description"]
    wait_until(page, lambda: announce.text_content() == f"Goal met: {goal['description']}")
    # Meeting every goal does not end the conversation.
    assert page.get_by_test_id("composer").is_enabled()
    assert page.get_by_test_id("summary").is_hidden()

    # After a reload the tick comes from the database, and nothing is announced again.
    PracticeSession.objects.filter(pk=session.pk).update(goals_met=[goal["id"]])
    socket.state["session"]["goals_met"] = [goal["id"]]
    page.reload()
    page.wait_for_selector('[data-testid="connection-status"][data-state="connected"]')
    assert page.get_by_test_id("goals").get_by_role("listitem").get_attribute("data-state") == "met"
    page.wait_for_timeout(150)
    assert page.get_by_test_id("goals-announce").text_content() == ""

    # A scenario without goals has no panel.
    state = json.loads(json.dumps(socket.state))
    state["session"]["scenario"]["goals"] = []
    socket.send("session.state", **state)
    wait_until(page, lambda: page.get_by_test_id("goals").is_hidden())


def test_wrap_up_asks_inline_then_sends_only_its_type(practice):
    page, socket, _, _ = practice
    wrap_up = page.get_by_test_id("wrap-up")
    assert wrap_up.is_visible() and wrap_up.is_disabled()  # nothing analysed yet
    submit(page, FIRST)
    sent = wait_until(page, lambda: socket.of_type("turn.submit"))[0]
    assert wrap_up.is_disabled()  # the turn is still sending
    socket.send("turn.saved", turn=saved_turn(sent, 11, 1))
    page.get_by_text("Queued for analysis…").wait_for()
    assert wrap_up.is_disabled()
    socket.send("turn.analysis", turn_id=11, analysis=ANALYSIS)
    wait_until(page, wrap_up.is_enabled)

    # "Keep talking" changes nothing and sends nothing.
    wrap_up.click()
    confirm = page.get_by_test_id("wrap-up-confirm")
    assert confirm.get_by_text("End the conversation now?").is_visible()
    assert page.evaluate("document.activeElement.dataset.testid") == "wrap-up-no"
    confirm.get_by_role("button", name="Keep talking").click()
    assert confirm.is_hidden() and wrap_up.is_visible()
    page.wait_for_timeout(100)
    assert socket.of_type("session.wrap_up") == []

    wrap_up.click()
    confirm.get_by_role("button", name="Wrap up").click()
    wait_until(page, lambda: socket.of_type("session.wrap_up"))
    assert socket.received[-1] == {"type": "session.wrap_up"}
    assert len(socket.of_type("session.wrap_up")) == 1
    # Waiting for the persona's closing line: nothing more can be said, and they are "typing".
    assert page.get_by_test_id("composer").is_disabled()
    assert page.get_by_test_id("send").is_disabled()
    assert wrap_up.is_disabled()
    assert page.get_by_text("Dana is typing…").is_visible()


def test_the_closing_line_answers_no_turn_streams_last_and_the_summary_follows(practice):
    page, socket, _, _ = practice
    analysed_turn(page, socket, FIRST, 11)
    socket.send("reply.start", turn_id=12, in_reply_to=11)
    socket.send(
        "reply.done",
        turn={"id": 12, "index": 2, "role": "persona", "text": "It helps to hear that.", "in_reply_to": 11},
    )
    wait_until(page, lambda: page.get_by_test_id("message-persona").count() == 2)
    wrap_up = page.get_by_test_id("wrap-up")
    wait_until(page, wrap_up.is_enabled)
    confirm_wrap_up(page, socket)

    socket.send("reply.start", turn_id=13, in_reply_to=None)
    for token in ("Thanks ", "for ", "staying "):
        socket.send("reply.token", turn_id=13, token=token)
    wait_until(page, lambda: "Thanks for staying" in page.locator("#messages > li").last.inner_text())
    assert page.locator("#messages > li").last.get_attribute("data-turn-id") == "13"
    assert page.get_by_text("Dana is typing…").is_visible()
    closing = {"id": 13, "index": 3, "role": "persona", "text": "Thanks for staying with me.", "in_reply_to": None}
    socket.send("reply.done", turn=closing)
    wait_until(page, lambda: "Thanks for staying with me." in page.locator("#messages > li").last.inner_text())
    assert page.get_by_test_id("message-persona").count() == 3
    assert page.get_by_test_id("typing-indicator").is_hidden()

    summary = {
        "turns": 1,
        "mechanisms": {"er": {"name": "emotional reaction", "average": 2.0, "best": 2}},
        "trajectory": [],
        "goals": [],
        "goals_met": False,
        "highlights": [],
        "practise_next": {"mechanism": "ex", "text": "Ask one open question about their experience."},
        "score": 0.5,
    }
    socket.send("session.summary", summary=summary, status="completed")
    page.get_by_test_id("summary").wait_for()
    assert "Ask one open question" in page.get_by_test_id("summary").inner_text()
    assert page.get_by_test_id("composer").is_hidden()
    # The closing line stays in the conversation, at its end.
    assert page.locator("#messages > li").last.get_attribute("data-turn-id") == "13"


def test_a_refused_wrap_up_gives_the_conversation_back(practice):
    page, socket, _, _ = practice
    analysed_turn(page, socket, FIRST, 11)
    wait_until(page, page.get_by_test_id("wrap-up").is_enabled)
    confirm_wrap_up(page, socket)
    assert page.get_by_test_id("composer").is_disabled()
    socket.send(
        "error",
        code=events.page_constants()["errors"]["turnPending"],
        message="One of your replies is still being read. Wrap up once it's done.",
    )
    page.get_by_role("alert").get_by_text("still being read").wait_for()
    composer = page.get_by_test_id("composer")
    wait_until(page, composer.is_enabled)
    assert page.get_by_test_id("wrap-up").is_enabled()
    assert page.get_by_test_id("typing-indicator").is_hidden()
    composer.fill("Okay, tell me more.")
    assert page.get_by_test_id("send").is_enabled()


def test_the_coaching_names_what_got_in_the_way_and_never_praises_unasked(practice):
    page, socket, _, _ = practice
    blocker = {
        "name": "advice",
        "text": "‘You should just call them’ jumps to a fix before Dana feels heard.",
    }
    guidance = {**GUIDANCE, "worked": None, "rewrite": None, "blocker": blocker}
    analysed_turn(page, socket, "You should just call them.", 11, guidance=guidance)
    panel = page.get_by_test_id("guidance")
    heading = panel.get_by_role("heading", name="What got in the way")
    heading.wait_for()
    assert page.get_by_test_id("guidance-blocker").inner_text() == blocker["text"]
    assert heading.bounding_box()["y"] < panel.get_by_role("heading", name="Try next").bounding_box()["y"]
    # No praise the server did not give, and no empty rewrite.
    assert panel.get_by_role("heading", name="What worked").is_hidden()
    assert panel.get_by_role("heading", name="An example rewrite").is_hidden()
    assert "Keep going" not in panel.inner_text()
    folded = page.get_by_test_id("message-learner").locator(".chat-message__guidance")
    assert "What got in the way: " + blocker["text"] in folded.text_content()
    assert "What worked" not in folded.text_content()

    # The next reply got praise and nothing in the way: the panel follows the server.
    analysed_turn(page, socket, FIRST, 13, index=3, guidance={**GUIDANCE, "blocker": None})
    wait_until(page, lambda: panel.get_attribute("data-turn-id") == "13")
    assert panel.get_by_role("heading", name="What worked").is_visible()
    assert GUIDANCE["worked"] in panel.inner_text()
    assert panel.get_by_role("heading", name="What got in the way").is_hidden()
    assert panel.get_by_role("heading", name="An example rewrite").is_visible()


def test_the_example_rewrite_shows_what_changed_in_the_learners_words_and_a_later_update_finds_its_turn(practice):
    page, socket, _, _ = practice
    text = "You should just call them. That sounds so frustrating."
    diff = [
        {"op": "removed", "text": "You should just call them."},
        {"op": "added", "text": "You sound really angry."},
        {"op": "kept", "text": "That sounds so frustrating."},
    ]
    template = {
        **GUIDANCE,
        "rewrite": "You sound really angry. That sounds so frustrating.",
        "rewrite_diff": diff,
        "rewrite_source": "template",
    }
    analysed_turn(page, socket, text, 11, guidance=template)
    rewrite = page.get_by_test_id("guidance-rewrite")
    rewrite.locator("ins").wait_for()
    # Removed words struck through in <del>, added ones in <ins>, each said aloud as such.
    assert rewrite.locator("del").text_content() == "removed: You should just call them."
    assert rewrite.locator("ins").text_content() == "added: You sound really angry."
    assert rewrite.locator("del .visually-hidden").text_content() == "removed: "
    assert rewrite.locator("ins .visually-hidden").text_content() == "added: "
    assert rewrite.inner_text().endswith("That sounds so frustrating.")
    assert "line-through" in rewrite.locator("del").evaluate("el => getComputedStyle(el).textDecorationLine")
    note = page.get_by_test_id("guidance-rewrite-note")
    assert "Struck through" in note.inner_text() and "language model" not in note.inner_text()
    folded = page.get_by_test_id("message-learner").locator(".chat-message__guidance")
    assert folded.locator("del").count() == 1 and folded.locator("ins").count() == 1

    # The next turn's coaching takes the panel; then turn 11's rewrite is updated with a generated
    # edit: its folded coaching changes, and the panel stays on the newest turn.
    analysed_turn(page, socket, FIRST, 13, index=3, guidance={**GUIDANCE, "blocker": None})
    panel = page.get_by_test_id("guidance")
    wait_until(page, lambda: panel.get_attribute("data-turn-id") == "13")
    generated = {
        **template,
        "rewrite": "That sounds so frustrating. Could you call them?",
        "rewrite_diff": [
            {"op": "removed", "text": "You should just call them."},
            {"op": "kept", "text": "That sounds so frustrating."},
            {"op": "added", "text": "Could you call them?"},
        ],
        "rewrite_source": "generated",
    }
    socket.send("guidance", turn_id=11, guidance=generated)
    first = page.get_by_test_id("message-learner").first.locator(".chat-message__guidance")
    wait_until(page, lambda: "Could you call them?" in first.text_content())
    assert "language model" in first.text_content()
    assert panel.get_attribute("data-turn-id") == "13"
    assert "Could you call them?" not in page.get_by_test_id("guidance-rewrite").inner_text()
