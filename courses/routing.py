"""Websocket routes."""

from django.urls import path

from courses.consumers import PracticeConsumer

websocket_urlpatterns = [
    path("ws/practice/<uuid:session_id>/", PracticeConsumer.as_asgi()),
]
