"""Websocket routes."""

from django.urls import path, re_path

from courses.consumers import PracticeConsumer, RefusedConsumer
from courses.practice.events import SOCKET_ROUTE

websocket_urlpatterns = [
    path(SOCKET_ROUTE, PracticeConsumer.as_asgi()),
    re_path(r"", RefusedConsumer.as_asgi()),  # anything else: a clean 4404, not the router's error
]
