"""Production panels on the cockpit dashboard."""

from __future__ import annotations

from django.urls import reverse

from lofi_site.dashboard import Panel, PanelRow, panel
from production import selectors
from production.models import RenderJob
from production.progress import seconds_left


@panel(order=30)
def render_jobs(request) -> Panel | None:
    """What the render workers are doing now, and what failed in the last 24 hours."""
    if not request.user.has_perm("production.view_renderjob"):
        return None
    counts = selectors.render_job_counts(failed_since_hours=24)
    url = reverse("admin:production_renderjob_changelist")
    rows = [
        PanelRow(
            "Running",
            counts["running"],
            f"{url}?status__exact={RenderJob.Status.RUNNING}",
            tone="warn" if counts["running"] else "",
        ),
        PanelRow("Queued", counts["queued"], f"{url}?status__exact={RenderJob.Status.QUEUED}"),
        PanelRow(
            "Failed in the last 24 h",
            counts["failed"],
            f"{url}?status__exact={RenderJob.Status.FAILED}",
            tone="bad" if counts["failed"] else "ok",
            detail="Open the list to read the errors and retry.",
        ),
    ]
    running = list(RenderJob.objects.filter(status=RenderJob.Status.RUNNING))
    if running:
        estimates = [s for job in running if (s := seconds_left(job)) is not None]
        rows.append(
            PanelRow(
                "Time left for the running renders",
                f"about {max(estimates) // 60} min {max(estimates) % 60:02d} s" if estimates else "starting",
                f"{url}?status__exact={RenderJob.Status.RUNNING}",
                detail="From their pace so far; this panel refreshes by itself.",
            ),
        )
    add_allowed = request.user.has_perm("production.add_renderjob")  # a VA sees the numbers, not a dead link
    return Panel(
        "Render jobs",
        rows,
        link_url=reverse("admin:production_renderjob_add") if add_allowed else "",
        link_text="Render a new track" if add_allowed else "",
    )
