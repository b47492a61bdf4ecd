"""The database settings of one process: its connection lifetime or pool, and the name it gives
PostgreSQL, so `pg_stat_activity` shows which kind of process holds which connections.

Plain functions of the environment and the command line (no Django), read by base.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

import dj_database_url

APPLICATION_PREFIX = "empathycamp"
# PostgreSQL keeps NAMEDATALEN - 1 bytes of an application_name.
APPLICATION_NAME_MAX = 63
WEB_SERVERS = frozenset({"daphne", "uvicorn", "gunicorn", "hypercorn"})


def _program(argv: Sequence[str]) -> str:
    """`daphne` for `.venv/bin/daphne` and for `python -m daphne` (whose argv[0] is daphne/__main__.py)."""
    if not argv:
        return ""
    path = PurePath(argv[0])
    return path.parent.name if path.name == "__main__.py" else path.name


def process_kind(argv: Sequence[str]) -> str:
    """What this process is, read from its command line: `web` (an ASGI server or runserver),
    `worker` or `beat` (Celery), the management command's name, or `other`."""
    program = _program(argv)
    args = list(argv[1:])
    if program in WEB_SERVERS or "runserver" in args:
        return "web"
    if program == "celery":
        for kind in ("worker", "beat"):
            if kind in args:
                return kind
        return "celery"
    if program == "manage.py" and args and not args[0].startswith("-"):
        return args[0]
    return "other"


def application_name(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """DATABASE_APPLICATION_NAME when set, otherwise `empathycamp-<kind of process>`."""
    name = environ.get("DATABASE_APPLICATION_NAME") or f"{APPLICATION_PREFIX}-{process_kind(argv)}"
    return name[:APPLICATION_NAME_MAX]


# A web process's pool: enough for its executor threads' short queries (measured: 4 held 50
# learners' sockets and 20 page requests at once on 2 cores without a wait that showed).
WEB_POOL_MAX = 8


def database_from_url(url: str, *, argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, Any]:
    """Django's DATABASES["default"] for DATABASE_URL. On PostgreSQL: the application name, health
    checks, and either a psycopg pool of at most DATABASE_POOL_MAX connections per process (the
    default for a web process: 8) or persistent connections kept DATABASE_CONN_MAX_AGE seconds, one
    per thread that touches the database (the default elsewhere: 60 s; Celery's task thread).

    An ASGI server runs each page request in a thread of its own and socket calls in a pool of
    ASGI_THREADS: with persistent connections every such thread kept one (300 page requests left
    90 open, and PostgreSQL refused the next: "too many clients"), hence the pool there."""
    kind = process_kind(argv)
    pool_default = WEB_POOL_MAX if kind == "web" else 0
    pool_max = int(environ.get("DATABASE_POOL_MAX") or pool_default)
    if pool_max > 0:
        conn_max_age = 0  # the pool keeps the connections; Django refuses both at once
    else:
        conn_max_age = int(environ.get("DATABASE_CONN_MAX_AGE") or (0 if kind == "web" else 60))
    database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    if "postgresql" not in str(database.get("ENGINE", "")):
        return database
    # A connection is checked before it is reused (or handed out by the pool): one that died with a
    # PostgreSQL restart is replaced instead of failing the request that got it.
    health_checks = environ.get("DATABASE_CONN_HEALTH_CHECKS", "1").strip().lower()
    database["CONN_HEALTH_CHECKS"] = health_checks in {"1", "true", "yes", "on"}
    options: dict[str, Any] = dict(database.get("OPTIONS") or {})
    options.setdefault("application_name", application_name(argv, environ))
    if pool_max > 0:
        options["pool"] = {
            "min_size": min(pool_max, int(environ.get("DATABASE_POOL_MIN") or 1)),
            "max_size": pool_max,
            # A thread that finds every pooled connection busy waits this long, then fails
            # (psycopg_pool.PoolTimeout) instead of opening one more.
            "timeout": float(environ.get("DATABASE_POOL_TIMEOUT_S") or 10),
        }
    database["OPTIONS"] = options
    return database
