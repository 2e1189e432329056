"""Distribution panel on the cockpit dashboard: publications due, waiting, failed; the release calendar."""

from __future__ import annotations

from django.urls import reverse

from distribution import selectors
from distribution.models import Publication
from distribution.views import calendar_url
from lofi_site.dashboard import Panel, PanelRow, panel
from lofi_site.public_links import PlatformLink, release_links


@panel(order=25)
def publications(request) -> Panel | None:
    if not request.user.has_perm("distribution.view_publication"):
        return None
    counts = selectors.publication_counts()
    url = reverse("admin:distribution_publication_changelist")
    s = Publication.Status
    rows = [
        PanelRow(
            "Going out in the next 24 h",
            counts.due_24h,
            calendar_url(view="week"),
            detail="Scheduled, pending or waiting publications.",
        ),
        PanelRow(
            "Publishing now",
            counts.publishing,
            f"{url}?status__exact={s.PUBLISHING}",
            tone="warn" if counts.publishing else "",
        ),
        PanelRow(
            "Waiting for quota",
            counts.waiting_quota,
            f"{url}?status__exact={s.WAITING_QUOTA}",
            tone="warn" if counts.waiting_quota else "",
            detail="They continue by themselves when YouTube's quota day resets.",
        ),
        PanelRow(
            "Failed",
            counts.failed,
            f"{url}?status__exact={s.FAILED}",
            tone="bad" if counts.failed else "ok",
            detail="Open them to read the error and retry.",
        ),
        PanelRow(
            "Manual uploads to do",
            counts.manual,
            f"{url}?status__exact={s.MANUAL}",
            tone="warn" if counts.manual else "",
        ),
    ]
    return Panel("Publications", rows, link_url=calendar_url(), link_text="Release calendar")


@release_links
def published_platform_links(release) -> list[PlatformLink]:
    """Where a release can be heard: its publications that are live and have a public address."""
    live = (
        Publication.objects.filter(release=release, status=Publication.Status.PUBLISHED)
        .exclude(external_url="")
        .select_related("account")
    )
    return [PlatformLink(p.account.get_platform_display(), p.external_url) for p in live]
