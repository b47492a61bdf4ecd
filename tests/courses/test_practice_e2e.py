"""Live practice end to end, for real: a daphne server and a Celery worker in their own processes,
PostgreSQL and Redis, the real models, and headless Chromium (Debian's) clicking through the page.

The demo learner logs in, enrols in the demo course, opens its peer-support scenario, starts
practice and sends three turns; for each one the analysis, the guidance and the persona's reply
appear, and after the last one the session summary. A reload shows the same conversation.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium_launch, requires_chromium
from tests.live_stack import (
    BIN,
    ROOT,
    Stack,
    backends_wait_closed,
    daphne_start,
    free_port,
    http_ok,
    service_start,
    stack_env,
    wait_for,
)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
WORKER_READY_S = 120  # loading and warming the models on a cold CPU
SERVER_READY_S = 30
TURN_S = 30  # one turn: save, analyse, guide, reply

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.slow,
    requires_chromium,
    pytest.mark.timeout(300),
]

# Three replies a kind listener might write to Priya, the demo's lonely newcomer: a feeling, an
# understanding, a question. (Worded so that the safety screen has nothing to pause for: it reads
# the learner's own words, and "that sounds so lonely and empty" reads to it like distress.)
TURNS = (
    "I'm so sorry, that sounds really hard. Thank you for writing to me.",
    "It sounds like you miss having people around you, especially after growing up in a big family.",
    "What is a Saturday like for you at the moment, from when you wake up?",
)


def _stack_run(tmp_path: Path, *, generation: dict[str, str] | None = None) -> Iterator[Stack]:
    """daphne and a Celery worker (queue inference) on the test database, committed rows visible to
    both; with `generation` (its environment), a second worker on queue generation too."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the end-to-end test shares its database with other processes: it needs PostgreSQL (DATABASE_URL)")
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    port = free_port()
    env = stack_env(
        connection=connection, redis_url=redis_url, prefix="e2e", var_dir=tmp_path / "var", **(generation or {})
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(url=f"http://127.0.0.1:{port}", env=env)

    # The server serves static files as in production, from STATIC_ROOT (under VAR_DIR).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    try:
        stack.services.append(
            service_start(
                "worker",
                [
                    str(BIN / "celery"), "-A", "empathycamp", "worker", "-Q", "inference", "-P", "solo",
                    "--concurrency", "1", "-l", "info", "-n", f"e2e-{port}@%h", "--without-heartbeat",
                    "--without-gossip", "--without-mingle",
                ],
                env,
                logs,
            )
        )  # fmt: skip
        stack.services.append(daphne_start("daphne", port, env, logs))
        if generation is not None:
            stack.services.append(
                service_start(
                    "generation",
                    [
                        str(BIN / "celery"), "-A", "empathycamp", "worker", "-Q", "generation", "-P", "solo",
                        "--concurrency", "1", "-l", "info", "-n", f"e2e-gen-{port}@%h", "--without-heartbeat",
                        "--without-gossip", "--without-mingle",
                    ],
                    env,
                    logs,
                )
            )  # fmt: skip
        yield stack
    finally:
        for service in reversed(stack.services):
            service.stop()
        backends_wait_closed(connection)
        # Shown by pytest only when the test failed.
        print(stack.dump())


@pytest.fixture
def stack(transactional_db, tmp_path: Path) -> Iterator[Stack]:
    yield from _stack_run(tmp_path)


def _ready(stack: Stack) -> None:
    wait_for("the server", lambda: http_ok(stack.url + "/"), SERVER_READY_S, stack)
    for worker in stack.services:
        if worker.name != "daphne":
            wait_for(
                f"the {worker.name} worker's “ready”",
                lambda worker=worker: re.search(r"\bready\.", worker.text()),
                WORKER_READY_S,
                stack,
            )


def _conversation(page: Any) -> list[tuple[str, str]]:
    return [
        (node.get_attribute("data-testid"), node.locator(".chat-message__text").inner_text())
        for node in page.locator("#messages > li").all()
    ]


def _log_in_and_start(page: Any, stack: Stack, username: str, password: str, scenario_title: str) -> None:
    """What a new learner does: log in, enrol in the demo course, open the scenario, start practice."""
    from playwright.sync_api import expect

    page.goto(stack.url + "/accounts/login/?next=/courses/empathy-foundations/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Enrol in this course").click()
    page.get_by_role("link", name=scenario_title).click()
    page.get_by_role("button", name="Start practice").click()
    page.wait_for_url(re.compile(r"/practice/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")


def test_practice_end_to_end(stack: Stack) -> None:
    from django.core.management import call_command
    from playwright.sync_api import expect, sync_playwright

    from courses.models import PracticeSession, Scenario, ScenarioGoal, Turn
    from courses.services.demo import DEMO_ACCOUNTS

    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    scenario = Scenario.objects.get(title__startswith="Practice: a lonely weekend")
    # Three turns make the whole session: the last one ends it (max_turns), and the one goal can
    # only be met on the third turn, so the scenario cannot end early whatever the models read.
    scenario.max_turns = len(TURNS)
    scenario.save(update_fields=["max_turns"])
    scenario.goals.all().delete()
    ScenarioGoal.objects.create(
        scenario=scenario,
        description="Show Priya you feel for her in each reply.",
        mechanism="er",
        min_level=1,
        min_turns=3,
    )
    learner = next(spec for spec in DEMO_ACCOUNTS if spec.role == "learner")
    password = os.environ.get(learner.password_env) or learner.default_password

    _ready(stack)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        try:
            _log_in_and_start(page, stack, learner.username, password, scenario.title)
            expect(page.get_by_test_id("message-persona")).to_have_count(1)  # Priya's opening line
            expect(page.get_by_test_id("thought-bubble").get_by_role("listitem").first).to_contain_text(
                "sadness", ignore_case=True
            )

            learner_messages = page.get_by_test_id("message-learner")
            persona_messages = page.get_by_test_id("message-persona")
            for number, text in enumerate(TURNS, start=1):
                # The learner knows where they are in the scenario's replies before the last one ends it.
                expect(page.get_by_test_id("composer-turns")).to_have_text(
                    "Last reply: Priya says a closing word after it"
                    if number == len(TURNS)
                    else f"Reply {number} of {len(TURNS)}"
                )
                composer = page.get_by_test_id("composer")
                composer.fill(text)
                if number % 2:
                    composer.press("Enter")
                else:
                    page.get_by_test_id("send").click()
                expect(learner_messages).to_have_count(number)
                mine = learner_messages.nth(number - 1)
                expect(mine.locator(".chat-message__text")).to_have_text(text)
                # The analysis: emotion chips and the ER / IP / EX meter under the learner's turn.
                expect(mine.get_by_test_id("analysis")).to_be_visible(timeout=TURN_S * 1000)
                expect(mine.get_by_test_id("analysis").locator("[data-mechanism]")).to_have_count(3)
                turn_id = mine.get_attribute("data-turn-id")
                assert turn_id and turn_id.isdigit()
                expect(page.get_by_test_id("wellbeing")).to_be_hidden()
                # The guidance panel now speaks about this turn.
                expect(page.get_by_test_id("guidance")).to_have_attribute(
                    "data-turn-id", turn_id, timeout=TURN_S * 1000
                )
                expect(page.get_by_test_id("guidance-try")).not_to_be_empty()
                # Priya's reply, streamed and then complete.
                expect(persona_messages).to_have_count(number + 1, timeout=TURN_S * 1000)
                reply = persona_messages.nth(number)
                expect(reply).not_to_have_attribute("aria-busy", "true", timeout=TURN_S * 1000)
                expect(reply.locator(".chat-message__text")).not_to_be_empty()

            summary = page.get_by_test_id("summary")
            expect(summary).to_be_visible(timeout=TURN_S * 1000)
            expect(summary).to_contain_text("3 replies")
            expect(summary).to_contain_text("Show Priya you feel for her in each reply.")
            expect(page.get_by_test_id("composer")).to_be_hidden()  # nothing more to write: it has ended

            before = _conversation(page)
            assert [text for role, text in before if role == "message-learner"] == list(TURNS)
            assert len(before) == 7

            # A reload renders the same conversation from the database, and the summary with it.
            page.reload()
            expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
            expect(page.locator("#messages > li")).to_have_count(len(before))
            assert _conversation(page) == before
            expect(page.get_by_test_id("summary")).to_be_visible()
            expect(learner_messages.first.get_by_test_id("analysis")).to_be_visible()
            assert page_errors == [], f"JavaScript errors on the page: {page_errors}"
        except BaseException:
            # The screenshot is for whoever reads the failure; the failure itself is what is raised.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(Path(stack.services[0].log).parent / "page.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()

    # What the page showed is what the database holds. (Queried here, outside Playwright's event
    # loop: inside it Django would open a connection of its own that nothing closes.)
    session = PracticeSession.objects.get(learner__username=learner.username)
    assert session.status == PracticeSession.Status.COMPLETED
    assert session.summary and session.summary["turns"] == 3
    turns = list(session.turns.order_by("index"))
    assert [t.role for t in turns] == ["persona", "learner"] * 3 + ["persona"]
    assert [t.text for t in turns if t.role == "learner"] == list(TURNS)
    assert all(t.status == Turn.Status.DONE and t.analysis for t in turns if t.role == "learner")
    assert [(role, text) for role, text in before] == [
        ("message-persona" if t.role == "persona" else "message-learner", t.text) for t in turns
    ]


# --- A generative persona, streamed into the page ---------------------------------------------

# What the tiny language model says (tests/tiny_lm.py), whatever it is asked: three sentences that
# pass the served checks and the whole safety screen (rules and classifier) in the worker, each word
# once (the tiny model's rule). With temperature 0 it is said word for word.
GENERATED = "Thank you for asking. Saturdays are quiet here. Mostly cooking, and long walks by the river."
# Layers that only add time to each token (~90 ms a token on an idle core): the reply takes a second
# or more to generate, so its sentences reach the page one after another, as a real model's do.
SLOW_LAYERS = 400

# Run in the page before its own scripts (through the DevTools protocol: the page's CSP does not
# apply): each practice-socket frame's type, turn and arrival time, and each change of the last
# persona bubble's text with its time, on the page's own clock.
WATCH_JS = """
(() => {
  const frames = [];
  const texts = [];
  window.__e2e = { frames, texts };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        let data = {};
        try { data = JSON.parse(event.data); } catch (error) { return; }
        const turn = data.turn_id !== undefined ? data.turn_id : data.turn ? data.turn.id : null;
        frames.push({ t: performance.now(), type: data.type, turn: turn, token: data.token || null });
      });
    }
  };
  const record = () => {
    const bubbles = document.querySelectorAll('#messages > li[data-testid="message-persona"]');
    const last = bubbles[bubbles.length - 1];
    if (!last) return;
    const text = last.querySelector(".chat-message__text");
    texts.push({ t: performance.now(), turn: last.dataset.turnId || null, text: text ? text.textContent : "" });
  };
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
})();
"""


@pytest.fixture
def generative_stack(transactional_db, tmp_path: Path) -> Iterator[Stack]:
    """The stack with a generation worker whose language model is a slow tiny one saying GENERATED."""
    from tests.tiny_lm import tiny_lm_save

    folder = tiny_lm_save(tmp_path / "lm", GENERATED, layers=SLOW_LAYERS)
    env = {"PERSONA_MODEL_PATH": str(folder), "PERSONA_TEMPERATURE": "0", "PERSONA_TOKENS_PER_EVENT": "1"}
    yield from _stack_run(tmp_path, generation=env)


def test_a_generative_persona_streams_into_its_bubble_and_a_reload_shows_the_saved_reply(
    generative_stack: Stack,
) -> None:
    """The demo's peer-support scenario with engine "generative (grounded)": after the learner's turn
    the persona's bubble fills as the generation worker sends its words, before the reply is done
    (three lengths or more shown before reply.done arrives: one final message would show none), and a
    reload shows the whole reply as saved."""
    from django.core.management import call_command
    from playwright.sync_api import expect, sync_playwright

    from courses.models import Scenario, Turn
    from courses.services.demo import DEMO_ACCOUNTS

    stack = generative_stack
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    scenario = Scenario.objects.get(title__startswith="Practice: a lonely weekend")
    scenario.engine = Scenario.Engine.GENERATIVE
    scenario.save(update_fields=["engine"])
    learner = next(spec for spec in DEMO_ACCOUNTS if spec.role == "learner")
    password = os.environ.get(learner.password_env) or learner.default_password

    _ready(stack)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.add_init_script(WATCH_JS)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        try:
            _log_in_and_start(page, stack, learner.username, password, scenario.title)
            persona_messages = page.get_by_test_id("message-persona")
            expect(persona_messages).to_have_count(1)
            page.get_by_test_id("composer").fill(TURNS[0])
            page.get_by_test_id("composer").press("Enter")
            expect(persona_messages).to_have_count(2, timeout=TURN_S * 1000)
            reply = persona_messages.nth(1)
            expect(reply).not_to_have_attribute("aria-busy", "true", timeout=TURN_S * 1000)
            expect(reply.locator(".chat-message__text")).to_have_text(GENERATED)
            watched = page.evaluate("window.__e2e")

            page.reload()
            expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
            expect(persona_messages).to_have_count(2)
            reloaded = persona_messages.nth(1).locator(".chat-message__text").inner_text()
            assert page_errors == [], f"JavaScript errors on the page: {page_errors}"
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(Path(stack.services[0].log).parent / "page.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()

    frames = watched["frames"]
    start = next(f for f in frames if f["type"] == "reply.start")
    persona_id = start["turn"]
    done = next(f for f in frames if f["type"] == "reply.done" and f["turn"] == persona_id)
    tokens = [f for f in frames if f["type"] == "reply.token" and f["turn"] == persona_id]
    assert len(tokens) >= 3 and all(f["t"] < done["t"] for f in tokens)
    assert "".join(f["token"] for f in tokens) == GENERATED
    # What the bubble showed before the reply was done: the reply's start, growing.
    shown = [x for x in watched["texts"] if x["turn"] == str(persona_id) and x["t"] < done["t"] and x["text"]]
    assert all(GENERATED.startswith(x["text"]) for x in shown), shown
    lengths = [len(x["text"]) for x in shown]
    assert lengths == sorted(lengths) and len(set(lengths)) >= 3, lengths
    print(
        f"reply.start -> first token {tokens[0]['t'] - start['t']:.0f} ms, -> last token "
        f"{tokens[-1]['t'] - start['t']:.0f} ms, -> reply.done {done['t'] - start['t']:.0f} ms; "
        f"{len(tokens)} token events; bubble lengths before done: {sorted(set(lengths))}; "
        f"first text shown {shown[0]['t'] - start['t']:.0f} ms after reply.start"
    )

    # The reload shows what the database holds: the generated reply, whole.
    turn = Turn.objects.get(pk=persona_id)
    assert turn.status == Turn.Status.DONE and turn.text == GENERATED
    assert turn.generation["engine"] == "generative" and turn.generation["fell_back"] is False
    assert reloaded == turn.text


def test_loadtest_command_against_the_real_stack(stack: Stack) -> None:
    """The load-test command, run for real against the same kind of stack: every turn comes back
    analysed, the figures add up, and the throwaway accounts are gone afterwards."""
    import io
    import json

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    _ready(stack)
    users_before = get_user_model().objects.count()
    out = io.StringIO()
    call_command(
        "loadtest", "--learners", "3", "--turns", "2", "--think-ms", "300", "--url", stack.url, "--json",
        "--timeout", "240", "--turn-timeout", "90", stdout=out,
    )  # fmt: skip
    # The limits are generous on purpose: this asserts that nothing is lost, not how fast it is (the
    # command's own figures are the speed check), and CI's two cores may be busy. Once a turn took
    # over the default 30 s there, and a slow turn counted as lost.
    report = out.getvalue()
    figures = json.loads(report.strip().splitlines()[-1])
    assert figures["learners"] == 3 and figures["turns"] == 2
    # The start spread defaults to one think time, and the report says how the learners were paced.
    assert figures["think_ms"] == 300 and figures["ramp_s"] == 0.3
    assert "0.3 s (±50%) between a reply and the next turn" in report
    assert figures["sent"] == 6
    assert figures["analysed"] == 6
    assert figures["lost"] == 0
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert get_user_model().objects.count() == users_before


# Said indirectly on purpose (no "kill myself", no "suicide"): giving things away, a letter, a day
# chosen. The written rules know few such phrasings; the learned classifier has to bring them in.
CRISIS_TURN = (
    "Honestly, I gave my guitar to my brother yesterday and wrote letters to everyone. "
    "After Friday none of this will matter to me any more."
)


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_a_crisis_message_brings_the_whole_card_with_no_scores(stack: Stack, viewport: dict[str, int]) -> None:
    from django.core.management import call_command
    from playwright.sync_api import expect, sync_playwright

    from courses.models import Scenario, Turn
    from courses.services.demo import DEMO_ACCOUNTS

    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    scenario = Scenario.objects.get(title__startswith="Practice: a lonely weekend")
    learner = next(spec for spec in DEMO_ACCOUNTS if spec.role == "learner")
    password = os.environ.get(learner.password_env) or learner.default_password

    _ready(stack)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        context = browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        try:
            _log_in_and_start(page, stack, learner.username, password, scenario.title)

            # An ordinary turn first: its coaching must not stay beside the card as if it were about
            # the crisis message.
            page.get_by_test_id("composer").fill("That sounds really lonely. What are weekends like now?")
            page.get_by_test_id("send").click()
            expect(page.get_by_test_id("guidance-try")).not_to_be_empty(timeout=TURN_S * 1000)
            # On the phone the newest reply's coaching opens under it (the panel is far below).
            fold = page.get_by_test_id("message-learner").first.locator("details.chat-message__guidance")
            if viewport["width"] < 600:
                expect(fold).to_have_attribute("open", "")
            else:
                expect(fold).not_to_have_attribute("open", "")
            expect(page.get_by_test_id("message-persona")).to_have_count(2, timeout=TURN_S * 1000)
            expect(page.get_by_test_id("message-persona").nth(1)).not_to_have_attribute(
                "aria-busy", "true", timeout=TURN_S * 1000
            )

            page.get_by_test_id("composer").fill(CRISIS_TURN)
            page.get_by_test_id("send").click()
            card = page.get_by_test_id("wellbeing")
            expect(card).to_be_visible(timeout=TURN_S * 1000)
            # The learner's locale chose the lines: en-GB gets Samaritans.
            expect(card).to_contain_text("116 123")
            mine = page.get_by_test_id("message-learner").nth(1)
            expect(mine.get_by_test_id("analysis")).to_have_attribute("data-safety", "crisis", timeout=TURN_S * 1000)
            expect(page.get_by_test_id("guidance-paused")).to_be_visible()
            expect(page.get_by_test_id("guidance-try")).to_be_hidden()
            expect(mine.locator(".chip")).to_have_count(0)
            expect(mine.locator("[data-mechanism]")).to_have_count(0)

            # The whole card is on screen, and nothing lies over its Continue button.
            card.scroll_into_view_if_needed()
            box = card.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["y"] >= 0, box
            assert box["x"] + box["width"] <= viewport["width"] + 0.5, box
            assert box["y"] + box["height"] <= viewport["height"] + 0.5, box
            button = card.get_by_role("button")
            expect(button).to_be_visible()
            centre = button.bounding_box()
            assert centre is not None
            on_top = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y)?.id",
                [centre["x"] + centre["width"] / 2, centre["y"] + centre["height"] / 2],
            )
            assert on_top == "wellbeing-continue"
            button.click()
            expect(card).to_be_hidden()
            # Still no coaching under the crisis message: the earlier turn's does not come back,
            # nor after a reload (the page drawn again from the database).
            expect(page.get_by_test_id("guidance-paused")).to_be_visible()
            expect(page.get_by_test_id("guidance-try")).to_be_hidden()
            page.reload()
            expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
            expect(page.get_by_test_id("guidance-paused")).to_be_visible()
            expect(page.get_by_test_id("guidance-try")).to_be_hidden()
            expect(page.get_by_test_id("composer")).to_be_enabled()
            assert page_errors == [], f"JavaScript errors on the page: {page_errors}"
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(Path(stack.services[0].log).parent / "crisis.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()

    turn = Turn.objects.get(role=Turn.Role.LEARNER, text=CRISIS_TURN)
    assert turn.analysis["safety"]["level"] == "crisis"
    assert any(e["by"] == "model" for e in turn.analysis["safety"]["evidence"])
