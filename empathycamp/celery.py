"""The Celery app. Workers: `celery -A empathycamp worker -Q inference`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empathycamp.settings.local")

app = Celery("empathycamp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Worker start-up hooks (model warm-up) live in <app>/worker.py; only a worker imports them.
app.autodiscover_tasks(related_name="worker")
