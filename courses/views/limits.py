"""The abuse limits as typed decorators: django-ratelimit's own are untyped, and would make every
view they wrap untyped for mypy. Rates come from ``settings.RATE_LIMITS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django_ratelimit.decorators import ratelimit

View = TypeVar("View", bound=Callable[..., Any])


def limited(*, key: str, rate: str, method: str = "POST") -> Callable[[View], View]:
    """Refuse (429, settings.RATELIMIT_VIEW) a client over ``settings.RATE_LIMITS[rate]`` for ``key``
    ("ip", "user", "post:username")."""
    return cast(Callable[[View], View], ratelimit(key=key, rate=settings.RATE_LIMITS[rate], method=method, block=True))
