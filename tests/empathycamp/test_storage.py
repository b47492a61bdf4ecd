"""Production static files: the practice page's ES modules import each other by hashed name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_collectstatic_rewrites_module_imports_to_hashed_names(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "empathycamp.settings.production",
        "SECRET_KEY": "a-test-key-for-collectstatic-only",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    practice = tmp_path / "staticfiles" / "js" / "practice"
    [main] = [p for p in practice.glob("main.*.js") if re.fullmatch(r"main\.[0-9a-f]{12}\.js", p.name)]
    imports = re.findall(r'from "\./([^"]+)"', main.read_text())
    assert imports, "main.js imports its modules"
    for name in imports:
        assert re.fullmatch(r"[a-z]+\.[0-9a-f]{12}\.js", name), f"{name} is not a hashed name"
        assert (practice / name).exists()
