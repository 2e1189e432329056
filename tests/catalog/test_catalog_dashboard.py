"""The catalogue's cockpit panels: tracks by status, releases due this week, QC failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Release, Track
from tests.factories import ReleaseFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _panels(client, user) -> dict:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return {panel.title: panel for panel in response.context["panels"]}


def test_tracks_by_status_counts_each_status_and_links_to_the_filtered_list(client, editor):
    TrackFactory.create_batch(3)
    TrackFactory.create_batch(2, status=Track.Status.APPROVED)

    panel = _panels(client, editor)["Tracks by status"]

    counts = {row.label: row.value for row in panel.rows}
    assert counts == {"Draft": 3, "Approved": 2, "Released": 0, "Archived": 0}
    assert panel.rows[1].url == "/admin/catalog/track/?status__exact=approved"


def test_releases_due_lists_the_next_seven_days_only_and_flags_unscheduled(client, editor):
    today = timezone.localdate()
    ReleaseFactory(title="Tomorrow", release_date=today + timedelta(days=1), status=Release.Status.SCHEDULED)
    ReleaseFactory(title="In a week", release_date=today + timedelta(days=7), status=Release.Status.DRAFT)
    ReleaseFactory(title="Too far", release_date=today + timedelta(days=8), status=Release.Status.SCHEDULED)
    ReleaseFactory(title="Yesterday", release_date=today - timedelta(days=1), status=Release.Status.SCHEDULED)
    ReleaseFactory(title="Already out", release_date=today, status=Release.Status.PUBLISHED)

    panel = _panels(client, editor)["Releases due in the next 7 days"]

    assert [(row.label.split(" — ")[0], row.tone) for row in panel.rows] == [("Tomorrow", "ok"), ("In a week", "warn")]


def test_qc_failures_show_the_reason_and_skip_archived_tracks(client, editor):
    TrackFactory(title="Hot master", qc_passed=False, qc_report={"failures": ["true peak -0.2 dBTP"]})
    TrackFactory(title="Old", qc_passed=False, qc_report={"failures": ["clipping"]}, status=Track.Status.ARCHIVED)
    TrackFactory(title="Fine")

    panel = _panels(client, editor)["QC failures"]

    rows = [(row.label, row.value, row.tone) for row in panel.rows]
    assert rows == [("Hot master", "true peak -0.2 dBTP", "bad")]
    assert panel.link_text == "All 1 failing tracks"


def test_panels_are_rendered_on_the_page(client, editor):
    TrackFactory(title="Hot master", qc_passed=False, qc_report={"failures": ["true peak -0.2 dBTP"]})
    client.force_login(editor)

    body = client.get("/admin/").content.decode()

    assert "Lantern LoFi cockpit" in body
    assert '<td class="cockpit-value tone-bad">true peak -0.2 dBTP</td>' in body


def test_a_staff_user_without_catalogue_permissions_sees_no_catalogue_panel(client, django_user_model):
    nobody = django_user_model.objects.create_user("temp", password="pw-for-tests-only", is_staff=True)

    titles = set(_panels(client, nobody))

    assert titles.isdisjoint({"Tracks by status", "Releases due in the next 7 days", "QC failures"})


def test_dashboard_queries_do_not_grow_with_the_catalogue(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n: int) -> None:
        today = timezone.localdate()
        for i in range(n):
            TrackFactory(qc_passed=False, qc_report={"failures": [f"reason {i}"]})
            ReleaseFactory(release_date=today + timedelta(days=i % 7))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    client.force_login(editor)
    fill(2)
    few = queries()
    fill(30)

    assert queries() == few
