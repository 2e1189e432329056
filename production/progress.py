"""Live progress of render jobs for the cockpit: a small JSON document that the job list, a job's page, a batch's
page and the dashboard poll (static/cockpit/live_progress.js), with an estimate of the time left."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone

from production.models import RenderJob

FINISHED = (RenderJob.Status.SUCCEEDED, RenderJob.Status.FAILED)
MAX_IDS = 200


def seconds_left(job: RenderJob, *, now=None) -> int | None:
    """Time left from the pace so far (elapsed / progress); None while queued or before the first progress."""
    if job.status != RenderJob.Status.RUNNING or not job.started_at or not job.progress:
        return None
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    return max(0, round(elapsed * (100 - job.progress) / job.progress))


def eta_text(job: RenderJob, *, now=None) -> str:
    if job.status == RenderJob.Status.QUEUED:
        return "waiting for a worker"
    if job.is_stalled:
        return "stalled: its worker stopped; queued again within a minute"
    if job.status != RenderJob.Status.RUNNING:
        return ""
    left = seconds_left(job, now=now)
    if left is None:
        return "starting"
    minutes, seconds = divmod(left, 60)
    return f"about {minutes} min {seconds:02d} s left" if minutes else f"about {seconds} s left"


def job_state(job: RenderJob, *, now=None) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": "Stalled" if job.is_stalled else job.get_status_display(),
        "stalled": job.is_stalled,
        "progress": job.progress,
        "finished": job.status in FINISHED,
        "seconds_left": seconds_left(job, now=now),
        "eta": eta_text(job, now=now),
        "track_url": reverse("admin:catalog_track_change", args=[job.track_id]) if job.track_id else "",
    }


def render_progress_view(request):
    """GET ?ids=1,2,3 (the jobs on a page) or ?batch=<id>: {"jobs": [...], "running": n, "queued": n,
    "all_finished": bool, "seconds_left": the longest estimate or null}."""
    jobs = RenderJob.objects.all()
    if request.GET.get("batch", "").isdigit():
        jobs = jobs.filter(batch_id=int(request.GET["batch"]))
    else:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.strip().isdigit()][:MAX_IDS]
        jobs = jobs.filter(pk__in=ids)
    now = timezone.now()
    states = [job_state(job, now=now) for job in jobs.order_by("pk")[:MAX_IDS]]
    estimates = [s["seconds_left"] for s in states if s["seconds_left"] is not None]
    return JsonResponse(
        {
            "jobs": states,
            "running": sum(s["status"] == RenderJob.Status.RUNNING for s in states),
            "queued": sum(s["status"] == RenderJob.Status.QUEUED for s in states),
            "all_finished": all(s["finished"] for s in states),
            "seconds_left": max(estimates) if estimates else None,
        }
    )
