"""Rate limits: one notion of "the client" and one fixed-window counter, used by every public
form, the sign-in guard and the API token throttle.

The client is the peer address (``REMOTE_ADDR``). Behind a reverse proxy every request comes
from the proxy, so ``FANGKONG_TRUST_X_FORWARDED_FOR`` (set it only when such a proxy is in
front) takes the address the proxy appended: the LAST ``X-Forwarded-For`` entry. Earlier
entries are whatever the client sent and would let it pick a fresh bucket per request.

Counters live in a cache (``core/cache.py``): the shared database cache by default, so a
limit holds across server processes; hot paths pass the per-process ``local_cache``.
Addresses are hashed before they become keys (a cache table holds no address).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.http import HttpRequest
from rest_framework.throttling import ScopedRateThrottle


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    if settings.FANGKONG_TRUST_X_FORWARDED_FOR:
        forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or ""


def key(scope: str, value: str) -> str:
    """A cache key for ``value`` (an address, a user name) that does not reveal it."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"fk-rl:{scope}:{digest}"


def bump(cache_key: str, window: int, *, cache=shared_cache) -> int:
    """Count one event under ``cache_key``; how many there were in the window, this one
    included. The window starts at the first event and lasts ``window`` seconds."""
    if cache.add(cache_key, 1, timeout=window):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return 1


def hit(request: HttpRequest, scope: str, *, limit: int, window: int, cache=shared_cache) -> bool:
    """Count one attempt of ``scope`` by this client; False once it is over ``limit``."""
    return bump(key(scope, client_address(request)), window, cache=cache) <= limit


def spent(request: HttpRequest, scope: str, *, limit: int, cache=shared_cache) -> bool:
    """Whether this client has used up ``scope``'s ``limit`` already, without counting an
    attempt (a form that counts only what it accepted: ``hit`` after it did)."""
    return (cache.get(key(scope, client_address(request))) or 0) >= limit


class ApiRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle counted with ``bump``: its own keeps a request history that it
    reads and writes back, so parallel requests in several workers each see the old list
    and the limit lets more through; ``bump`` counts every call."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = key(self.scope, client_address(request))
        return bump(self.key, self.duration, cache=self.cache) <= self.num_requests

    def wait(self) -> float:
        # The window's start is not kept (one counter per client): at most this long.
        return float(self.duration)
