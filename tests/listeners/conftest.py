"""Listeners test fixtures: a clean cache (rate limits), tasks run inline when asked, signed-in clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils.module_loading import import_string

from listeners import services, session
from listeners.models import Listener


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    settings.SITE_URL = "http://shop.test"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks, monkeypatch):
    """`with run_tasks(): ...` runs what the code enqueued inside the block, inline, when the block ends."""
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: import_string(func)(*args))
    return lambda: django_capture_on_commit_callbacks(execute=True)


def signed_in_client(client, email: str) -> tuple:
    listener = services.listener_sign_in(email=email)
    s = client.session
    s[session.LISTENER_SESSION_KEY] = listener.pk
    s[session.DOWNLOADS_SESSION_KEY] = listener.email
    s.save()
    return client, listener


@pytest.fixture
def ada(client, db) -> tuple:
    return signed_in_client(client, "ada@example.com")


@pytest.fixture
def listener_factory(db):
    def make(email: str, **fields) -> Listener:
        listener = services.listener_sign_in(email=email)
        for key, value in fields.items():
            setattr(listener, key, value)
        listener.save()
        return listener

    return make
