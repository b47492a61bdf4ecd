"""Lesson Markdown becomes safe HTML."""

from __future__ import annotations

from courses.rendering import markdown_to_html


def test_markdown_is_rendered():
    html = markdown_to_html("# Title\n\n*kind* words\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>Title</h1>" in html and "<em>kind</em>" in html and "<li>one</li>" in html and "<td>1</td>" in html


def test_dangerous_html_does_not_survive():
    html = markdown_to_html(
        "<script>alert('x')</script>\n\n<style>body{display:none}</style>\n\n"
        "[x](javascript:alert(1)) <img src=x onerror=alert(1)> <iframe src=//evil></iframe>"
        '<a href="https://example.org" onmouseover="steal()">ok</a>'
    )
    for bad in ("<script", "alert(", "<style", "javascript:", "onerror", "<img", "<iframe", "onmouseover"):
        assert bad not in html
    assert 'href="https://example.org"' in html and "nofollow" in html


def test_empty_body_renders_empty():
    assert markdown_to_html("") == ""
