"""The learner's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from courses.selectors.practice_history import practice_session_list
from courses.selectors.progress import dashboard_get

from .authenticated import AuthenticatedHttpRequest


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "dashboard": dashboard_get(learner=request.user),
        "practice_sessions": practice_session_list(learner=request.user),
    }
    return render(request, "courses/dashboard.html", context)
