"""Learner accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction


@transaction.atomic
def learner_signup(*, username: str, email: str, password: str) -> User:
    """Create a learner account (no staff rights, no groups); the caller has validated the input."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)
