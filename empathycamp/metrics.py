"""The operators' metrics (Prometheus): every metric the project defines, in one place, and how a
scrape gathers them from every process on the host.

Daphne, the Celery worker (and its prefork children) and beat are separate processes. With
PROMETHEUS_MULTIPROC_DIR set in their environment before they start (`empathycamp/tools/supervise.py`
sets it for `make run`), prometheus_client writes each process's values to files there and
`/metrics` adds them up (multiprocess mode). A worker on another host has its own directory and
serves its own numbers on METRICS_WORKER_PORT. Without the variable (embedded mode: one process),
the values live in this process's memory.

Label values come from small fixed sets only (outcomes, levels, sources, error codes, reasons):
never a learner's words, a user id or a session uuid.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from celery.signals import worker_init, worker_process_shutdown
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# From a learner turn saved to its analysis saved: under a second when a worker is free, tens of
# seconds while a queue drains, minutes when a turn waited for the sweeper.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, float("inf"))
MODEL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, float("inf"))
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, float("inf"))

TURNS_ANALYSED = Counter(
    "empathycamp_turns_analysed_total",
    "Learner turns whose analysis ended, by outcome: analysed (saved) or failed (the learner was told).",
    ["outcome"],
)
ANALYSIS_LATENCY = Histogram(
    "empathycamp_analysis_latency_seconds",
    "Seconds from a learner turn saved to its analysis saved.",
    buckets=LATENCY_BUCKETS,
)
MODEL_BATCH_SECONDS = Histogram(
    "empathycamp_model_batch_seconds",
    "Seconds the models took for one analysis batch (the analysis and the rewrite check).",
    buckets=MODEL_BUCKETS,
)
BATCH_TURNS = Histogram(
    "empathycamp_batch_turns",
    "Learner turns analysed together in one model batch.",
    buckets=BATCH_BUCKETS,
)
SAFETY_FLAGS = Counter(
    "empathycamp_safety_flags_total",
    "Learner turns the safety screen flagged, by level (concern, crisis) and by the part that fired "
    "(rules, model; a turn both fired counts under each).",
    ["level", "source"],
)
PERSONA_FALLBACKS = Counter(
    "empathycamp_persona_reply_fallbacks_total",
    "Persona replies that fell back because nothing authored (or generated) fitted, by engine and reason.",
    ["engine", "reason"],
)
PERSONA_GENERATIONS = Counter(
    "empathycamp_persona_generations_total",
    "Generated persona replies that ended, by outcome: generated (every sentence passed), trimmed (the "
    "sentences before one that failed a check), fallback (the authored line was said instead).",
    ["outcome"],
)
GENERATED_REWRITES = Counter(
    "empathycamp_generated_rewrites_total",
    "Example rewrites the persona's language model wrote after a generative reply, by outcome: kept "
    "(shown instead of the template), or why the template stayed: empty, unchanged, not_minimal (not "
    "a small edit of the learner's words), blocker (its words put back, or the scorer found one), "
    "repeats (a loop), off_task (an editor's or assistant's words, or advice, added), not_better (the "
    "scorer did not rate it higher), unsafe (the safety screen), error.",
    ["outcome"],
)
PERSONA_FIRST_TOKEN = Histogram(
    "empathycamp_persona_first_token_seconds",
    "Seconds from a generation task starting a reply to the model's first token.",
    buckets=LATENCY_BUCKETS,
)
SWEEPER_REQUEUES = Counter(
    "empathycamp_sweeper_requeues_total",
    "Learner turns the sweeper queued again (a dead worker's, or a lost task message's).",
)
# livesum: a Daphne process that died no longer counts (supervise.py removes its file).
WEBSOCKETS_OPEN = Gauge(
    "empathycamp_websockets_open",
    "Practice websocket connections open now.",
    multiprocess_mode="livesum",
)
TURNS_SUBMITTED = Counter(
    "empathycamp_turns_submitted_total",
    "Learner turns saved and queued for analysis (a resend of a saved turn not counted).",
)
PRACTICE_REFUSALS = Counter(
    "empathycamp_practice_refusals_total",
    "Frames from the practice page the server refused (a turn over the rate limit, too long, "
    "malformed, in a paused session...), by error code.",
    ["code"],
)

GENERATION_OUTCOMES = ("generated", "trimmed", "fallback")
REWRITE_OUTCOMES = (
    "kept",
    "empty",
    "unchanged",
    "not_minimal",
    "blocker",
    "repeats",
    "off_task",
    "not_better",
    "unsafe",
    "error",
)
OUTCOME_ANALYSED = "analysed"
OUTCOME_FAILED = "failed"
SAFETY_LEVELS = frozenset({"concern", "crisis"})
SAFETY_SOURCES = frozenset({"rules", "model"})
# Every series of a fixed label set exists from the start at 0, so a rate() over it never sees it appear.
for _outcome in (OUTCOME_ANALYSED, OUTCOME_FAILED):
    TURNS_ANALYSED.labels(outcome=_outcome)
for _generation in GENERATION_OUTCOMES:
    PERSONA_GENERATIONS.labels(outcome=_generation)
for _rewrite in REWRITE_OUTCOMES:
    GENERATED_REWRITES.labels(outcome=_rewrite)
for _level in sorted(SAFETY_LEVELS):
    for _source in sorted(SAFETY_SOURCES):
        SAFETY_FLAGS.labels(level=_level, source=_source)


def safety_flags_count(analyses: Iterable[Mapping[str, Any]]) -> None:
    """Count the flagged turns among saved analyses, under each part of the screen that fired."""
    for analysis in analyses:
        safety = analysis.get("safety") or {}
        level = safety.get("level")
        if level not in SAFETY_LEVELS:
            continue
        sources = {item.get("by") for item in safety.get("evidence") or []} & SAFETY_SOURCES
        for source in sorted(sources) or ["unknown"]:
            SAFETY_FLAGS.labels(level=level, source=source).inc()


def persona_fallback(*, engine: str, reason: str) -> None:
    """A persona engine had nothing that fitted and said a fallback line (`reason`: a fixed word)."""
    PERSONA_FALLBACKS.labels(engine=engine, reason=reason).inc()


# --- Scraping ---------------------------------------------------------------------------------


def multiprocess_dir() -> str:
    """The directory this host's processes write their values to; "" when not in multiprocess mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class QueueDepthCollector(Collector):
    """The inference queue's depth, read when scraped (a gauge no process has to keep up to date)."""

    def __init__(self, read: Callable[[], int | None]) -> None:
        self.read = read

    def collect(self) -> Iterable[Metric]:
        depth = self.read()
        if depth is None:  # embedded mode, or Redis unreachable: no sample rather than a wrong one
            return []
        return [GaugeMetricFamily("empathycamp_inference_queue_depth", "Tasks waiting on the inference queue.", depth)]


