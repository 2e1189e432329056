"""A Redis database of a test module's own, on the server CI names (CI_REDIS_URL), so tests that flush it never
touch another's data."""

from __future__ import annotations

import os
import re

import redis


def own_redis_database(number: int) -> str | None:
    """The URL of database `number` on CI's Redis server (else 127.0.0.1:6379); None when no Redis answers."""
    base = os.environ.get("CI_REDIS_URL") or "redis://127.0.0.1:6379/15"
    url = re.sub(r"/\d+$", "", base) + f"/{number}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url
