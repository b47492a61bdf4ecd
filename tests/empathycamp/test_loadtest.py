"""The load-test command's guard rails: loopback only, honest percentiles, nothing left behind.

The command's run against a real server and worker is in tests/courses/test_practice_e2e.py.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from courses.models import PracticeSession, Turn
from empathycamp.tools import loadtest
from tests.factories import course_bundle_create


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8000",
        "http://example.com",
        "http://192.168.1.20",
        "https://empathycamp.example.org/",
        "http://127.0.0.1.nip.io:8000",
        "ftp://127.0.0.1",
        "127.0.0.1:8000",
    ],
)
def test_refuses_anything_but_loopback(url):
    with pytest.raises(CommandError):
        call_command("loadtest", "--learners", "1", "--turns", "1", "--url", url)


@pytest.mark.parametrize(
    ("url", "ws_base"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000"),
        ("http://localhost:9000/", "ws://localhost:9000"),
        ("http://[::1]:8001", "ws://[::1]:8001"),
        ("http://127.0.0.2", "ws://127.0.0.2:80"),
    ],
)
def test_accepts_loopback(url, ws_base):
    assert loadtest.target_parse(url).ws_base == ws_base


def test_says_so_when_no_server_answers():
    with pytest.raises(CommandError, match="No server answers"):
        call_command("loadtest", "--learners", "1", "--turns", "1", "--url", "http://127.0.0.1:9")


def test_percentiles_are_observed_values():
    values = [float(v) for v in range(1, 101)]
    assert loadtest.percentile(values, 50) == 50
    assert loadtest.percentile(values, 95) == 95
    assert loadtest.percentile([7.0], 95) == 7
    assert loadtest.percentile([], 95) is None


def test_lost_counts_only_what_vanished():
    result = loadtest.LoadtestResult(learners=2, turns=3, sent=6, analysed=4, failed=1, refused=0)
    assert result.lost == 1
    data = result.as_dict()
    assert {"sent", "analysed", "lost", "p50_ms", "p95_ms", "max_ms", "learners", "turns"} <= data.keys()


@pytest.mark.django_db
def test_accounts_are_logged_in_ready_and_cleaned_up():
    bundle = course_bundle_create()
    learners = loadtest.accounts_create(count=3, scenario=bundle.scenario, sessions_each=2, run_tag="t1")
    assert len(learners) == 3
    users = get_user_model().objects.filter(pk__in=[learner.user_id for learner in learners])
    assert users.count() == 3
    assert PracticeSession.objects.filter(learner__in=users).count() == 6
    # Each session opens with the persona's line, exactly as the page's own start does.
    assert Turn.objects.filter(session__learner__in=users, index=0, role="persona").count() == 6
    for learner in learners:
        session = Session.objects.get(session_key=learner.session_key)
        assert session.get_decoded()["_auth_user_id"] == str(learner.user_id)
        assert learner.cookie.endswith(learner.session_key)

    loadtest.accounts_delete(learners)
    assert not get_user_model().objects.filter(username__startswith="loadtest-t1-").exists()
    assert not PracticeSession.objects.filter(learner_id__in=[learner.user_id for learner in learners]).exists()
    assert not Session.objects.filter(session_key__in=[learner.session_key for learner in learners]).exists()
