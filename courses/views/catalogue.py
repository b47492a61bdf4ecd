"""Catalogue, course page, enrolment and the About page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from courses.selectors.courses import course_get_for_user, course_list_published
from courses.selectors.progress import course_outline
from courses.services.enrollments import enrollment_create

from .authenticated import AuthenticatedHttpRequest


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/catalogue.html", {"courses": course_list_published()})


@require_GET
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = course_get_for_user(slug=slug, user=request.user)
    outline = course_outline(course=course, learner=request.user)
    return render(
        request, "courses/course.html", {"course": course, "outline": outline, "preview": not course.is_published}
    )


@login_required
@require_POST
def enroll(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = course_get_for_user(slug=slug, user=request.user)
    enrollment_create(learner=request.user, course=course)
    messages.success(request, f"You are enrolled in {course.title}. Welcome!")
    return redirect(course)


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/about.html")
