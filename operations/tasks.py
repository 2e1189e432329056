"""django-q2 entry points for operations. Thin: they call one service."""

from __future__ import annotations

from django.utils import timezone

from operations.outbox import outbox_deliver, outbox_sweep
from operations.services import weekly_checklists_ensure


def weekly_checklists_ensure_task() -> None:
    """Scheduled daily (see migrations/0004): makes sure this week's checklists exist. Safe to run twice."""
    weekly_checklists_ensure(week_start=timezone.localdate())


def outbox_deliver_task(message_id: int) -> None:
    """Queued after the commit that wrote the outbox row. A redelivery finds the row claimed or sent."""
    outbox_deliver(message_id=message_id)


def outbox_sweep_task() -> None:
    """Scheduled every minute: deliver outbox rows the worker never got (broker down) or that failed."""
    outbox_sweep()
