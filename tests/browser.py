"""Debian's headless Chromium, as the browser tests launch it through Playwright."""

from __future__ import annotations

import os
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
