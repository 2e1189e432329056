"""What the analytics page and the dashboard panel show: charts drawn as SVG on the server, checked against
the viewer's permissions (views for whoever may see statistics; revenue only for who may see the ledger)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from community import charts, selectors

PERIODS_DAYS = (30, 90, 365)
STATS_PERMISSION = "community.view_videostatssnapshot"
REVENUE_PERMISSION = "monetization.view_ledgerentry"
_ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "isk", "huf"}


def money_text(amount_minor: float, currency: str) -> str:
    """1234 usd -> "12.34 USD"; zero-decimal currencies (JPY...) have no minor unit."""
    if currency.lower() in _ZERO_DECIMAL:
        return f"{amount_minor:,.0f} {currency.upper()}"
    return f"{amount_minor / 100:,.2f} {currency.upper()}"


@dataclass
class Analytics:
    days: int
    views_chart: SafeString
    top_tracks_chart: SafeString
    revenue_chart: SafeString | None  # None: the viewer may not see revenue (or no ledger is installed)
    revenue_lines: list = field(default_factory=list)
    upload_slots: list = field(default_factory=list)
    upload_history_videos: int = 0
    summary: dict = field(default_factory=dict)


def analytics_for(user, *, days: int = 90) -> Analytics | None:
    """Everything the analytics page draws, or None when `user` may not see statistics at all."""
    if not user.has_perm(STATS_PERMISSION):
        return None
    days = days if days in PERIODS_DAYS else 90
    today = timezone.localdate()
    # Every string inside the SVG is escaped by community.charts, so the markup is safe to inline.
    views = mark_safe(
        charts.line_chart(
            selectors.views_per_release(days=days, today=today),
            title=f"Views per release, last {days} days",
            empty_text="No statistics yet: the daily snapshot fills this once videos are published.",
        )
    )
    top = mark_safe(charts.bar_chart(selectors.top_tracks(), title="Top tracks by views"))
    revenue_chart, revenue_lines = None, []
    if user.has_perm(REVENUE_PERMISSION):
        lines = selectors.revenue_by_source(
            start=today - timedelta(days=days - 1), end=today + timedelta(days=1)
        )
        if lines is not None:
            revenue_lines = lines
            # Mixed currencies are not added up: one bar per source and currency, each in its own unit.
            revenue_chart = mark_safe(
                charts.bar_chart(
                    [(f"{line.source} ({line.currency.upper()})", line.amount_minor / 100) for line in lines],
                    title=f"Revenue per source, last {days} days",
                    value_format=lambda v: f"{v:,.2f}",
                    empty_text="No revenue booked in this period.",
                )
            )
    slots, history = selectors.upload_suggestions(today=today)
    return Analytics(
        days=days,
        views_chart=views,
        top_tracks_chart=top,
        revenue_chart=revenue_chart,
        revenue_lines=revenue_lines,
        upload_slots=slots,
        upload_history_videos=history,
        summary=selectors.stats_summary(),
    )


def dashboard_chart(user) -> SafeString | None:
    """A compact views chart (30 days) for the dashboard panel."""
    if not user.has_perm(STATS_PERMISSION):
        return None
    series = selectors.views_per_release(days=30, limit=4)
    return mark_safe(
        charts.line_chart(series, title="Views per release, last 30 days", width=420, height=200)
    )
