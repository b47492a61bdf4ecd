"""The admin's "Try this persona": start a trial of a learner line, then poll for its result.

Instructors only: staff with the change_scenario permission (403 for anyone else, 404 for a
scenario that does not exist). Both answer JSON; the scenario's change page calls them from
static/js/admin/persona_try.js. The admin's own pages redirect others to its log-in; these
endpoints refuse instead, since only a script calls them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from courses.admin_forms import PersonaTryForm
from courses.models import Scenario
from courses.services.persona_try import persona_try_result, persona_try_start
from courses.views.limits import limited


def _scenario_for_instructor(request: HttpRequest, object_id: int) -> tuple[int, Scenario]:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff and user.has_perm("courses.change_scenario")):
        raise PermissionDenied
    return user.pk, get_object_or_404(Scenario, pk=object_id)


@require_POST
@limited(key="user", rate="persona_try_user")
def persona_try_view(request: HttpRequest, object_id: int) -> JsonResponse:
    """Queue a trial of the posted line (202 with the URL to poll), or 400 with the form's errors."""
    user_id, scenario = _scenario_for_instructor(request, object_id)
    form = PersonaTryForm(request.POST, max_turns=scenario.max_turns)
    if not form.is_valid():
        return JsonResponse({"errors": {name: list(errors) for name, errors in form.errors.items()}}, status=400)
    token = persona_try_start(
        user_id=user_id,
        scenario_id=scenario.pk,
        text=form.cleaned_data["text"],
        turn_number=form.cleaned_data["turn_number"],
    )
    poll = reverse("admin:courses_scenario_try_result", kwargs={"object_id": scenario.pk, "token": token})
    return JsonResponse({"status": "pending", "poll": poll}, status=202)


@never_cache
@require_GET
def persona_try_result_view(request: HttpRequest, object_id: int, token: str) -> JsonResponse:
    """The trial's result so far: {"status": "pending" | "done" | "failed", ...}; 404 when unknown."""
    user_id, scenario = _scenario_for_instructor(request, object_id)
    result = persona_try_result(token=token, user_id=user_id, scenario_id=scenario.pk)
    if result is None:
        raise Http404
    return JsonResponse(result)
