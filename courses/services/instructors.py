"""The Instructors group: exactly the permissions needed to author course content."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

INSTRUCTORS_GROUP = "Instructors"

# Authored content only. Learner state (enrolments, progress, attempts) is not authoring.
AUTHORED_MODELS = (
    "course",
    "module",
    "item",
    "lesson",
    "quiz",
    "question",
    "choice",
    "scenario",
    "scenariogoal",
    "personareply",
)
ACTIONS = ("add", "change", "delete", "view")


def instructor_permissions() -> list[Permission]:
    content_types = ContentType.objects.filter(app_label="courses", model__in=AUTHORED_MODELS)
    codenames = [f"{action}_{model}" for model in AUTHORED_MODELS for action in ACTIONS]
    return list(Permission.objects.filter(content_type__in=content_types, codename__in=codenames))


@transaction.atomic
def instructors_group_ensure() -> Group:
    """Create or repair the Instructors group so it holds exactly the authoring permissions."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    group.permissions.set(instructor_permissions())
    return group
