"""The learner's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from courses.selectors.progress import dashboard_get

from .authenticated import AuthenticatedHttpRequest


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "courses/dashboard.html", {"dashboard": dashboard_get(learner=request.user)})