_single_process_warned = False


def single_process_warn() -> None:
    """Once per process: with Redis (workers of their own) but no PROMETHEUS_MULTIPROC_DIR, a scrape
    shows this web process's numbers only, none of the workers'."""
    global _single_process_warned
    if not _single_process_warned:
        _single_process_warned = True
        logger.warning(
            "/metrics shows this web process only: set PROMETHEUS_MULTIPROC_DIR for every process of the "
            "host (README, 'Metrics and logs') to add the workers' numbers"
        )


def host_registry() -> CollectorRegistry:
    """Every process's metrics on this host (multiprocess mode), or this process's own."""
    path = multiprocess_dir()
    if not path:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return registry


def exposition(*, queue_depth: Callable[[], int | None] | None = None) -> bytes:
    """The text a scrape gets: the host's metrics, then the values read at scrape time."""
    page = generate_latest(host_registry())
    if queue_depth is not None:
        scrape_time = CollectorRegistry()
        scrape_time.register(QueueDepthCollector(queue_depth))
        page += generate_latest(scrape_time)
    return page


def worker_exporter_start(*, port: int, addr: str, prefork: bool) -> None:
    """Serve this host's metrics on port (a worker on a host without the web process). Started in the
    worker's main process; prefork children reach it only through PROMETHEUS_MULTIPROC_DIR."""
    from prometheus_client import start_http_server

    if prefork and not multiprocess_dir():
        logger.warning(
            "METRICS_WORKER_PORT is set but PROMETHEUS_MULTIPROC_DIR is not: the prefork children's "
            "metrics will not be served"
        )
    start_http_server(port, addr=addr, registry=host_registry())
    logger.info("Worker metrics served on %s:%d", addr, port)


def process_dead(pid: int) -> None:
    """Forget a finished process's live gauges (its counters stay in the sums)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid, path=multiprocess_dir())  # type: ignore[no-untyped-call]


@worker_init.connect
def _worker_exporter(sender: Any = None, **kwargs: Any) -> None:
    from django.conf import settings

    if settings.METRICS_WORKER_PORT:
        pool = getattr(sender, "pool_cls", None)
        name = pool if isinstance(pool, str) else getattr(pool, "__module__", "")
        worker_exporter_start(
            port=settings.METRICS_WORKER_PORT,
            addr=settings.METRICS_WORKER_ADDR,
            prefork="prefork" in str(name or "prefork"),
        )


@worker_process_shutdown.connect
def _worker_child_done(pid: int | None = None, **kwargs: Any) -> None:
    process_dead(pid or os.getpid())
