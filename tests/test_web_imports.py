"""The web process must never load torch: it would cost every web worker ~300 MB and seconds
of start-up. Models live in Celery workers (or, in embedded mode, load lazily on first use)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import importlib, json, pkgutil, sys
import django
django.setup()
import empathycamp.asgi, empathycamp.urls
from django.urls import get_resolver
get_resolver().url_patterns  # import every view module the URLconf names
import courses
modules = ["empathycamp.tasking", "courses.admin"]
for info in pkgutil.walk_packages(courses.__path__, "courses."):
    if ".management." in info.name or info.name.endswith(".management") or ".migrations" in info.name:
        continue
    modules.append(info.name)
for name in modules:
    importlib.import_module(name)
# What a Celery worker's autodiscovery imports, too: task modules must import torch lazily.
from empathycamp.celery import app
app.loader.import_default_modules()
print(json.dumps({"modules": len(modules), "torch": "torch" in sys.modules,
                  "transformers": "transformers" in sys.modules}))
"""


def test_web_side_imports_without_torch():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "empathycamp.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["modules"] > 5
    assert report["torch"] is False, "a web-facing module imported torch"
    assert report["transformers"] is False, "a web-facing module imported transformers"
