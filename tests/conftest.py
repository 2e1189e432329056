"""Shared fixtures: isolated storages per test, one user per staff role, and the tasks a test enqueues."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group

from lofi_site.roles import EDITOR, FINANCE, VA


def pytest_configure(config):
    # Several xdist workers would compile librosa's numba kernels at once, and numba's on-disk cache has a race
    # that leaves a crashing pair of files (see monetization.engine.packs_audio.warm_numba_cache): compile them
    # here, in the one controlling process, before the workers start.
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", default=None):
        from monetization.engine.packs_audio import warm_numba_cache

        warm_numba_cache()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The real hasher costs most of a second per user; tests check roles, not password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test counts rate limits and throttles in a memory cache of its own. The site's default (a database
    table shared by every process) is exercised with real processes in tests/lofi_site/test_site_cache.py."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Tests read pages right after writing rows (often with queryset.update(), which announces nothing): the
    shared page cache is off unless a test turns it on (tests/lofi_site/test_site_pagecache.py does)."""
    settings.PUBLIC_PAGE_CACHE_S = 0


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Every test writes public and private files into its own temporary folders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def _staff_user(django_user_model, username: str, group: str | None):
    user = django_user_model.objects.create_user(
        username=username, password="pw-for-tests-only", email=f"{username}@example.com", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _staff_user(django_user_model, "editor", EDITOR)


@pytest.fixture
def va(db, django_user_model):
    return _staff_user(django_user_model, "va", VA)


@pytest.fixture
def finance(db, django_user_model):
    return _staff_user(django_user_model, "finance", FINANCE)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")


@pytest.fixture
def queued_tasks(monkeypatch) -> list[tuple]:
    """Tasks the code under test enqueues, as (dotted path, *args), instead of reaching the broker.

    Everything enqueues through lofi_site/queue.py, so this patches that one seam: the broker call records, and the
    after-commit wait is skipped (a test's transaction never commits). Commit and rollback themselves are
    tested in tests/lofi_site/test_site_queue.py with real transactions."""
    calls: list[tuple] = []

    class _Immediately:
        @staticmethod
        def on_commit(callback, robust=False):
            callback()

    monkeypatch.setattr("lofi_site.queue.transaction", _Immediately)
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: calls.append((func, *args)))
    return calls
