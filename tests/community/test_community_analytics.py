"""Video statistics snapshots (videos.list through HttpMockSequence), the analytics page and its permissions,
best upload times, the schedules and the dashboard panels."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from community import services, tasks
from community.models import VideoStatsSnapshot
from tests.community.factories import PublishedVideoFactory, VideoStatsSnapshotFactory
from tests.community.youtube_fixtures import youtube_http
from tests.factories import ReleaseTrackFactory
from tests.monetization.factories import LedgerEntryFactory

pytestmark = pytest.mark.django_db


def _stats(*items: tuple[str, int]) -> dict:
    return {
        "items": [
            {"id": vid, "statistics": {"viewCount": str(views), "likeCount": "7", "commentCount": "2"}}
            for vid, views in items
        ]
    }


def test_the_daily_snapshot_stores_each_videos_counters_once_per_day():
    a, b = PublishedVideoFactory(), PublishedVideoFactory()
    day = timezone.localdate()
    http = youtube_http(_stats((a.external_id, 120), (b.external_id, 45)))

    assert services.video_stats_snapshot_take(day=day, http=http) == 2

    query = parse_qs(urlparse(http.request_sequence[0][0]).query)
    assert query["part"] == ["statistics"] and set(query["id"][0].split(",")) == {
        a.external_id,
        b.external_id,
    }
    services.video_stats_snapshot_take(day=day, http=youtube_http(_stats((a.external_id, 130), (b.external_id, 45))))
    assert VideoStatsSnapshot.objects.count() == 2  # taken again the same day: updated, not doubled
    assert VideoStatsSnapshot.objects.get(publication=a).views == 130


def test_a_video_missing_from_the_answer_gets_no_false_zero():
    a, _gone = PublishedVideoFactory(), PublishedVideoFactory()

    services.video_stats_snapshot_take(http=youtube_http(_stats((a.external_id, 10))))

    assert list(VideoStatsSnapshot.objects.values_list("publication", flat=True)) == [a.pk]


@pytest.fixture
def history():
    video = PublishedVideoFactory(release__title="Rain Tapes")
    ReleaseTrackFactory(release=video.release, position=1, track__title="Window Drops")
    for days_ago, views in ((2, 100), (1, 250), (0, 400)):
        VideoStatsSnapshotFactory(publication=video, day=timezone.localdate() - timedelta(days=days_ago), views=views)
    LedgerEntryFactory(source="youtube", kind="royalty", amount_minor=4200, currency="usd", track=None)
    return video


def _chart_titles(page: str) -> list[str]:
    """The headings of the analytics page's charts (each chart is a section headed by its title)."""
    return re.findall(r'<h2 id="chart-\d+">([^<]+)</h2>', page)


def test_finance_sees_views_top_tracks_and_revenue_charts(client, finance, history):
    client.force_login(finance)

    response = client.get(reverse("admin:community_analytics"))

    page = response.content.decode()
    assert response.status_code == 200
    assert {"Views per release", "Top tracks", "Revenue per source"} <= set(_chart_titles(page))
    assert page.count('class="cockpit-chart"') == len(_chart_titles(page))  # each one drawn
    assert "Rain Tapes" in page and "Window Drops" in page
    assert "Revenue per source" in page and "$42.00" in page  # drawn by monetization, which owns the ledger


def test_revenue_per_source_covers_the_chosen_period_and_never_adds_currencies(client, finance):
    today = timezone.localdate()
    LedgerEntryFactory(source="storefront", amount_minor=1900, currency="usd", booked_on=today)
    LedgerEntryFactory(source="storefront", amount_minor=-400, currency="usd", kind="refund", booked_on=today)
    LedgerEntryFactory(source="storefront", amount_minor=1500, currency="eur", booked_on=today - timedelta(days=10))
    LedgerEntryFactory(
        source="youtube", kind="royalty", amount_minor=99900, currency="usd", booked_on=today - timedelta(days=60)
    )
    client.force_login(finance)

    month = client.get(reverse("admin:community_analytics"), {"days": 30}).content.decode()
    quarter = client.get(reverse("admin:community_analytics"), {"days": 90}).content.decode()

    assert "Storefront (USD)" in month and "$15.00" in month  # sales minus the refund
    assert "Storefront (EUR)" in month and "€15.00" in month
    assert "$999.00" not in month and "YouTube (USD)" not in month  # booked before the period
    assert "YouTube (USD)" in quarter and "$999.00" in quarter


