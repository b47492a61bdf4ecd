"""Connections that a test's consumer threads opened outlive the threads (Django keeps them for
reuse); left open, they stop the test database from being flushed and dropped."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, connections


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def connections_since_end(started: datetime) -> None:
    """End every other connection to the test database opened at or after `started`; then close this
    thread's, so that none the server ended is left in Django's hands for the next test to use (the
    test thread's connection is not always the one that ran this query: Playwright's loop gives it
    another context, and the next test failed with "terminating connection due to administrator
    command")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start >= %s",
            [started],
        )
    connections.close_all()
