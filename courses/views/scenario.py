"""Scenario page: the brief, the goals, and the buttons that resume the learner's unfinished practice
session or start a new one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from courses.models import Item
from courses.selectors.courses import item_get_for_user, scenario_with_goals
from courses.selectors.practice_history import practice_session_unfinished

from .authenticated import AuthenticatedHttpRequest
from .learning import item_context, item_open


@login_required
@require_http_methods(["GET", "HEAD"])
def scenario_detail(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    scenario = item_get_for_user(item_id=item_id, kind=Item.Kind.SCENARIO, user=request.user)
    if (response := item_open(request, scenario)) is not None:
        return response
    scenario = scenario_with_goals(scenario=scenario)
    context = {
        "scenario": scenario,
        "unfinished": practice_session_unfinished(learner=request.user, scenario=scenario),
        **item_context(request, scenario),
    }
    return render(request, "courses/scenario.html", context)
