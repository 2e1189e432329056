"""lofi_site.queue.enqueue: a task reaches the broker only once the surrounding transaction has committed."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from lofi_site.queue import enqueue

# Real transactions (not the test-case wrapper), so commit and rollback happen as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _queued() -> list[dict]:
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]


def test_inside_a_transaction_nothing_is_queued_until_commit():
    with transaction.atomic():
        enqueue("math.floor", 2.5, group="demo")
        assert _queued() == []  # a worker must not see a task whose rows are not committed yet

    tasks = _queued()
    assert [(t["func"], t["args"], t["group"]) for t in tasks] == [("math.floor", (2.5,), "demo")]


def test_a_rolled_back_transaction_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("math.floor", 2.5)
        raise RuntimeError("the service failed after asking for background work")

    assert _queued() == []


def test_a_nested_savepoint_waits_for_the_outer_commit():
    with transaction.atomic():
        with transaction.atomic():
            enqueue("math.floor", 1.5)
        assert _queued() == []

    assert len(_queued()) == 1


def test_outside_a_transaction_the_task_is_queued_at_once():
    enqueue("math.floor", 3.5)

    assert [t["args"] for t in _queued()] == [(3.5,)]
