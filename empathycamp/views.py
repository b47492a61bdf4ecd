"""Operators' endpoints: liveness and readiness, JSON, for load balancers and process managers."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from empathycamp import metrics
from empathycamp.health import inference_queue_depth, readiness


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving (nothing else is checked: a restart would not help them)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve learners: 200 when every check passes, 503 with the failing ones named."""
    result = readiness()
    return JsonResponse(result, status=200 if result["ready"] else 503)


METRICS_PERMISSION = "empathycamp.view_metrics"


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_staff and user.has_perm(METRICS_PERMISSION))


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text of every process on this host, for operators only: a staff user with the
    view_metrics permission, or `Authorization: Bearer <METRICS_TOKEN>` (a scraper). Anyone else
    gets 404, as if there were no such page."""
    if not _metrics_allowed(request):
        raise Http404
    if not settings.EMBEDDED_MODE and not metrics.multiprocess_dir():
        metrics.single_process_warn()
    return HttpResponse(metrics.exposition(queue_depth=inference_queue_depth), content_type=metrics.CONTENT_TYPE)


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """What a client over an abuse limit gets (settings.RATELIMIT_VIEW): 429, in plain words."""
    return render(request, "rate_limited.html", status=429)
