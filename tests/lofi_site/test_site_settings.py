"""lofi_site/settings.py read from the environment: database, queue broker, cache, storages, security, logs.

Environment-driven settings are evaluated once per process, so each case runs Python in a subprocess with
exactly the variables it names (plus PATH) and reads back what Django would use.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tests.lofi_site.settings_probe import DUMP_SETTINGS, python_with_env, settings_with

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "lofi.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://lofi.example.com",
    "SITE_URL": "https://lofi.example.com",
    "DATABASE_URL": "postgres://lofi:secret@db.internal:5432/lofi",
    "REDIS_URL": "redis://cache.internal:6379/0",
    # A shop in production takes payments (without a key, `check` warns: monetization.W001).
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
}


def test_defaults_serve_make_run_embedded():
    s = settings_with({})

    assert s["debug"] is True
    assert s["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["db"]["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert s["q"]["orm"] == "default" and "redis" not in s["q"]
    assert s["caches"]["default"]["BACKEND"] == "lofi_site.cache.SharedDatabaseCache"  # shared by every process
    assert {name: conf["BACKEND"] for name, conf in s["storages"].items() if name != "staticfiles"} == {
        "default": "django.core.files.storage.FileSystemStorage",
        "private": "django.core.files.storage.FileSystemStorage",
    }


def test_private_files_live_outside_every_served_folder():
    s = settings_with({})
    private = Path(s["private_root"])

    for served in (Path(s["media_root"]), Path(s["static_root"])):
        assert not private.is_relative_to(served) and not served.is_relative_to(private)
    assert s["storages"]["private"]["OPTIONS"]["base_url"] is None


def test_database_url_switches_to_postgresql_through_psycopg_3():
    import psycopg

    s = settings_with({"DATABASE_URL": "postgres://lofi:secret@db.internal:5433/label"})

    assert s["db"]["ENGINE"] == "django.db.backends.postgresql"
    db = s["db"]
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5433, "label", "lofi")
    assert psycopg.__version__.startswith("3.")


def test_redis_url_switches_the_queue_and_the_cache_to_redis():
    s = settings_with({"REDIS_URL": "redis://cache.internal:6379/2"})

    assert s["q"]["redis"] == "redis://cache.internal:6379/2" and "orm" not in s["q"]
    assert s["caches"]["default"]["BACKEND"] == "lofi_site.cache.ReusedClientRedisCache"


def test_queue_timeouts_are_safe_and_attempts_explicit():
    q = settings.Q_CLUSTER

    # A task still running when `retry` passes is handed to a second worker: timeout must come first.
    assert q["timeout"] < q["retry"]
    assert q["max_attempts"] >= 1


@pytest.mark.django_db
def test_without_redis_the_broker_is_the_database():
    from django_q.brokers import get_broker

    assert type(get_broker()).__name__ == "ORM"


BROKER_AND_LOG = """
import django, json, logging
django.setup()
from django_q.brokers import get_broker
logging.getLogger("catalog").warning("log line for the collector")
broker = get_broker()
print(json.dumps({"broker": type(broker).__name__}))
"""

ROUND_TRIP = """
import django, json
django.setup()
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from lofi_site.queue import enqueue
broker = get_broker()
broker.purge_queue()  # the CI database number is ours alone
enqueue("math.floor", 2.5)
payload = broker.dequeue()
task = SignedPackage.loads(payload[0][1])
print(json.dumps({"func": task["func"], "args": list(task["args"])}))
"""


def test_with_redis_url_django_q_uses_the_redis_broker_and_logs_go_to_stdout():
    result = python_with_env(BROKER_AND_LOG, {"REDIS_URL": "redis://127.0.0.1:1/0"})  # chosen, not contacted

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {"broker": "Redis"}
    assert any("WARNING catalog log line for the collector" in line for line in lines)
    assert "log line for the collector" not in result.stderr


@pytest.mark.skipif(not os.environ.get("CI_REDIS_URL"), reason="set CI_REDIS_URL to a Redis database for CI")
def test_a_task_enqueued_with_redis_reaches_the_redis_queue():
    result = python_with_env(ROUND_TRIP, {"REDIS_URL": os.environ["CI_REDIS_URL"]})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"func": "math.floor", "args": [2.5]}


def test_secret_key_is_required_when_debug_is_off():
    result = python_with_env(DUMP_SETTINGS, {"DEBUG": "0"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_check_deploy_with_production_variables_prints_no_warning():
    result = python_with_env("", PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_static_files_are_served_compressed_by_whitenoise(settings, tmp_path, client):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)

    response = client.get("/static/cockpit/cockpit.css", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert type(response).__module__.startswith("whitenoise")
