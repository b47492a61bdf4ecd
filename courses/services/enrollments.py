"""Enrolments: a learner joins a published course."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from courses.models import Course, Enrollment


def enrollment_create(*, learner: User, course: Course) -> Enrollment:
    """Write the learner's enrolment in a published course; a repeat returns the existing row."""
    if not course.is_published:
        raise PermissionDenied("This course is not open for enrolment.")
    try:
        with transaction.atomic():
            enrollment, _ = Enrollment.objects.get_or_create(learner=learner, course=course)
    except IntegrityError:
        # A concurrent request inserted the row between our read and our write: it exists now.
        enrollment = Enrollment.objects.get(learner=learner, course=course)
    return enrollment
