"""Connections that a test's consumer threads opened outlive the threads (Django keeps them for
reuse); left open, they stop the test database from being flushed and dropped."""

from __future__ import annotations

from datetime import datetime

from django.db import connection


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def connections_since_end(started: datetime) -> None:
    """End every other connection to the test database opened at or after `started`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start >= %s",
            [started],
        )
