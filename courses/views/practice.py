"""Live practice pages: start a session for a scenario, the chat page of a session, and the
history page of a past one (its transcript with the analyses, and its summary).

The chat itself runs over the websocket (courses/consumers.py); this page renders the whole
conversation from the database first, so a reload shows exactly what was saved.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from courses.practice import events
from courses.selectors.practice import (
    SessionNotFound,
    practice_session_for_learner,
    practice_state,
    scenario_get_for_practice,
)
from courses.selectors.practice_history import practice_history_get
from courses.services.practice import practice_session_start
from courses.views.authenticated import AuthenticatedHttpRequest
from courses.views.limits import limited


@login_required
@require_POST
@limited(key="user", rate="practice_start_user")
def practice_start(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """Start a new practice session on the scenario and open its chat page."""
    scenario = scenario_get_for_practice(item_id=item_id, user=request.user)
    session = practice_session_start(learner=request.user, scenario=scenario)
    return redirect(reverse("courses:practice", kwargs={"session_id": session.pk}))


@login_required
@require_http_methods(["GET", "HEAD"])
def practice_session(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    try:
        session = practice_session_for_learner(session_id=session_id, learner=request.user)
    except (SessionNotFound, PermissionDenied):
        # Someone else's session does not exist, as far as this user can tell.
        raise Http404("No such practice session.") from None
    scenario = session.scenario
    context = {
        "session": session,
        "scenario": scenario,
        "course": scenario.module.course,
        "item": scenario,
        "conversation": practice_state(session=session),
        "ws_path": events.socket_path(session.pk),
        "practice_constants": events.page_constants(request.headers.get("Accept-Language", "")),
    }
    return render(request, "courses/practice.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def practice_history(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """A session's whole conversation as it was analysed, its summary, and "Practise again"
    (which posts to practice_start, abuse limit and all). Someone else's session is a 404."""
    history = practice_history_get(session_id=session_id, viewer=request.user)
    context = {
        "history": history,
        "scenario": history.scenario,
        "course": history.course,
        "session": history.session,
    }
    return render(request, "courses/practice_history.html", context)
