from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _instructors_group_ensure(sender: AppConfig, **kwargs: Any) -> None:
    # After every migrate: the auth app's own post_migrate handler has created this app's
    # permissions by now, so the group gets exactly the authoring ones.
    from courses.services.instructors import instructors_group_ensure

    instructors_group_ensure()


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from courses import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_instructors_group_ensure, sender=self, dispatch_uid="courses.instructors_group_ensure")
