"""The websocket's origin check: the page that opens a practice socket must come from this very site,
scheme, host and port alike, or from an origin the operator trusts (CSRF_TRUSTED_ORIGINS).

Channels' AllowedHostsOriginValidator compares host names only, so http://camp.example:8080 (or any
port or scheme of an allowed host) passed. Here the Origin must equal the socket's own origin (its
Host header, wss → https, or the proxy's forwarded scheme when SECURE_PROXY_SSL_HEADER is set), and
the host must be in ALLOWED_HOSTS. A refused handshake is closed before the consumer runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normal(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def allowed(scope: dict[str, Any]) -> bool:
    """Whether the handshake in ``scope`` comes from a page of this site (or a trusted origin)."""
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    raw_origin = headers.get(b"origin")
    raw_host = headers.get(b"host")
    if not raw_origin or not raw_host:
        return False
    try:
        origin_text, host_text = raw_origin.decode("latin-1"), raw_host.decode("latin-1")
    except UnicodeDecodeError:
        return False
    origin_parts = urlsplit(origin_text)
    origin = _normal(origin_parts.scheme, origin_parts.netloc)
    if origin is None:
        return False
    trusted = {_normal(urlsplit(o).scheme, urlsplit(o).netloc) for o in settings.CSRF_TRUSTED_ORIGINS}
    if origin in trusted:
        return True
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, value = proxy
        forwarded = headers.get(header.lower().removeprefix("http_").replace("_", "-").encode("latin-1"))
        if forwarded is not None and forwarded.decode("latin-1") == value:
            scheme = "https"
    own = _normal(scheme, host_text)
    return own is not None and origin == own and validate_host(own[1], settings.ALLOWED_HOSTS)


class SameOriginValidator:
    """ASGI middleware for websockets: refuses (403 at the handshake) a page from anywhere else."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not allowed(scope):
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008})
            return None
        return await self.application(scope, receive, send)
