"""Fixed-window rate limits for public forms (checkout, magic links, track requests, newsletter), counted in
Django's cache (a database table every process shares, or Redis), and privacy-safe client keys."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it. A proxy in front must set REMOTE_ADDR correctly;
    X-Forwarded-For is not trusted here, or anyone could choose their own key."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def private_hash(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of `value`: stable, not reversible, useless elsewhere. Used
    so IP addresses and session keys are never stored in clear."""
    key = f"{settings.SECRET_KEY}:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def rate_limit_allows(*, scope: str, key: str, limit: int, window_s: int = 3600) -> bool:
    """Count one attempt for (scope, key) in the current window; False once more than `limit` were made."""
    window = int(time.time() // window_s)
    cache_key = f"ratelimit:{scope}:{private_hash(key.lower(), purpose='ratelimit')[:32]}:{window}"
    if cache.add(cache_key, 1, timeout=window_s):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_s)
        count = 1
    return count <= limit
