"""/healthz: a cheap public liveness answer for anyone; for staff or HEALTHZ_TOKEN the detailed check of the
database, both storages and the broker: 200 when all work, 503 when one fails."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages

from lofi_site import health

pytestmark = pytest.mark.django_db

TOKEN = "healthz-token-for-tests"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.HEALTHZ_TOKEN = TOKEN


def detailed(client):
    return client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})


def test_a_working_platform_answers_200_with_every_check_green(client, settings):
    response = detailed(client)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "storage": True,
        "broker": True,
    }
    assert "no-cache" in response["Cache-Control"]


def test_the_storage_probe_leaves_no_file_behind(client):
    detailed(client)

    for alias in ("default", "private"):
        _dirs, files = storages[alias].listdir(health.PROBE_DIR)
        assert files == []


def test_an_unwritable_private_storage_answers_503_and_names_it(client, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the storage expects a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocked}},
    }

    response = detailed(client)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert str(tmp_path) not in response.content.decode()  # paths and hosts go to the log, not the public page


def test_an_unreachable_redis_broker_answers_503(client, monkeypatch):
    from django_q.brokers.redis_broker import Redis

    # A real Redis broker on a port nothing listens on: the ping fails as it would in production.
    monkeypatch.setattr(health, "get_broker", lambda: Redis(list_key="healthz-test"))
    monkeypatch.setattr(Redis, "get_connection", staticmethod(_dead_redis_connection))

    response = detailed(client)

    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert (broker["ok"], broker["error"]) == (False, "ConnectionError")


def _dead_redis_connection(list_key=None):
    import redis

    return redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)


def test_anonymous_callers_get_a_cheap_answer_that_writes_nothing_and_names_no_software(client, monkeypatch):
    def must_not_run():
        raise AssertionError("the public answer must not touch storages or the broker")

    monkeypatch.setattr(health, "CHECKS", {"storage": must_not_run, "broker": must_not_run})

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_wrong_token_gets_only_the_public_answer(client):
    response = client.get("/healthz", headers={"Authorization": "Bearer not-the-token"})

    assert response.json() == {"status": "ok"}


def test_staff_see_the_detailed_check(client, va):
    client.force_login(va)

    assert set(client.get("/healthz").json()["checks"]) == {"database", "storage", "broker"}


def test_the_public_answer_is_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(health, "check_database", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "failing"}


def test_plain_http_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/licences/").status_code == 301  # everything else still goes to HTTPS
