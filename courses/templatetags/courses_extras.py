"""Template helpers for course pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from courses.rendering import markdown_to_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Instructor Markdown as sanitised HTML."""
    return markdown_to_html(text)


@register.filter
def percent(value: float | None) -> str:
    """0.8 → "80%"; None → "–"."""
    if value is None:
        return "–"
    return f"{round(value * 100)}%"
