"""django-q2 entry points for operations. Thin: they call one service."""

from __future__ import annotations

from django.utils import timezone

from operations.services import weekly_checklists_ensure


def weekly_checklists_ensure_task() -> None:
    """Scheduled daily (see migrations/0004): makes sure this week's checklists exist. Safe to run twice."""
    weekly_checklists_ensure(week_start=timezone.localdate())
