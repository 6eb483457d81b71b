"""A fixed-window rate limit per client for public pages, kept in Django's cache.

The client is ``REMOTE_ADDR`` (the proxy must set it to the real client, e.g. through
``X-Forwarded-For`` handling in the proxy itself). With several server processes the cache
must be shared (database or Redis cache) for the limit to hold across them.
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from fangkong.core.cache import local_cache as cache  # per process: a hot path


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request: HttpRequest, scope: str, *, limit: int, window: int = 60) -> bool:
    """True while this client made at most ``limit`` calls of ``scope`` in this window."""
    bucket = int(time.time() // window)
    key = f"fk-rl:{scope}:{client_key(request)}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit
