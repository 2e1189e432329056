"""django-q2 entry points. Thin: load by id, call one service."""

from __future__ import annotations

from production import services
from production.models import RenderJob


def render_job_run_task(job_id: int) -> None:
    """Render one job. A redelivery, or a job retried or deleted meanwhile, returns without doing anything."""
    job = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).first()
    if job is None:
        return
    services.render_job_run(job=job)
