"""System checks: settings this app reads that a typo would otherwise break only when a learner needs them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from courses.practice.wellbeing import ResourcesConfigError, validate


@register()
def wellbeing_resources_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The wellbeing card is what a learner in crisis sees: a malformed list must stop the site starting."""
    try:
        validate(settings.WELLBEING_RESOURCES)
    except ResourcesConfigError as error:
        return [Error(str(error), hint="See empathycamp/settings/wellbeing.py for the shape.", id="courses.E001")]
    return []
