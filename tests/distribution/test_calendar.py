"""The release calendar (month and week views, per-platform filter) and the dashboard's publications panel."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Release
from distribution.models import Platform, Publication
from distribution.release_calendar import period_for
from tests.distribution.factories import PlatformAccountFactory, PublicationFactory
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def december(db):
    youtube = PlatformAccountFactory(name="Main channel", platform=Platform.YOUTUBE)
    store = PlatformAccountFactory(name="DistroKid", platform=Platform.DISTROKID)
    rain = PublicationFactory(
        release=ReleaseFactory(title="Rain Tapes"), account=youtube, scheduled_at=_at(date(2026, 12, 9), 16)
    )
    PublicationFactory(
        release=rain.release,
        account=store,
        status=Publication.Status.MANUAL,
        scheduled_at=_at(date(2026, 12, 9), 16),
    )
    PublicationFactory(
        release=ReleaseFactory(title="Snow Tapes"),
        account=youtube,
        status=Publication.Status.FAILED,
        scheduled_at=_at(date(2026, 12, 22), 9),
    )
    ReleaseFactory(title="Dated Only", release_date=date(2026, 12, 15), status=Release.Status.READY)
    return rain


def _cells(response) -> dict[date, list]:
    return {day.day: day.items for week in response.context["weeks"] for day in week}


def test_the_month_view_shows_what_goes_out_on_each_day(client, editor, december):
    client.force_login(editor)

    response = client.get(reverse("admin:distribution_publication_calendar"), {"date": "2026-12-01"})

    assert response.status_code == 200
    cells = _cells(response)
    assert [(i.title, i.time_text) for i in cells[date(2026, 12, 9)]] == [("Rain Tapes", "16:00")] * 2
    assert {i.detail for i in cells[date(2026, 12, 9)]} == {
        "YouTube · Scheduled",
        "DistroKid · Manual upload",
    }
    assert cells[date(2026, 12, 22)][0].tone == "bad"
    assert [(i.title, i.planned) for i in cells[date(2026, 12, 15)]] == [("Dated Only", True)]
    body = response.content.decode()
    assert "December 2026" in body and "Rain Tapes" in body
    assert reverse("admin:distribution_publication_change", args=[december.pk]) in body
    assert min(cells) == date(2026, 11, 30) and max(cells) == date(2027, 1, 3)  # whole Monday-Sunday weeks


def test_the_week_view_and_the_platform_filter(client, editor, december):
    client.force_login(editor)
    url = reverse("admin:distribution_publication_calendar")

    week = client.get(url, {"view": "week", "date": "2026-12-10"})
    stores = client.get(url, {"date": "2026-12-10", "platform": Platform.DISTROKID})

    assert sorted(_cells(week)) == [date(2026, 12, d) for d in range(7, 14)]
    assert len(_cells(week)[date(2026, 12, 9)]) == 2 and "Week of 07 Dec 2026" in week.content.decode()
    store_items = [i for items in _cells(stores).values() for i in items]
    assert [i.detail for i in store_items] == ["DistroKid · Manual upload"]  # no YouTube, no undated plans


def test_periods_cover_whole_weeks():
    month = period_for("month", date(2026, 2, 14))
    assert (month.first_day, month.last_day) == (date(2026, 1, 26), date(2026, 3, 1))
    assert (month.previous, month.following) == (date(2026, 1, 1), date(2026, 3, 1))


def test_the_dashboard_panel_counts_failed_and_links_the_calendar(client, va, december):
    client.force_login(va)

    panels = {p.title: p for p in client.get("/admin/").context["panels"]}

    panel = panels["Publications"]
    rows = {row.label: row for row in panel.rows}
    assert rows["Failed"].value == 1 and rows["Failed"].tone == "bad"
    assert rows["Manual uploads to do"].value == 1
    assert panel.link_url.startswith(reverse("admin:distribution_publication_calendar"))
    assert client.get(panel.link_url).status_code == 200


def test_without_view_permission_there_is_no_panel_and_no_calendar(client, finance):
    client.force_login(finance)

    assert "Publications" not in {p.title for p in client.get("/admin/").context["panels"]}
    assert client.get(reverse("admin:distribution_publication_calendar")).status_code == 403
