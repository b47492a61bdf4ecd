"""The websocket origin check compares scheme, host and port with the socket's own origin."""

from __future__ import annotations

import pytest

from empathycamp.origin import allowed


def scope(origin: str | None, host: str | None = "camp.example", scheme: str = "ws", **extra: str) -> dict:
    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    return {"type": "websocket", "scheme": scheme, "headers": headers}


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["camp.example", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://partner.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "ok"),
    [
        ("http://camp.example", "camp.example", "ws", True),
        ("http://camp.example:80", "camp.example", "ws", True),  # the default port said out loud
        ("https://camp.example", "camp.example", "wss", True),
        ("http://localhost:8000", "localhost:8000", "ws", True),
        ("http://camp.example:8080", "camp.example", "ws", False),  # another port
        ("https://camp.example", "camp.example", "ws", False),  # another scheme
        ("http://camp.example", "camp.example", "wss", False),
        ("http://evil.example", "evil.example", "ws", False),  # not an allowed host
        ("http://camp.example.evil.example", "camp.example", "ws", False),
        ("null", "camp.example", "ws", False),
        ("http://camp.example:99999", "camp.example", "ws", False),
        ("https://partner.example", "camp.example", "ws", True),  # trusted by the operator
    ],
)
def test_only_the_sites_own_origin_passes(origin, host, scheme, ok):
    assert allowed(scope(origin, host, scheme)) is ok


def test_no_origin_or_no_host_is_refused():
    assert not allowed(scope(None))
    assert not allowed(scope("http://camp.example", None))


def test_behind_a_tls_proxy_the_forwarded_scheme_counts():
    assert allowed(scope("https://camp.example", "camp.example", "ws", **{"x-forwarded-proto": "https"}))
    assert not allowed(scope("https://camp.example", "camp.example", "ws"))
