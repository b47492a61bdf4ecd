"""The project's own app: start-up work that belongs to the site rather than to a domain app."""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def local_folders_ensure() -> None:
    """Create the folders the settings point into: each SQLite database's and STATIC_ROOT."""
    for database in settings.DATABASES.values():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            continue
        name = str(database.get("NAME") or "")
        # SQLite creates its file but not the folder it is in; in-memory and URI names have no folder.
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    if settings.STATIC_ROOT:
        # WhiteNoise reads STATIC_ROOT when its middleware starts and warns "No directory at ..."
        # on every server start and test run until `collectstatic` has made it; an empty one is quiet.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


class EmpathyCampConfig(AppConfig):
    name = "empathycamp"
    verbose_name = "EmpathyCamp"

    def ready(self) -> None:
        # Here rather than in settings: importing settings should write nothing to disk. ready() runs
        # in django.setup(), which manage.py, the ASGI app (Daphne), Celery's worker and pytest-django
        # all call before anything opens a database connection; a connection_created handler would be
        # too late for SQLite, which opens (and fails on) its file before the signal is sent.
        local_folders_ensure()
