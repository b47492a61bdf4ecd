"""Lesson and quiz pages.

Access: visitors who are not logged in are sent to log in. A logged-in learner who is not
enrolled is redirected to the course page (with its Enrol button) on GET and gets 403 on
POST. Unpublished content is 404 unless the user may preview drafts; previewers read
without enrolling but cannot record progress.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courses.forms import QuizForm
from courses.models import Item
from courses.selectors.courses import item_get_for_user, item_next, quiz_questions, user_can_preview
from courses.selectors.progress import enrollment_get, item_progress_get
from courses.services.progress import lesson_complete, progress_touch, quiz_attempt_submit

from .authenticated import AuthenticatedHttpRequest


def item_open(request: AuthenticatedHttpRequest, item: Item) -> HttpResponse | None:
    """Record the visit for an enrolled learner; a redirect to the course page for a learner
    who is not enrolled; None when the page may be shown."""
    if progress_touch(learner=request.user, item=item):
        return None
    if user_can_preview(request.user):
        return None
    messages.info(request, "Enrol in the course to start it.")
    return redirect(item.module.course)


def item_context(request: AuthenticatedHttpRequest, item: Item) -> dict[str, Any]:
    course = item.module.course
    return {
        "course": course,
        "item": item,
        "next_item": item_next(item=item),
        "enrollment": enrollment_get(learner=request.user, course=course),
        "progress": item_progress_get(learner=request.user, item=item),
        "preview": not course.is_published,
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def lesson_detail(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    lesson = item_get_for_user(item_id=item_id, kind=Item.Kind.LESSON, user=request.user)
    if (response := item_open(request, lesson)) is not None:
        return response
    return render(request, "courses/lesson.html", {"lesson": lesson, **item_context(request, lesson)})


@login_required
@require_POST
def lesson_complete_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    lesson = item_get_for_user(item_id=item_id, kind=Item.Kind.LESSON, user=request.user)
    lesson_complete(learner=request.user, lesson=lesson)
    messages.success(request, f"“{lesson.title}” is complete.")
    next_item = item_next(item=lesson)
    return redirect(next_item or lesson.module.course)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def quiz_detail(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    quiz = item_get_for_user(item_id=item_id, kind=Item.Kind.QUIZ, user=request.user)
    questions = quiz_questions(quiz=quiz)
    if request.method != "POST":
        if (response := item_open(request, quiz)) is not None:
            return response
        form = QuizForm(questions=questions)
        context = {"quiz": quiz, "form": form, "rows": form.rows(), **item_context(request, quiz)}
        return render(request, "courses/quiz.html", context)

    if enrollment_get(learner=request.user, course=quiz.module.course) is None:
        raise PermissionDenied("Enrol in this course to answer its quizzes.")
    form = QuizForm(request.POST, questions=questions)
    result = None
    status = 200
    if form.is_valid():
        try:
            result = quiz_attempt_submit(learner=request.user, quiz=quiz, answers=form.answers())
        except ValidationError as error:
            form.add_error(None, error.messages)
    if result is None:
        status = 400
    context = {"quiz": quiz, "form": form, "rows": form.rows(result), "result": result, **item_context(request, quiz)}
    return render(request, "courses/quiz.html", context, status=status)
