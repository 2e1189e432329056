"""The site's cache backends: Redis when the deployment has it, else the database cache, with counters that are
exact across processes.

With Redis: Django's RedisCache builds a new `redis.Redis` client around its connection pool for every single
call, and redis-py 8's constructor costs about 0.2 ms; a cached public page makes four calls (its key's catalogue
version, the page, and the API throttle's read and write), so that was most of a cache hit's time. The client
is thread-safe and stateless beyond its pool, so one per pool is kept.

Without Redis: Django's database cache, with counters that are exact across processes.

Every web process and worker shares the database, so rate limits and API throttles count once for the whole site
(a per-process memory cache let each gunicorn worker allow the full limit again). Django's `DatabaseCache.incr`
reads and then writes the value, so two processes incrementing at once could both store the same count; here the
row is locked for the read-modify-write (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions, configured in
settings, already take the write lock when the transaction begins).

The table is created by `migrate` (see `create_cache_table_after_migrate`), so `make run` needs no extra step.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.management import call_command
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class _ClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    """Django's RedisCache, with one client per connection pool instead of one per call (see module)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool


class SharedDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} "  # noqa: S608 - quoted names
                f"WHERE {quote_name('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or _as_datetime(connection, row[1]) < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s",  # noqa: S608
                [encoded, key],
            )
        return new_value


def _as_datetime(connection, value):
    """The `expires` column as an aware datetime, converted the way Django's own cache reads it."""
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
        value = converter(value, expression, connection)
    return value


def create_cache_table_after_migrate(sender, using="default", verbosity=1, **kwargs) -> None:
    """`migrate` ends by creating the database cache's table (idempotent: an existing table is left alone)."""
    if any(isinstance(caches[alias], DatabaseCache) for alias in caches.settings):
        call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
