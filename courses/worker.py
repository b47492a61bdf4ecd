"""Celery worker start-up: load and warm the models once per worker process, after the fork.

Imported by Celery's autodiscovery (`app.autodiscover_tasks(related_name="worker")` in
empathycamp/celery.py) in the worker only; the web process never imports this module.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_process_shutdown, worker_shutdown
from django.db import connections

from courses.practice.drafts import drafts_warm
from courses.practice.pipeline import scripts_warm
from empathycamp import heartbeat
from empathycamp.runtime import generator_warm, inference_warm
from empathycamp.tasking import DRAFTS_QUEUE, GENERATION_QUEUE

logger = logging.getLogger(__name__)

# The queues this worker consumes (`-Q`), read in the main process before it forks its children.
# A worker of the drafts queue alone (hints while typing) loads only the empathy scorer and is no
# inference worker: it neither beats nor counts for /readyz or the delayed notice.
_queues: frozenset[str] = frozenset()


def _drafts_only() -> bool:
    return _queues == {DRAFTS_QUEUE}


def _generation_only() -> bool:
    # The generative persona's worker (Procfile's "generation"): its language model and the screen
    # its lines pass; no analysis models. It is no inference worker either.
    return _queues == {GENERATION_QUEUE}


# This process's heartbeat: started once its models are warm, stopped when it shuts down.
_heartbeat_stop = threading.Event()
_heartbeat_member: str | None = None


def _heartbeat_start() -> None:
    global _heartbeat_member
    if _heartbeat_member is not None:
        return
    _heartbeat_member = heartbeat.member_name()
    threading.Thread(
        target=heartbeat.beat_forever,
        kwargs={"member": _heartbeat_member, "stop": _heartbeat_stop},
        name="inference-heartbeat",
        daemon=True,
    ).start()


def _heartbeat_end() -> None:
    _heartbeat_stop.set()
    if _heartbeat_member is None:
        return
    try:
        heartbeat.worker_gone(member=_heartbeat_member)
    except Exception:  # noqa: BLE001 - Redis down: the beats simply age out
        logger.warning("Worker heartbeat not withdrawn; it will age out")


def _warm_or_log() -> None:
    if _generation_only():
        try:
            generator_warm()
        except Exception:
            logger.exception("Persona generator warm-up failed; it will load on first use")
        finally:
            connections.close_all()
        return
    if _drafts_only():
        try:
            drafts_warm()
        except Exception:
            logger.exception("Draft scorer warm-up failed; it will load on first use")
        finally:
            connections.close_all()
        return
    try:
        models_warm()
    finally:
        # Warm, or as warm as it will get (a model that failed loads on first use, and a turn that
        # still cannot be analysed fails with a reason the learner sees): this process takes turns
        # now, so learners' pages stop saying that analysis is delayed.
        _heartbeat_start()
        # This thread ends here: its database connection would stay open (or, pooled, checked out)
        # until the thread object is collected.
        connections.close_all()


def models_warm() -> None:
    """Load and warm the models and read the persona scripts now, so the first learner turn waits
    for neither: a worker child at start, or the web process in embedded mode (empathycamp/asgi.py,
    in the background). A failure is logged, never raised: the models then load on first use."""
    try:
        inference_warm()
    except Exception:
        logger.exception("Inference warm-up failed; models will load on first use")
        return
    try:
        warmed = scripts_warm()
    except Exception:
        # A database not migrated yet, say: the first turn of each scenario reads its script then.
        logger.exception("Persona scripts not read at start; they will be on first use")
    else:
        logger.info("Persona scripts of %d published scenarios read", warmed)


@worker_process_init.connect
def _warm_forked_child(**kwargs: Any) -> None:
    # Prefork pool: each child loads its own models; CUDA and torch threads do not survive a fork.
    # In a thread of the child, so the child answers the parent's start handshake at once: warmed
    # inline, the 10-12 s warm-up overran Celery's 4 s wait for it and every new child was killed,
    # over and over, after a child died. A task that arrives meanwhile waits for the models in the
    # registry's lock, then runs.
    threading.Thread(target=_warm_or_log, name="inference-warm-up", daemon=True).start()


@worker_init.connect
def _warm_unforked(sender: Any = None, **kwargs: Any) -> None:
    global _queues
    try:
        _queues = frozenset(sender.app.amqp.queues.consume_from)
    except AttributeError:
        _queues = frozenset()
    # Solo and thread pools never fork, so worker_process_init is not sent: warm in this process.
    pool = getattr(sender, "pool_cls", None)
    name = pool if isinstance(pool, str) else getattr(pool, "__module__", "")
    if name and "prefork" not in str(name):
        _warm_or_log()


@worker_process_shutdown.connect
def _child_shutdown(**kwargs: Any) -> None:
    _heartbeat_end()


@worker_shutdown.connect
def _worker_shutdown(**kwargs: Any) -> None:
    # Solo and thread pools beat from the main process.
    _heartbeat_end()
