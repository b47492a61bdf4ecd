"""Debian's headless Chromium, as the browser tests launch it through Playwright."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A module of browser tests lists this in its `pytestmark`.
requires_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
)


def chromium_launch(playwright: Any) -> Any:
    """Launch headless Chromium from a started Playwright (sync API); the caller closes it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# axe-core from npm (tests/a11y/package.json; `make browser` installs it), run in the page itself.
AXE_JS = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA and everything below it.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_serious(page: Any) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations axe-core finds on the page as it is now,
    one line each (rule, impact, how many elements, the first one)."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `make browser` (npm ci --prefix tests/a11y)")
    # Evaluated through the DevTools protocol, not a <script>: the page's CSP allows no inline script.
    page.evaluate(AXE_JS.read_text())
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}) on ${v.nodes.length}: ${v.nodes[0].target.join(" ")}`)""",
        AXE_TAGS,
    )
    return list(found)
