"""/metrics: operators only (404 for everyone else); the project's counters move when a learner's turn
goes through the real path; a Celery worker process's numbers show at /metrics (multiprocess mode)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from courses.models import Turn
from courses.practice.engine import ScriptedEngine, TurnFacts
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start, turn_submit
from empathycamp import metrics
from tests.db import connections_since_end, database_now
from tests.factories import analysis_build, course_bundle_create, persona_reply_create

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def operator(django_user_model):
    """Staff with the view_metrics permission (an instructor is staff too, without it)."""
    user = django_user_model.objects.create_user("olga", "olga@example.com", "olga-password-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_metrics", content_type__app_label="empathycamp"))
    return user


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def sample(page: str, name: str, labels: str = "") -> float:
    """The value of one sample in a Prometheus text page (0 when absent)."""
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", page, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.mark.django_db
def test_metrics_are_404_for_anyone_but_operators(client, alice, charlie, token):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {token}").status_code == 404
    client.force_login(alice)
    assert client.get("/metrics").status_code == 404
    client.force_login(charlie)  # staff (an instructor), but not an operator
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_are_served_to_staff_with_the_permission_and_to_the_token(client, operator, token):
    client.force_login(operator)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    page = response.content.decode()
    assert "# TYPE empathycamp_turns_analysed_total counter" in page
    assert "django_http_requests_total_by_view_transport_method_total" in page  # django-prometheus's

    client.logout()
    scraped = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert scraped.status_code == 200 and "empathycamp_sweeper_requeues_total" in scraped.content.decode()


@pytest.mark.django_db
def test_no_token_configured_means_no_scraping_by_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_the_inference_queue_depth_is_read_when_scraped(client, operator, monkeypatch):
    monkeypatch.setattr("empathycamp.views.inference_queue_depth", lambda: 7)
    client.force_login(operator)
    assert sample(client.get("/metrics").content.decode(), "empathycamp_inference_queue_depth") == 7
    monkeypatch.setattr("empathycamp.views.inference_queue_depth", lambda: None)  # not measurable
    assert "empathycamp_inference_queue_depth " not in client.get("/metrics").content.decode()


@pytest.mark.django_db
def test_a_scrape_that_can_see_only_its_own_process_says_so_once(client, operator, settings, caplog, monkeypatch):
    settings.EMBEDDED_MODE = False  # workers run elsewhere
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(metrics, "_single_process_warned", False)
    client.force_login(operator)
    client.get("/metrics")
    client.get("/metrics")
    assert len([r for r in caplog.records if "set PROMETHEUS_MULTIPROC_DIR" in r.getMessage()]) == 1


def test_safety_flags_count_each_part_that_fired():
    def flags(level: str, source: str) -> float:
        return metrics.SAFETY_FLAGS.labels(level=level, source=source)._value.get()

    before = {(lvl, src): flags(lvl, src) for lvl in ("concern", "crisis") for src in ("rules", "model")}
    crisis = analysis_build(safety="crisis")
    crisis["safety"]["evidence"] = [{"by": "rules", "words": "x"}, {"by": "model", "words": "y"}]
    concern = analysis_build(safety="concern")
    concern["safety"]["evidence"] = [{"by": "model", "words": "z"}]
    metrics.safety_flags_count([crisis, concern, analysis_build()])
    assert flags("crisis", "rules") - before["crisis", "rules"] == 1
    assert flags("crisis", "model") - before["crisis", "model"] == 1
    assert flags("concern", "model") - before["concern", "model"] == 1
    assert flags("concern", "rules") == before["concern", "rules"]


@pytest.mark.django_db
def test_a_scripted_persona_with_nothing_to_say_counts_a_fallback():
    scenario = course_bundle_create().scenario
    counter = metrics.PERSONA_FALLBACKS.labels(engine="scripted", reason="no_line")
    before = counter._value.get()
    facts = TurnFacts(text="Hello.", analysis=analysis_build(), turn_number=1)
    choice = ScriptedEngine().choose_reply(scenario=scenario, replies=[], facts=facts, similarity=None)
    assert choice.reply is None and counter._value.get() == before + 1


# --- Through the real path ----------------------------------------------------------------------


def _values() -> dict[str, float]:
    return {
        "analysed": metrics.TURNS_ANALYSED.labels(outcome="analysed")._value.get(),
        "failed": metrics.TURNS_ANALYSED.labels(outcome="failed")._value.get(),
        "submitted": metrics.TURNS_SUBMITTED._value.get(),
        "too_long": metrics.PRACTICE_REFUSALS.labels(code="too_long")._value.get(),
        "latency": _histogram_count(metrics.ANALYSIS_LATENCY),
        "model": _histogram_count(metrics.MODEL_BATCH_SECONDS),
        "batches": _histogram_count(metrics.BATCH_TURNS),
        "sockets": metrics.WEBSOCKETS_OPEN._value.get(),
    }


def _histogram_count(histogram) -> float:
    [family] = histogram.collect()
    return next(s.value for s in family.samples if s.name.endswith("_count"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_turn_through_the_socket_and_the_task_moves_the_counters(client, alice, operator, embedded_practice):
    from tests.courses.test_practice_consumer import (
        FIRST_EVENT_TIMEOUT,
        communicator,
        connect_ok,
        headers_for,
        receive_until,
        run,
        submit,
    )

    bundle = course_bundle_create()
    persona_reply_create(scenario=bundle.scenario, text="Thanks, that helps.", order=0)
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    headers = headers_for(client, alice)
    before = _values()

    async def conversation() -> float:
        ws = communicator(session.pk, headers)
        await connect_ok(ws)
        open_now = metrics.WEBSOCKETS_OPEN._value.get()
        await ws.send_json_to(submit("x" * 20_000))  # refused: too long
        assert (await ws.receive_json_from(timeout=5))["code"] == "too_long"
        await ws.send_json_to(submit("That sounds really hard. What happened next?"))
        await receive_until(ws, "reply.done", timeout=FIRST_EVENT_TIMEOUT)
        await ws.disconnect()
        return open_now

    open_during = run(conversation)
    after = _values()
    assert open_during == before["sockets"] + 1 and after["sockets"] == before["sockets"]
    assert after["submitted"] - before["submitted"] == 1
    assert after["too_long"] - before["too_long"] == 1
    assert after["analysed"] - before["analysed"] == 1 and after["failed"] == before["failed"]
    assert after["latency"] - before["latency"] == 1
    assert after["model"] - before["model"] == 1 and after["batches"] - before["batches"] == 1

    client.force_login(operator)
    page = client.get("/metrics").content.decode()
    assert sample(page, "empathycamp_turns_analysed_total", 'outcome="analysed"') == after["analysed"]
    assert str(session.pk) not in page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    # Each leads its own process group, so the worker's prefork child goes down with it.
    for signum, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(240)
def test_a_celery_worker_process_numbers_show_at_metrics(client, alice, operator, tmp_path, monkeypatch):
    """A real worker process (prefork) with PROMETHEUS_MULTIPROC_DIR, on a Redis server of the test's
    own (no other test's worker takes its tasks): the sweeper queues a stale turn again and the worker
    analyses it with the real models; /metrics in this process (the web side) shows both, and the
    worker's log lines carry the request id the sweep was sent with."""
    from empathycamp.celery import app
    from empathycamp.logs import context

    bundle = course_bundle_create()
    persona_reply_create(scenario=bundle.scenario, text="Thanks, that helps.", order=0)
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    # Saved, but its task never sent (a message lost with a broker restart): the sweeper's to queue.
    monkeypatch.setattr("courses.services.practice.enqueue", lambda *args: None)
    monkeypatch.setattr("courses.services.practice.events_send", lambda *args: None)
    turn, _ = turn_submit(session_id=session.pk, learner=alice, client_id=uuid.uuid4(), text="That sounds hard.")
    Turn.objects.filter(pk=turn.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    shared = tmp_path / "metrics"
    shared.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))  # what /metrics reads in this process
    port = _free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    database = connection.settings_dict
    auth = quote(database["USER"] or "", safe="") + (
        f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "empathycamp.settings.test",
        "DATABASE_URL": f"postgres://{auth}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "LOG_FORMAT": "json",
    }
    log = tmp_path / "worker.log"
    started = database_now()
    processes = [
        subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
    ]  # fmt: skip
    client.force_login(operator)
    page = ""
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        with log.open("ab") as out:
            processes.append(
                subprocess.Popen(
                    [str(Path(sys.executable).parent / "celery"), "-A", "empathycamp", "worker", "-Q", "inference",
                     "--pool", "prefork", "-c", "1"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )  # fmt: skip
        with app.connection_for_write(redis_url) as broker, context(request_id="sweep-request-1"):
            app.send_task("practice.sweep", connection=broker, queue="inference")
        # The first analysis loads the models on a cold CPU.
        deadline = time.monotonic() + 180
        while sample(page, "empathycamp_turns_analysed_total", 'outcome="analysed"') < 1:
            assert processes[1].poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
            page = client.get("/metrics").content.decode()
    finally:
        for process in reversed(processes):
            _stop(process)
        connections_since_end(started)  # the worker's, so the test database can be flushed
    assert sample(page, "empathycamp_sweeper_requeues_total") == 1
    assert sample(page, "empathycamp_batch_turns_count") == 1
    assert sample(page, "empathycamp_analysis_latency_seconds_count") == 1
    # Ten minutes from saved to analysed: past the last finite bucket.
    assert sample(page, "empathycamp_analysis_latency_seconds_bucket", 'le="300.0"') == 0
    assert sample(page, "empathycamp_analysis_latency_seconds_bucket", 'le="+Inf"') == 1
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    swept = [line for line in lines if "Sweeper queued" in line]
    assert swept and '"request_id": "sweep-request-1"' in swept[0] and '"task_id": "' in swept[0]
