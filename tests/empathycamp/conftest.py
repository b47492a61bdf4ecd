"""Fixtures of the site-wide tests."""

from __future__ import annotations

import pytest
from django.db import connections

from empathycamp import tasking
from tests.db import connections_since_end, database_now


@pytest.fixture
def embedded_practice(settings):
    """Embedded mode for a practice socket test (as tests/courses/test_practice_consumer.py runs):
    the real task in the web process's pool, an in-memory channel layer; the pool's and the socket
    threads' connections ended afterwards, so the test database can be flushed."""
    settings.EMBEDDED_MODE = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PRACTICE_TOKEN_DELAY_MS = 0
    started = database_now()
    yield
    tasking._embedded_executor().submit(connections.close_all).result(timeout=120)
    connections_since_end(started)
