"""Shared fixtures: three standing users, so every permission test has its outsider."""

from __future__ import annotations

import os

import pytest

# Models and tokenizers load from disk only; a hub call in a test is a bug.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from fixtures
# are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def alice(django_user_model):
    """A learner."""
    return django_user_model.objects.create_user("alice", "alice@example.com", "alice-password-1")


@pytest.fixture
def bob(django_user_model):
    """Another learner: the outsider in permission tests."""
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-password-1")


@pytest.fixture
def charlie(django_user_model):
    """An instructor: staff, in the Instructors group."""
    from courses.services.instructors import instructors_group_ensure

    user = django_user_model.objects.create_user("charlie", "charlie@example.com", "charlie-password-1", is_staff=True)
    user.groups.add(instructors_group_ensure())
    return user


@pytest.fixture(autouse=True)
def _fresh_abuse_limits():
    """Each test starts with empty rate-limit counters (they live in the cache, which outlives tests)."""
    from django.core.cache import cache

    cache.clear()
    yield
