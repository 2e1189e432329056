"""Sales test fixtures: Stripe settings, a local Stripe API server, a clean cache for rate limits."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils.module_loading import import_string

from tests.monetization.factories import STRIPE_KEY, WEBHOOK_SECRET
from tests.monetization.stripe_stub import StripeStub


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: a test that forgets the stub fails loudly
    settings.SITE_URL = "http://shop.test"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def stripe_stub(settings):
    with StripeStub() as stub:
        settings.STRIPE_API_BASE = stub.base_url
        yield stub


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks, monkeypatch):
    """`with run_tasks(): ...` runs what the code enqueued inside the block, inline, when the block ends: as
    the worker would after the commit."""
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: import_string(func)(*args))
    return lambda: django_capture_on_commit_callbacks(execute=True)
