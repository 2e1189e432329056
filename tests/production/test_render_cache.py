"""The render cache: an identical request reuses the stored render; anything that changes the audio does not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Track
from production import services
from production.engine import render_key
from production.engine.brief import Brief, Key
from production.models import RenderJob, StylePreset
from production.tasks import render_job_run_task

pytestmark = pytest.mark.django_db

BRIEF = {"style": "jazz", "bpm": 82, "key": "A minor", "duration_s": 4.0, "seed": 11, "mood": "chill"}


@pytest.fixture(autouse=True)
def no_broker(monkeypatch, queued_tasks):
    """Enqueued tasks are recorded (queued_tasks), never sent."""


def _run(**changes) -> RenderJob:
    job = services.render_job_create(**{**BRIEF, **changes})
    render_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    return job


def test_an_identical_request_reuses_the_earlier_track_instead_of_rendering_again(monkeypatch):
    first = _run()
    assert first.track is not None and first.render_key

    from production.services import render_jobs

    def must_not_render(job):
        raise AssertionError("an identical request rendered again")

    monkeypatch.setattr(render_jobs, "_render", must_not_render)
    second = _run(title="Another title")

    assert second.track is None
    assert second.reused_from == first.track
    assert second.render_key == first.render_key
    assert Track.objects.count() == 1


def test_force_render_and_a_changed_brief_render_again():
    first = _run()
    forced = _run(force_render=True)
    other_seed = _run(seed=12)

    assert forced.reused_from is None and forced.track not in (None, first.track)
    assert other_seed.reused_from is None and other_seed.render_key != first.render_key
    assert Track.objects.count() == 3


def test_an_archived_track_is_not_reused():
    first = _run()
    Track.objects.filter(pk=first.track.pk).update(status=Track.Status.ARCHIVED)

    again = _run()

    assert again.reused_from is None and again.track is not None


def test_the_key_changes_with_the_preset_overrides_and_the_engine_version():
    job = services.render_job_create(**BRIEF, queue=False)
    plain = services.render_job_key(job=job)
    StylePreset.objects.update_or_create(style="jazz", defaults={"fx_overrides": {"vinyl_db": -40.0}})
    with_fx = services.render_job_key(job=job)

    brief = Brief(style="jazz", bpm=82, key=Key.parse("A minor"), duration_s=4.0, seed=11)
    now = render_key.render_key(brief, preset_overrides=None, fx_overrides=None, library="x")
    later = render_key.render_key(brief, preset_overrides=None, fx_overrides=None, library="x", engine_version="next")
    other_library = render_key.render_key(brief, preset_overrides=None, fx_overrides=None, library="y")

    assert len({plain, with_fx}) == 2
    assert len({now, later, other_library}) == 3


def test_the_cockpit_says_which_track_was_reused(admin_client):
    first = _run()
    second = _run()

    page = admin_client.get(reverse("admin:production_renderjob_changelist")).content.decode()
    detail = admin_client.get(reverse("admin:production_renderjob_change", args=[second.pk])).content.decode()

    assert "reused from" in page and first.track.title in page
    assert "reused from" in detail


def test_the_library_digest_covers_the_instruments_an_editor_chose(monkeypatch):
    """The key hashes the SoundFont files the preset's palette plays from, not only the style's defaults."""
    from production.engine import instruments

    chosen = {"keys": [instruments.palette("jazz", "keys")[-1]]}
    StylePreset.objects.update_or_create(style="jazz", defaults={"composition_overrides": {"palette": chosen}})
    seen = []
    original = render_key.library_digest
    monkeypatch.setattr(
        render_key, "library_digest", lambda style, **kw: seen.append(kw["palette_overrides"]) or original(style, **kw)
    )
    job = services.render_job_create(**BRIEF, queue=False)

    services.render_job_key(job=job)

    assert seen == [chosen]
