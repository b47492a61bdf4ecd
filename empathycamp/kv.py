"""One Redis client per process for the project's own small keys: worker heartbeats, drafts waiting
to be read. Its pool is shared by every thread and socket of the process (redis-py's pool is
thread-safe and notices a fork): a check on every learner turn must not open a connection each time.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

TIMEOUT_S = 1.0

_lock = threading.Lock()
_client: Any = None


def client() -> Any:
    """The process's client (made on first use, from settings.REDIS_URL)."""
    global _client
    with _lock:
        if _client is None:
            import redis

            _client = redis.Redis.from_url(
                settings.REDIS_URL,
                socket_timeout=TIMEOUT_S,
                socket_connect_timeout=TIMEOUT_S,
                health_check_interval=int(settings.REDIS_HEALTH_CHECK_S),
                max_connections=int(settings.APP_REDIS_MAX_CONNECTIONS),
            )
        return _client
