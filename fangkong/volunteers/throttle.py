"""A per-client-address limit for public forms (fixed window in Django's default cache,
shared by every server process: ``core/cache.py``).

The address is hashed before it becomes a cache key. Behind a reverse proxy set
``FANGKONG_TRUST_X_FORWARDED_FOR`` so the client's address, not the proxy's, is counted.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "FANGKONG_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def hit(request: HttpRequest, scope: str, *, limit: int, window: int) -> bool:
    """Count one attempt; ``False`` when the client is over ``limit`` in ``window`` seconds."""
    digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"fk-throttle:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
