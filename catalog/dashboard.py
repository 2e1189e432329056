"""Catalogue panels on the cockpit dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from catalog.models import Release, Track
from lofi_site.dashboard import Panel, PanelRow, panel


@panel(order=10)
def tracks_by_status(request) -> Panel | None:
    if not request.user.has_perm("catalog.view_track"):
        return None
    counts = dict(Track.objects.values_list("status").annotate(n=Count("id")))
    url = reverse("admin:catalog_track_changelist")
    rows = [
        PanelRow(label, counts.get(value, 0), f"{url}?status__exact={value}") for value, label in Track.Status.choices
    ]
    return Panel("Tracks by status", rows)


@panel(order=20)
def releases_due(request) -> Panel | None:
    if not request.user.has_perm("catalog.view_release"):
        return None
    today = timezone.localdate()
    due = (
        Release.objects.filter(release_date__range=(today, today + timedelta(days=7)))
        .exclude(status__in=[Release.Status.PUBLISHED, Release.Status.WITHDRAWN])
        .select_related("artist")
        .order_by("release_date")[:20]
    )
    rows = [
        PanelRow(
            f"{r.title} — {r.artist.name}",
            r.release_date.strftime("%a %d %b"),
            reverse("admin:catalog_release_change", args=[r.pk]),
            tone="ok" if r.status == Release.Status.SCHEDULED else "warn",
            detail=r.get_status_display(),
        )
        for r in due
    ]
    return Panel("Releases due in the next 7 days", rows, empty_text="Nothing due this week.")


@panel(order=40)
def qc_failures(request) -> Panel | None:
    if not request.user.has_perm("catalog.view_track"):
        return None
    failed = Track.objects.filter(qc_passed=False).exclude(status=Track.Status.ARCHIVED).order_by("-created_at")
    rows = [
        PanelRow(
            t.title,
            "; ".join(t.qc_report.get("failures", []))[:80] or "failed",
            reverse("admin:catalog_track_change", args=[t.pk]),
            tone="bad",
        )
        for t in failed[:10]
    ]
    return Panel(
        "QC failures",
        rows,
        empty_text="No track is failing QC.",
        link_url=reverse("admin:catalog_track_changelist") + "?qc_passed__exact=0",
        link_text=f"All {failed.count()} failing tracks",
    )
