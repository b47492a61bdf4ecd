"""Each kind of process names itself to PostgreSQL and gets the connection handling measured for it:
a pool in the ASGI server, persistent connections in Celery's task thread (README, "Growing from
one machine to several")."""

from __future__ import annotations

import pytest

from empathycamp.settings.database import WEB_POOL_MAX, application_name, database_from_url, process_kind

URL = "postgres://postgres@127.0.0.1:5432/empathycamp"


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["/srv/app/.venv/bin/daphne", "-b", "0.0.0.0", "-p", "8000", "empathycamp.asgi:application"], "web"),
        (["/usr/lib/python3/site-packages/daphne/__main__.py", "empathycamp.asgi:application"], "web"),
        (["manage.py", "runserver"], "web"),
        ([".venv/bin/celery", "-A", "empathycamp", "worker", "-Q", "inference"], "worker"),
        ([".venv/bin/celery", "-A", "empathycamp", "beat", "-l", "info"], "beat"),
        ([".venv/bin/celery", "-A", "empathycamp", "inspect", "ping"], "celery"),
        (["manage.py", "migrate", "--noinput"], "migrate"),
        (["/srv/app/manage.py", "loadtest", "--learners", "5"], "loadtest"),
        ([".venv/lib/python3.11/site-packages/pytest/__main__.py", "tests"], "other"),
        ([], "other"),
    ],
)
def test_the_kind_of_process_is_read_from_its_command_line(argv: list[str], kind: str) -> None:
    assert process_kind(argv) == kind


def test_application_name_says_the_kind_unless_the_operator_names_it() -> None:
    assert application_name([".venv/bin/celery", "-A", "empathycamp", "worker"], {}) == "empathycamp-worker"
    named = {"DATABASE_APPLICATION_NAME": "empathycamp-gpu-worker-3"}
    assert application_name([".venv/bin/celery", "worker"], named) == "empathycamp-gpu-worker-3"
    # PostgreSQL keeps 63 bytes of it.
    assert len(application_name(["daphne"], {"DATABASE_APPLICATION_NAME": "x" * 100})) == 63


def test_a_web_process_takes_its_connections_from_a_bounded_pool() -> None:
    database = database_from_url(
        URL, argv=[".venv/bin/daphne", "-p", "8000", "empathycamp.asgi:application"], environ={}
    )
    assert database["OPTIONS"]["application_name"] == "empathycamp-web"
    assert database["OPTIONS"]["pool"]["max_size"] == WEB_POOL_MAX
    # Django refuses a pool with persistent connections: the pool keeps them.
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_a_worker_keeps_one_persistent_connection_per_thread_unless_told_to_pool() -> None:
    argv = [".venv/bin/celery", "-A", "empathycamp", "worker", "-Q", "inference"]
    database = database_from_url(URL, argv=argv, environ={})
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["OPTIONS"]["application_name"] == "empathycamp-worker"

    tuned = database_from_url(URL, argv=argv, environ={"DATABASE_CONN_MAX_AGE": "300"})
    assert tuned["CONN_MAX_AGE"] == 300
    pooled = database_from_url(
        URL, argv=argv, environ={"DATABASE_POOL_MAX": "2", "DATABASE_POOL_MIN": "5", "DATABASE_POOL_TIMEOUT_S": "3"}
    )
    assert pooled["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 2, "timeout": 3.0}
    assert pooled["CONN_MAX_AGE"] == 0


def test_a_web_process_told_not_to_pool_opens_a_connection_per_request_instead_of_keeping_them() -> None:
    database = database_from_url(
        URL, argv=["daphne", "empathycamp.asgi:application"], environ={"DATABASE_POOL_MAX": "0"}
    )
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 0


def test_the_url_s_own_options_and_other_databases_are_left_alone() -> None:
    named = database_from_url(URL + "?application_name=from-the-url", argv=["daphne"], environ={})
    assert named["OPTIONS"]["application_name"] == "from-the-url"
    sqlite = database_from_url("sqlite:////tmp/empathycamp.sqlite3", argv=["daphne"], environ={})
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert "pool" not in (sqlite.get("OPTIONS") or {})
    health = database_from_url(URL, argv=["daphne"], environ={"DATABASE_CONN_HEALTH_CHECKS": "0"})
    assert health["CONN_HEALTH_CHECKS"] is False
