"""Thin views: parse, check permission, call one service or selector, render."""

from .accounts import signup
from .catalogue import about, catalogue, course_detail, enroll
from .dashboard import dashboard
from .learning import lesson_complete_view, lesson_detail, quiz_detail
from .scenario import scenario_detail

__all__ = [
    "about",
    "catalogue",
    "course_detail",
    "dashboard",
    "enroll",
    "lesson_complete_view",
    "lesson_detail",
    "quiz_detail",
    "scenario_detail",
    "signup",
]
