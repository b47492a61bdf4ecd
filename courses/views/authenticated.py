"""The request type of views behind `login_required`."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """An HttpRequest whose user is logged in. Annotate a view's request with it only when
    `login_required` guards the view: that decorator is what makes `request.user` a User and
    never an AnonymousUser (the pattern django-stubs recommends)."""

    user: User
