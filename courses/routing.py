"""Websocket routes. The practice chat consumer is added by the live-practice release."""

websocket_urlpatterns: list = []
