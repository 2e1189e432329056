"""The one way to start background work: after the surrounding transaction commits.

A task enqueued inside an open transaction can run before the rows it reads are visible, or for rows
that are then rolled back (Zulip calls that path `_rollback_unsafe`). `transaction.on_commit` runs the
enqueue immediately when no transaction is open, so callers never need to care which case they are in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task


def enqueue(func: str, *args, group: str | None = None, **kwargs) -> None:
    """Queue `func` (a dotted path to a task function) with plain arguments once the data is committed."""
    options = {"group": group} if group else {}
    # django-q reads Q_CLUSTER["sync"] once at import; honour the live setting so tests can run tasks inline.
    if settings.Q_CLUSTER.get("sync"):
        options["sync"] = True
    transaction.on_commit(lambda: async_task(func, *args, **options, **kwargs))
