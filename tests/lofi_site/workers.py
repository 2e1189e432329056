"""Real django-q2 worker clusters for tests: `manage.py qcluster` processes on the test database.

The clusters are separate processes, so they need a database other processes can open: PostgreSQL, as CI runs
(the SQLite test database is in memory). Tests using them are transactional, so rows they write are visible.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="worker clusters are separate processes: they need PostgreSQL (DATABASE_URL), as CI runs; "
    "the SQLite test database lives in this process's memory",
)


def tests_database_url() -> str:
    """DATABASE_URL of the database this test runs on (pytest-django's test_<name>)."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def cluster_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": tests_database_url(),
            "REDIS_URL": "",
            "Q_SYNC": "0",
            "Q_WORKERS": "1",
            "Q_BULK_WORKERS": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(overrides)
    return env


@contextmanager
def running_cluster(
    env: dict[str, str], *, name: str | None = None, log: Path | None = None, stop_signal: int = signal.SIGTERM
):
    """A `manage.py qcluster` (of the named cluster: None = interactive, "bulk") running until the block ends."""
    run_env = dict(env)
    if name:
        run_env["Q_CLUSTER_NAME"] = name
    output = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        cwd=ROOT,
        env=run_env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop(process, stop_signal)
        if log:
            output.close()


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(
    condition: Callable[[], object],
    *,
    timeout_s: float,
    interval_s: float = 0.25,
    explain: Callable[[], str] = lambda: "",
) -> float:
    """Seconds until `condition()` was true; fails the test after `timeout_s`, saying `explain()`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(interval_s)
    raise AssertionError(f"not true within {timeout_s} s. {explain()}")
