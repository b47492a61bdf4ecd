"""Celery worker start-up of the project package: the broker fix a worker needs before it consumes.

Imported by Celery's autodiscovery (`app.autodiscover_tasks(related_name="worker")` in
empathycamp/celery.py) in worker and beat processes only, as courses/worker.py is.
"""

from __future__ import annotations

from empathycamp import kombu_redis

# A Redis outage must not end the worker: see empathycamp/kombu_redis.py.
kombu_redis.install()
