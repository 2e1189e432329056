"""The release calendar: which days a month or week view covers, and what goes out on each day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from catalog.models import Release
from distribution.models import Publication

VIEWS = ("month", "week")
STATUS_TONES = {
    Publication.Status.PUBLISHED: "ok",
    Publication.Status.FAILED: "bad",
    Publication.Status.WAITING_QUOTA: "warn",
    Publication.Status.PUBLISHING: "warn",
    Publication.Status.MANUAL: "warn",
}


@dataclass(frozen=True)
class CalendarItem:
    title: str
    detail: str
    url: str
    tone: str = ""
    time_text: str = ""
    planned: bool = False  # a dated release with no publication yet


@dataclass
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    items: list[CalendarItem] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    view: str
    first_day: date  # first day shown (a Monday)
    last_day: date  # last day shown (a Sunday)
    title: str
    previous: date
    following: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the shown days as aware datetimes in the site's time zone."""
        start = timezone.make_aware(datetime.combine(self.first_day, time.min))
        end = timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))
        return start, end


def period_for(view: str, anchor: date) -> Period:
    """The days a view of `anchor` shows: whole Monday-to-Sunday weeks of its month, or its week."""
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        sunday = monday + timedelta(days=6)
        return Period(
            "week",
            monday,
            sunday,
            f"Week of {monday:%d %b %Y}",
            monday - timedelta(days=7),
            monday + timedelta(days=7),
        )
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(anchor.year, anchor.month)
    first_of_month = anchor.replace(day=1)
    previous = (first_of_month - timedelta(days=1)).replace(day=1)
    following = (first_of_month + timedelta(days=32)).replace(day=1)
    return Period("month", weeks[0][0], weeks[-1][-1], f"{first_of_month:%B %Y}", previous, following)


def publication_item(publication: Publication) -> CalendarItem:
    return CalendarItem(
        title=publication.release.title,
        detail=f"{publication.account.get_platform_display()} · {publication.status_text}",
        url=reverse("admin:distribution_publication_change", args=[publication.pk]),
        tone=STATUS_TONES.get(publication.status, ""),
        time_text=f"{timezone.localtime(publication.scheduled_at):%H:%M}",
    )


def planned_item(release: Release) -> CalendarItem:
    return CalendarItem(
        title=release.title,
        detail=f"{release.artist.name} · {release.get_status_display()}, not scheduled",
        url=reverse("admin:catalog_release_change", args=[release.pk]),
        planned=True,
    )


def calendar_weeks(
    period: Period, publications: list[Publication], planned: list[Release], *, anchor: date, today: date
) -> list[list[CalendarDay]]:
    """The shown days in weeks, each with its items: publications by local going-public time, then
    releases that carry a date but no publication."""
    days: dict[date, CalendarDay] = {}
    weeks: list[list[CalendarDay]] = []
    day = period.first_day
    while day <= period.last_day:
        week = []
        for _ in range(7):
            in_period = period.view == "week" or day.month == anchor.month
            days[day] = CalendarDay(day, in_period, day == today)
            week.append(days[day])
            day += timedelta(days=1)
        weeks.append(week)
    for publication in publications:
        local_day = timezone.localtime(publication.scheduled_at).date()
        if local_day in days:
            days[local_day].items.append(publication_item(publication))
    for release in planned:
        if release.release_date in days:
            days[release.release_date].items.append(planned_item(release))
    return weeks
