"""The Celery app. Workers: `celery -A empathycamp worker -Q inference`."""

import os

from celery import Celery

# Their Celery signal receivers: the log context travels in task headers, the worker keeps Django's
# LOGGING, and a worker can serve its host's metrics (METRICS_WORKER_PORT).
from empathycamp import logs, metrics  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empathycamp.settings.local")

app = Celery("empathycamp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Worker start-up hooks (model warm-up) live in <app>/worker.py; only a worker imports them.
app.autodiscover_tasks(related_name="worker")
