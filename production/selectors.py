"""Production reads shared by the cockpit, the dashboard and the CLI."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from production.models import Batch, RenderJob


def render_job_list() -> QuerySet[RenderJob]:
    return RenderJob.objects.select_related("track", "batch", "artist")


def batch_list() -> QuerySet[Batch]:
    """Batches with their job counts per status and mean progress (annotations named job_*)."""
    statuses = RenderJob.Status
    return Batch.objects.select_related("artist", "created_by").annotate(
        job_count=Count("jobs"),
        job_queued=Count("jobs", filter=Q(jobs__status=statuses.QUEUED)),
        job_running=Count("jobs", filter=Q(jobs__status=statuses.RUNNING)),
        job_succeeded=Count("jobs", filter=Q(jobs__status=statuses.SUCCEEDED)),
        job_failed=Count("jobs", filter=Q(jobs__status=statuses.FAILED)),
        job_progress=Avg("jobs__progress"),
    )


def render_job_counts(*, failed_since_hours: int = 24) -> dict[str, int]:
    """How many jobs run and wait now, and how many failed recently: one query."""
    since = timezone.now() - timedelta(hours=failed_since_hours)
    statuses = RenderJob.Status
    return RenderJob.objects.aggregate(
        running=Count("id", filter=Q(status=statuses.RUNNING)),
        queued=Count("id", filter=Q(status=statuses.QUEUED)),
        failed=Count("id", filter=Q(status=statuses.FAILED, finished_at__gte=since)),
    )
