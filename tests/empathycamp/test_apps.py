"""Start-up creates the folders the settings point into; reading the settings writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = textwrap.dedent(
    """
    import os, warnings
    from pathlib import Path
    var = Path(os.environ["VAR_DIR"])
    from django.conf import settings
    settings.INSTALLED_APPS  # reads the settings module
    print("after settings", var.exists())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from empathycamp.asgi import application  # django.setup() and the middleware, as under Daphne
    print("after start-up", sorted(p.name for p in var.iterdir()))
    # WhiteNoise warns "No directory at ..." when STATIC_ROOT is missing as its middleware starts.
    print("whitenoise warnings", sum("No directory at" in str(w.message) for w in caught))
    """
)


def test_settings_write_nothing_and_start_up_makes_the_embedded_folders(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="empathycamp.settings.local", VAR_DIR=str(tmp_path / "var"), DEBUG="0")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "after settings False" in done.stdout, done.stdout
    assert "after start-up ['staticfiles']" in done.stdout, done.stdout
    assert "whitenoise warnings 0" in done.stdout, done.stdout
