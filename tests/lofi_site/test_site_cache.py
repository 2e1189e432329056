"""Without Redis the default cache is a database table every process shares, so a rate limit counts once for the
whole site however many web processes serve it (a per-process memory cache let each one allow the full limit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from tests.lofi_site.redis_db import own_redis_database
from tests.lofi_site.settings_probe import python_with_env, settings_with

# One web process: wait for the common start signal, then try `attempts` times and print how many were allowed.
HAMMER = """
import json, os, sys, time
import django
django.setup()
from lofi_site.ratelimit import rate_limit_allows
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
allowed = sum(
    rate_limit_allows(scope="checkout", key="198.51.100.7", limit=int(sys.argv[2]))
    for _ in range(int(sys.argv[3]))
)
print(json.dumps({"allowed": allowed}))
"""


def test_the_default_cache_without_redis_is_shared_through_the_database():
    cache = settings_with({})["caches"]["default"]

    assert cache["BACKEND"] == "lofi_site.cache.SharedDatabaseCache"


def test_migrate_creates_the_cache_table(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    migrated = python_with_env("", env, "manage.py", "migrate", "auth", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr

    probe = python_with_env(
        "import django; django.setup(); from django.core.cache import cache; "
        "cache.set('greeting', 'hello', 60); print(cache.get('greeting'))",
        env,
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "hello"


def test_two_web_processes_share_one_rate_limit(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    created = python_with_env("", env, "manage.py", "createcachetable")
    assert created.returncode == 0, created.stderr
    assert sum(_hammer(env, limit=5, attempts=12, processes=2)) == 5  # not 5 per process


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path of the shared cache (CI's database)")
def test_web_processes_share_one_rate_limit_on_postgresql():
    db = connection.settings_dict
    env = {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    existed = "lofi_cache" in connection.introspection.table_names()
    created = python_with_env("", env, "manage.py", "createcachetable")
    assert created.returncode == 0, created.stderr
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM lofi_cache")  # no counter left by an earlier run in this hour
        assert sum(_hammer(env, limit=20, attempts=30, processes=3)) == 20  # not 20 per process
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM lofi_cache" if existed else "DROP TABLE lofi_cache")


REDIS_URL = own_redis_database(12)
needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="needs Redis (CI_REDIS_URL or 127.0.0.1:6379), as CI runs")


@needs_redis
def test_the_redis_cache_keeps_one_client_and_still_counts_across_processes(tmp_path):
    from lofi_site.cache import ReusedClientRedisCache

    cache = ReusedClientRedisCache(REDIS_URL, {"KEY_PREFIX": "cache-test"})
    cache.clear()
    cache.set("counter", 1, 60)
    cache.incr("counter")
    assert cache.get("counter") == 2
    # The same client answers every call: building one per call was most of a cached page's time.
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.clear()

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}", "REDIS_URL": REDIS_URL}
    assert settings_with(env)["caches"]["default"]["BACKEND"] == "lofi_site.cache.ReusedClientRedisCache"
    try:
        assert sum(_hammer(env, limit=5, attempts=12, processes=2)) == 5  # not 5 per process
    finally:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


def _hammer(env: dict[str, str], *, limit: int, attempts: int, processes: int) -> list[int]:
    """Start `processes` Python processes that each try `attempts` times at once; how many each was allowed."""
    start = f"{time.time() + 3:.3f}"  # both processes are imported and waiting by then
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}  # no REDIS_URL
    started = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, start, str(limit), str(attempts)],
            cwd=settings.BASE_DIR,
            env={**clean_env, "DJANGO_SETTINGS_MODULE": "lofi_site.settings"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for process in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out)["allowed"])
    return results
