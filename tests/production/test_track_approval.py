"""Approving on the Track page: a button beside the facts (not only a list action), and the render batch's
"Listen and approve" checklist ticked when its last track is decided."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Track
from operations.selectors import checklists_for
from operations.services import LISTEN_AND_APPROVE, checklist_attach
from tests.factories import TrackFactory
from tests.production.factories import BatchFactory, RenderJobFactory

pytestmark = pytest.mark.django_db


def _reviewable(**kwargs) -> Track:
    return TrackFactory(
        status=Track.Status.DRAFT, qc_passed=True, duplicate_verdict=Track.DuplicateVerdict.CLEAR, **kwargs
    )


def test_the_track_page_approves_with_a_button(client, editor):
    track = _reviewable(title="Window Seat")
    client.force_login(editor)
    page = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()
    assert "Approve this track" in page

    response = client.post(reverse("admin:catalog_track_approve", args=[track.pk]), follow=True)

    track.refresh_from_db()
    assert track.status == Track.Status.APPROVED
    assert "“Window Seat” is approved." in response.content.decode()
    assert "Approve this track" not in response.content.decode()


def test_a_va_cannot_approve(client, va):
    track = _reviewable()
    client.force_login(va)
    response = client.post(reverse("admin:catalog_track_approve", args=[track.pk]))
    track.refresh_from_db()
    assert response.status_code == 403 and track.status == Track.Status.DRAFT


def test_approving_the_batchs_last_track_ticks_approve_the_keepers(editor):
    from production.services.track_review import track_approve_reviewed

    batch = BatchFactory()
    first, second = _reviewable(), _reviewable()
    RenderJobFactory(batch=batch, track=first)
    RenderJobFactory(batch=batch, track=second)
    checklist_attach(template_slug=LISTEN_AND_APPROVE, obj=batch, assignee=editor)

    def approve_step():
        [checklist] = checklists_for(batch)
        return next(item for item in checklist.items.all() if item.title == "Approve the keepers")

    track_approve_reviewed(track=first, user=editor)
    assert approve_step().done_at is None  # one track is still undecided
    track_approve_reviewed(track=second, user=editor)
    assert approve_step().done_at is not None and approve_step().done_by == editor


def test_a_vas_track_page_offers_no_approve_button(client, va):
    track = _reviewable()
    client.force_login(va)
    page = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()
    assert "Approve this track" not in page


def test_qc_is_shown_as_checks_with_values_and_the_raw_report_stays_behind_a_toggle(client, editor):
    report = {
        "integrated_lufs": -14.2,
        "target_lufs": -14.0,
        "true_peak_dbtp": -0.4,
        "true_peak_ceiling_db": -1.0,
        "clipped_samples": 0,
        "band_energy_db": {"air": -70.0},
        "band_ranges_db": {"air": [-65.0, -14.0]},
        "failures": ["true peak -0.4 dBTP above ceiling -1.0"],
    }
    track = TrackFactory(status=Track.Status.DRAFT, qc_passed=False, qc_report=report)
    client.force_login(editor)

    page = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert "2 of 4 checks passed." in page
    assert '<th scope="row">True peak</th><td>-0.4 dBTP</td><td>at most -1.0 dBTP</td><td class="tone-bad">FAIL' in page
    assert '<th scope="row">Loudness</th><td>-14.2 LUFS</td><td>-14.0 ± 0.5 LUFS</td><td class="tone-ok">pass' in page
    assert "Raw reports" in page and "collapse" in page
