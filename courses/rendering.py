"""Markdown written by instructors, turned into HTML that is safe to show learners."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# Images are left out on purpose: lessons are text, and a remote image is a tracking pixel.
ALLOWED_TAGS: set[str] = set(nh3.ALLOWED_TAGS) - {"img", "map", "area", "center", "nav", "header", "footer"}


def markdown_to_html(text: str) -> SafeString:
    """Render Markdown, then sanitise the HTML with nh3 (raw HTML in the source is allowed but cleaned)."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer nofollow"))
