"""The one way to start background work: after the surrounding transaction commits.

A task enqueued inside an open transaction can run before the rows it reads are visible, or for rows
that are then rolled back (Zulip calls that path `_rollback_unsafe`). `transaction.on_commit` runs the
enqueue immediately when no transaction is open, so callers never need to care which case they are in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task


def enqueue(func: str, *args, group: str | None = None, bulk: bool = False, robust: bool = False, **kwargs) -> None:
    """Queue `func` (a dotted path to a task function) with plain arguments once the data is committed.

    `bulk=True` sends it to the bulk cluster's queue (settings.Q_BULK_CLUSTER): work nobody is waiting for,
    which must never hold up interactive tasks such as e-mail or a single render.
    """
    options: dict = {"group": group} if group else {}
    if bulk:
        options["cluster"] = settings.Q_BULK_CLUSTER
    # django-q reads Q_CLUSTER["sync"] once at import; honour the live setting so tests can run tasks inline.
    if settings.Q_CLUSTER.get("sync"):
        options["sync"] = True
    # robust: an enqueue that fails after the commit is logged, not raised (for callers whose work is recorded
    # in the database and swept up later, such as the mail outbox).
    transaction.on_commit(lambda: async_task(func, *args, **options, **kwargs), robust=robust)
