"""Community's contributions to the cockpit: dashboard panels (the comment inbox, the YouTube numbers) and the
charts it adds to the analytics page (views per release, top tracks)."""

from __future__ import annotations

from django.urls import reverse

from community import cockpit, selectors
from community.models import Comment
from lofi_site.analytics import AnalyticsChart, Period, analytics_chart
from lofi_site.dashboard import Panel, PanelRow, panel


@panel(order=40)
def community_inbox(request) -> Panel | None:
    if not request.user.has_perm("community.view_comment"):
        return None
    counts = selectors.inbox_counts()
    comments = reverse("admin:community_comment_changelist")
    rows = [
        PanelRow(
            "Comments to triage",
            counts[Comment.Status.NEW],
            f"{comments}?status__exact=new",
            tone="warn" if counts[Comment.Status.NEW] else "",
        ),
        PanelRow("Waiting for a reply", counts[Comment.Status.NEEDS_REPLY], f"{comments}?status__exact=needs_reply"),
        PanelRow(
            "Escalated to an editor",
            counts[Comment.Status.ESCALATED],
            f"{comments}?status__exact=escalated",
            tone="bad" if counts[Comment.Status.ESCALATED] else "",
        ),
        PanelRow(
            "Replies waiting for approval",
            counts["replies_to_approve"],
            reverse("admin:community_reply_changelist") + "?status__exact=draft",
            tone="warn" if counts["replies_to_approve"] else "",
        ),
    ]
    if counts["replies_failed"]:
        rows.append(
            PanelRow(
                "Replies that failed to post",
                counts["replies_failed"],
                reverse("admin:community_reply_changelist") + "?status__exact=failed",
                tone="bad",
            )
        )
    if request.user.has_perm("community.view_trackrequest"):
        rows.append(
            PanelRow(
                "New track requests",
                counts["requests_new"],
                reverse("admin:community_trackrequest_changelist") + "?status__exact=new",
            )
        )
    if request.user.has_perm("community.view_socialpost"):
        rows.append(
            PanelRow(
                "Social posts due within a day",
                counts["social_due"],
                reverse("admin:community_socialpost_changelist") + "?status__exact=scheduled",
                tone="warn" if counts["social_due"] else "",
            )
        )
    rows.append(
        PanelRow(
            "Superfans",
            counts["superfans"],
            reverse("admin:community_commenter_changelist") + "?is_superfan__exact=1",
            detail="Repeat positive commenters across videos",
        )
    )
    return Panel("Community", rows, link_url=comments, link_text="Comment inbox")


@panel(order=41)
def youtube_numbers(request) -> Panel | None:
    chart = cockpit.dashboard_chart(request.user)
    if chart is None:
        return None
    summary = selectors.stats_summary()
    rows = []
    if summary["videos"]:
        rows = [
            PanelRow("Videos tracked", summary["videos"], detail=f"Snapshot of {summary['day']:%d %b %Y}"),
            PanelRow("Total views", f"{summary['views']:,}"),
        ]
    return Panel(
        "YouTube views",
        rows,
        html=chart,
        link_url=reverse("admin:community_analytics"),
        link_text="Analytics",
    )


@analytics_chart(order=10)
def views_per_release(request, period: Period) -> AnalyticsChart | None:
    return cockpit.views_chart(request.user, period)


@analytics_chart(order=20)
def top_tracks(request, period: Period) -> AnalyticsChart | None:
    return cockpit.top_tracks_chart(request.user, period)
