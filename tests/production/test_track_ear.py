"""The editor's ear on the cockpit's Track page: instruments, form, spectrum, and the A/B comparison page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog.models import Track
from production import services
from production.engine.dsp import db_to_gain
from production.models import RenderJob
from production.tasks import render_job_run_task
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch, queued_tasks):
    """Enqueued tasks are recorded (queued_tasks), never sent."""


def _rendered(seed: int) -> Track:
    job = services.render_job_create(style="jazz", bpm=80, key="A minor", duration_s=4.0, seed=seed)
    render_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    return job.track


def test_a_rendered_tracks_page_shows_who_played_each_part_its_form_and_spectrum(admin_client):
    track = _rendered(seed=3)
    facts = track.analysis["render"]

    page = admin_client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert "Editor&#x27;s ear" in page or "Editor's ear" in page
    for part, source in facts["instruments"].items():
        assert f"<th scope='row'>{part}</th>" in page and source["voice"] in page
    for section in facts["sections"]:
        assert f">{section['name']}</span>" in page
    assert page.count("<rect") >= 20  # one bar per third-octave band
    assert any(band["db"] == 0.0 for band in facts["spectrum"])


def test_an_uploaded_track_says_its_render_facts_are_not_recorded(admin_client):
    track = TrackFactory(source=Track.Source.UPLOADED)

    page = admin_client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert "Not recorded" in page


def test_the_compare_page_plays_both_masters_matched_in_loudness(admin_client):
    a, b = _rendered(seed=3), _rendered(seed=4)
    Track.objects.filter(pk=a.pk).update(integrated_lufs=-14.0)
    Track.objects.filter(pk=b.pk).update(integrated_lufs=-11.0)

    page = admin_client.get(reverse("admin:catalog_track_compare", args=[a.pk]) + f"?with={b.pk}").content.decode()
    volumes = dict(re.findall(r'data-ab-player="([AB])" data-ab-volume="([0-9.]+)"', page))

    assert reverse("admin:catalog_track_master_audio", args=[a.pk]) in page
    assert reverse("admin:catalog_track_master_audio", args=[b.pk]) in page
    assert float(volumes["A"]) == 1.0
    assert float(volumes["B"]) == pytest.approx(db_to_gain(-3), abs=1e-3)  # B is 3 LU louder: turned down 3 dB
    assert "played 3.0 dB quieter to match" in page


def test_the_master_streams_to_staff_with_ranges_and_never_to_the_public(admin_client, client):
    track = _rendered(seed=3)
    url = reverse("admin:catalog_track_master_audio", args=[track.pk])

    whole = admin_client.get(url)
    part = admin_client.get(url, HTTP_RANGE="bytes=100-199")
    anonymous = client.get(url)

    assert whole.status_code == 200 and int(whole["Content-Length"]) > 1000
    assert part.status_code == 206 and part["Content-Range"].startswith("bytes 100-199/")
    assert len(b"".join(part.streaming_content)) == 100
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
