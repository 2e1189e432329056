"""Charts on the cockpit's analytics page, contributed by the apps that own the numbers.

An app adds a chart from its own `<app>/dashboard.py` (autodiscovered at start-up, like the panels):

    from lofi_site.analytics import AnalyticsChart, Period, analytics_chart

    @analytics_chart(order=30)
    def revenue_per_source(request, period: Period) -> AnalyticsChart | None:
        ...

A chart function returns None when the user may not see it (only the app knows which permission guards its
data) and draws its SVG with lofi_site.charts. The page (admin:community_analytics) shows every chart the viewer
may see for the period they chose. This is what keeps each app's data in that app: the page never reads another
app's models, so community shows revenue without depending on monetization (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.http import HttpRequest
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Period:
    """The days a chart covers: the last `days` days up to and including `today`."""

    days: int
    today: date

    @property
    def start(self) -> date:
        """First day of the period (inclusive)."""
        return self.today - timedelta(days=self.days - 1)

    @property
    def end(self) -> date:
        """The day after the period (exclusive), for `start <= day < end` filters."""
        return self.today + timedelta(days=1)


@dataclass(frozen=True)
class AnalyticsChart:
    title: str
    svg: SafeString  # already-escaped markup from lofi_site.charts
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, value) table under the chart
    help_text: str = ""


ChartFunc = Callable[[HttpRequest, Period], AnalyticsChart | None]
_CHARTS: list[tuple[int, str, ChartFunc]] = []


def analytics_chart(*, order: int) -> Callable[[ChartFunc], ChartFunc]:
    def register(func: ChartFunc) -> ChartFunc:
        key = f"{func.__module__}.{func.__qualname__}"
        if all(existing != key for _, existing, _ in _CHARTS):  # re-imports must not double a chart
            _CHARTS.append((order, key, func))
            _CHARTS.sort(key=lambda item: (item[0], item[1]))
        return func

    return register


def analytics_charts_for(request: HttpRequest, period: Period) -> list[AnalyticsChart]:
    """Every registered chart the user may see, in order."""
    return [chart for _, _, func in _CHARTS if (chart := func(request, period)) is not None]
