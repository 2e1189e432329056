"""Approving tracks: refused with the reason while QC fails; only Editors may approve."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import services
from catalog.models import Track
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

PEAK_FAILURE = "true peak -0.3 dBTP above the -1.0 dBTP ceiling"


def _failed_qc_track(**fields) -> Track:
    return TrackFactory(qc_passed=False, qc_report={"passed": False, "failures": [PEAK_FAILURE]}, **fields)


def test_service_refuses_a_track_that_failed_qc_and_says_why():
    track = _failed_qc_track()

    with pytest.raises(ValidationError) as error:
        services.track_approve(track=track)

    assert error.value.messages == [f"QC failed: {PEAK_FAILURE}"]
    track.refresh_from_db()
    assert track.status == Track.Status.DRAFT


def test_service_approves_a_clean_draft_and_a_second_call_changes_nothing():
    track = TrackFactory()

    services.track_approve(track=track)
    updated_at = Track.objects.get(pk=track.pk).updated_at
    services.track_approve(track=track)

    track.refresh_from_db()
    assert track.status == Track.Status.APPROVED
    assert track.updated_at == updated_at


def test_service_refuses_archived_tracks():
    track = TrackFactory(status=Track.Status.ARCHIVED)

    with pytest.raises(ValidationError, match="Only draft tracks can be approved; this one is Archived"):
        services.track_approve(track=track)


def test_admin_action_approves_the_clean_track_and_reports_the_blocked_one(client, editor):
    clean, failing = TrackFactory(title="Clean"), _failed_qc_track(title="Too hot")
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_track_changelist"),
        {"action": "approve", "_selected_action": [clean.pk, failing.pk]},
        follow=True,
    )

    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"Too hot: QC failed: {PEAK_FAILURE}" in shown
    assert "Approved 1 track(s)." in shown
    assert Track.objects.get(pk=clean.pk).status == Track.Status.APPROVED
    assert Track.objects.get(pk=failing.pk).status == Track.Status.DRAFT


def test_the_track_page_lists_the_qc_reason(client, editor):
    track = _failed_qc_track()
    client.force_login(editor)

    body = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert f"<li>QC failed: {PEAK_FAILURE}</li>" in body


def test_a_va_is_not_offered_the_approve_action_and_cannot_post_it(client, va):
    track = TrackFactory()
    client.force_login(va)
    url = reverse("admin:catalog_track_changelist")

    page = client.get(url)
    offered = [name for name, _ in page.context["cl"].model_admin.get_action_choices(page.wsgi_request)]
    client.post(url, {"action": "approve", "_selected_action": [track.pk]})

    assert "approve" not in offered
    assert "assign_isrc" in offered  # metadata work is the VA's job
    assert Track.objects.get(pk=track.pk).status == Track.Status.DRAFT
