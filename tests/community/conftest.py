"""Community test fixtures: a clean cache for rate limits, the site address in links, queued tasks
recorded."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _community_settings(settings):
    settings.SITE_URL = "https://label.test"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    """Tasks community services enqueue, as (dotted path, args), instead of reaching the broker."""
    calls: list[tuple[str, tuple]] = []
    # Each module that enqueues looks the name up in its own namespace: patch it there.
    # Customer e-mails go through the outbox (operations.outbox.outbox_add), other work straight to the queue.
    for module in ("track_requests", "newsletter", "campaigns", "replies"):
        for name in ("enqueue", "outbox_add"):
            if hasattr(import_module(f"community.services.{module}"), name):
                monkeypatch.setattr(
                    f"community.services.{module}.{name}", lambda func, *args, **kw: calls.append((func, args))
                )
    monkeypatch.setattr("community.tasks.enqueue", lambda func, *args, **kw: calls.append((func, args)))
    return calls
