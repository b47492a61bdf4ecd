"""Operators' endpoints: liveness and readiness, JSON, for load balancers and process managers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from empathycamp.health import readiness


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


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """What a client over an abuse limit gets (settings.RATELIMIT_VIEW): 429, in plain words."""
    return render(request, "rate_limited.html", status=429)
