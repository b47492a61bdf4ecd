"""Websocket routes."""

from django.urls import path

from courses.consumers import PracticeConsumer
from courses.practice.events import SOCKET_ROUTE

websocket_urlpatterns = [
    path(SOCKET_ROUTE, PracticeConsumer.as_asgi()),
]
