"""What the analytics page and the dashboard panel show: charts drawn as SVG on the server (lofi_site.charts),
checked against the viewer's permissions.

The page gathers its charts from every app (lofi_site.analytics): community contributes views per release and
top tracks (registered in community/dashboard.py); revenue per source comes from monetization, which owns the
ledger and decides who may see it. The best upload times and superfans below the charts are community's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from community import selectors
from lofi_site import charts
from lofi_site.analytics import AnalyticsChart, Period, analytics_charts_for

PERIODS_DAYS = (30, 90, 365)
DEFAULT_DAYS = 90
STATS_PERMISSION = "community.view_videostatssnapshot"


@dataclass
class Analytics:
    period: Period
    charts: list[AnalyticsChart]
    upload_slots: list = field(default_factory=list)
    upload_history_videos: int = 0
    summary: dict = field(default_factory=dict)

    @property
    def days(self) -> int:
        return self.period.days


def period_for(days) -> Period:
    """The period the page was asked for; anything but the offered choices falls back to 90 days."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = DEFAULT_DAYS
    return Period(days=days if days in PERIODS_DAYS else DEFAULT_DAYS, today=timezone.localdate())


def views_chart(user, period: Period) -> AnalyticsChart | None:
    if not user.has_perm(STATS_PERMISSION):
        return None
    # Every string inside the SVG is escaped by lofi_site.charts, so the markup is safe to inline.
    svg = charts.line_chart(
        selectors.views_per_release(days=period.days, today=period.today),
        title=f"Views per release, last {period.days} days",
        empty_text="No statistics yet: the daily snapshot fills this once videos are published.",
    )
    return AnalyticsChart(title="Views per release", svg=mark_safe(svg))


def top_tracks_chart(user, period: Period) -> AnalyticsChart | None:
    if not user.has_perm(STATS_PERMISSION):
        return None
    svg = charts.bar_chart(
        selectors.top_tracks(),
        title="Top tracks by views",
        empty_text="No statistics yet: the daily snapshot fills this once videos are published.",
    )
    return AnalyticsChart(
        title="Top tracks",
        svg=mark_safe(svg),
        help_text="Latest views of the YouTube videos each track is on (a compilation's views count for each "
        "of its tracks).",
    )


def analytics_for(request: HttpRequest, *, days=DEFAULT_DAYS) -> Analytics | None:
    """Everything the analytics page draws, or None when the user may not see statistics at all."""
    if not request.user.has_perm(STATS_PERMISSION):
        return None
    period = period_for(days)
    slots, history = selectors.upload_suggestions(today=period.today)
    return Analytics(
        period=period,
        charts=analytics_charts_for(request, period),
        upload_slots=slots,
        upload_history_videos=history,
        summary=selectors.stats_summary(),
    )


def dashboard_chart(user) -> SafeString | None:
    """A compact views chart (30 days) for the dashboard panel."""
    if not user.has_perm(STATS_PERMISSION):
        return None
    series = selectors.views_per_release(days=30, limit=4)
    return mark_safe(charts.line_chart(series, title="Views per release, last 30 days", width=420, height=200))