@pytest.mark.parametrize("role", ["va", "editor"])
def test_vas_and_editors_see_the_view_charts_but_never_revenue(client, request, role, history):
    client.force_login(request.getfixturevalue(role))  # money stays with Finance (lofi_site.roles)

    page = client.get(reverse("admin:community_analytics")).content.decode()

    assert "Rain Tapes" in page and "Window Drops" in page
    assert "Revenue per source" not in page
    assert "42.00" not in page
    # Community's two charts, drawn; other apps may add theirs (radio's plays), never one about money.
    titles = _chart_titles(page)
    assert {"Views per release", "Top tracks"} <= set(titles)
    assert not any("revenue" in title.lower() for title in titles)
    assert page.count('class="cockpit-chart"') == len(titles)


def test_the_va_dashboard_shows_no_revenue(client, va, history):
    client.force_login(va)

    html = "".join(p.html for p in client.get("/admin/").context["panels"])

    assert "42.00" not in html and "Revenue" not in html


def test_someone_without_statistics_permission_gets_403(client, django_user_model):
    staff = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:community_analytics")).status_code == 403


def test_upload_suggestions_use_defaults_while_history_is_thin(client, editor, settings):
    settings.BEST_UPLOAD_DEFAULTS = [("Saturday", 9)]
    settings.BEST_UPLOAD_MIN_VIDEOS = 3
    client.force_login(editor)

    page = client.get(reverse("admin:community_analytics")).content.decode()

    assert "Saturday 09:00" in page and "configured defaults" in page


def test_upload_suggestions_come_from_first_week_views_once_there_is_history(client, editor, settings):
    settings.BEST_UPLOAD_MIN_VIDEOS = 3
    settings.TIME_ZONE = "UTC"
    today = timezone.localdate()
    for _n, (weekday_offset, hour, views) in enumerate([(0, 18, 9000), (7, 18, 8000), (14, 8, 300)]):
        published = timezone.make_aware(
            datetime.combine(today - timedelta(days=30 + weekday_offset), datetime.min.time()).replace(hour=hour)
        )
        video = PublishedVideoFactory(published_at=published)
        VideoStatsSnapshotFactory(publication=video, day=published.date() + timedelta(days=7), views=views)
        VideoStatsSnapshotFactory(publication=video, day=published.date() + timedelta(days=20), views=views * 10)
    best_day = (today - timedelta(days=30)).strftime("%A")
    client.force_login(editor)

    page = client.get(reverse("admin:community_analytics")).content.decode()

    assert f"{best_day} 18:00" in page and "From the label's own history" in page


def test_the_dashboard_shows_the_inbox_and_a_views_chart(client, editor, history):
    client.force_login(editor)

    panels = {p.title: p for p in client.get("/admin/").context["panels"]}

    assert "Community" in panels and "<svg" in panels["YouTube views"].html


def test_schedules_exist_once_for_the_hourly_sync_and_the_daily_snapshot():
    funcs = dict(Schedule.objects.filter(func__startswith="community.").values_list("func", "schedule_type"))

    assert funcs["community.tasks.comments_sync_all_task"] == Schedule.HOURLY
    assert funcs["community.tasks.video_stats_snapshot_task"] == Schedule.DAILY
    for func in funcs:
        _module, name = func.rsplit(".", 1)
        assert callable(getattr(tasks, name))


def test_the_scheduled_snapshot_task_runs_with_nothing_published():
    tasks.video_stats_snapshot_task()  # no videos: no API call, no error

    assert VideoStatsSnapshot.objects.count() == 0


def test_a_typo_in_the_upload_defaults_is_reported_at_start_up(settings):
    from community.checks import best_upload_defaults_check

    settings.BEST_UPLOAD_DEFAULTS = ["Friday 17", "Caturday 9"]  # as BEST_UPLOAD_DEFAULTS="Friday 17,Caturday 9"
    (error,) = best_upload_defaults_check(None)
    assert error.id == "community.E001" and "Caturday" in error.msg

    settings.BEST_UPLOAD_DEFAULTS = ["Friday 17", "Sunday 18"]
    assert best_upload_defaults_check(None) == []
