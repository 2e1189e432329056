"""Community test fixtures: a clean cache for rate limits and the site address in links. Queued tasks are
recorded by the shared `queued_tasks` fixture (tests/conftest.py); customer e-mails reach the queue through the
outbox (operations.outbox) as its delivery task."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _community_settings(settings):
    settings.SITE_URL = "https://label.test"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()
