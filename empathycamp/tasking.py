"""One place that hands a task to whoever runs it.

With Redis configured the task goes to the broker and a Celery worker runs it. In embedded
mode (no REDIS_URL, the `make run` default) it runs in a small thread pool inside the web
process, through Celery's own `Task.apply`, so the task code is the same in both modes and
neither the caller nor the task knows which one is in use.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

DRAFTS_QUEUE = "drafts"
GENERATION_QUEUE = "generation"

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _embedded_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.CELERY_EMBEDDED_WORKERS, thread_name_prefix="embedded-celery"
            )
        return _executor


def _run_embedded(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    from django.db import close_old_connections

    close_old_connections()
    try:
        result = task.apply(args=args, kwargs=kwargs)
        if result.failed():
            # The error's type only (its message may quote a learner's words); the task logged its own.
            logger.error("Embedded task %s failed: %s", task.name, type(result.result).__name__)
    finally:
        close_old_connections()


def embedded_background(job: Callable[[], None]) -> Future[None]:
    """Run `job` on the embedded pool's thread (embedded mode only): work that a task would
    otherwise do first, such as loading the models, done before any learner waits for it."""

    def run() -> None:
        from django.db import close_old_connections

        try:
            job()
        finally:
            close_old_connections()

    return _embedded_executor().submit(run)


_draft_executor: ThreadPoolExecutor | None = None


def enqueue_draft(task: Any) -> Future[None] | None:
    """Send a hint-while-typing task (it takes no arguments: the drafts wait in their own list) to
    queue "drafts"; in embedded mode, to a thread of its own, so that drafts never wait behind turns
    (nor turns behind drafts)."""
    global _draft_executor
    if settings.EMBEDDED_MODE:
        with _executor_lock:
            if _draft_executor is None:
                _draft_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-drafts")
        return _draft_executor.submit(contextvars.copy_context().run, _run_embedded, task, (), {})
    task.apply_async(queue=DRAFTS_QUEUE)
    return None


_generation_executor: ThreadPoolExecutor | None = None


def enqueue_generation(task: Any, *args: Any) -> Future[None] | None:
    """Send a generative persona's reply task to queue "generation"; in embedded mode, to a thread
    of its own, so a reply being written never holds up the next turn's analysis."""
    global _generation_executor
    if settings.EMBEDDED_MODE:
        with _executor_lock:
            if _generation_executor is None:
                _generation_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-generation")
        return _generation_executor.submit(contextvars.copy_context().run, _run_embedded, task, args, {})
    task.apply_async(args=args, queue=GENERATION_QUEUE)
    return None


def enqueue(task: Any, *args: Any, **kwargs: Any) -> Future[None] | None:
    """Send `task` to the broker, or run it in the embedded pool when there is no broker."""
    if settings.EMBEDDED_MODE:
        # The caller's log context (request id, session) goes with the task, as headers do to a worker.
        return _embedded_executor().submit(contextvars.copy_context().run, _run_embedded, task, args, kwargs)
    task.apply_async(args=args, kwargs=kwargs)
    return None
