"""Embedded mode (`make run` with no DATABASE_URL) keeps its data in SQLite and serves several
learners from threads at once. Each turn save reads, then writes, in one transaction; with
SQLite's default deferred transactions two of them at once failed with "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import threading, time
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    User = get_user_model()
    errors = []

    def learner(n):
        try:
            for i in range(15):
                with transaction.atomic():  # read, then write: the shape of a turn save
                    User.objects.filter(username__startswith=f"t{n}-").count()
                    time.sleep(0.002)
                    User.objects.create(username=f"t{n}-{i}")
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=learner, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("errors", len(errors), errors[:1])
    print("rows", User.objects.filter(username__startswith="t").count())
    """
)


def test_concurrent_turn_saves_on_the_embedded_database_all_land(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # A folder that does not exist yet, as on a fresh clone: start-up creates it before the first connection.
    env.update(DJANGO_SETTINGS_MODULE="empathycamp.settings.local", VAR_DIR=str(tmp_path / "var"), DEBUG="0")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "errors 0 []" in done.stdout, done.stdout
    assert "rows 90" in done.stdout
