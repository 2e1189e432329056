"""The optional SoundFont: a path in settings reaches the engine; unset, the built-in synth renders."""

from __future__ import annotations

import pytest

from catalog.models import Track
from production import services
from production.engine import render as engine_render
from production.models import RenderJob
from production.tasks import render_job_run_task

pytestmark = pytest.mark.django_db


def _job() -> RenderJob:
    return services.render_job_create(queue=False, style="jazz", bpm=82, key="A minor", duration_s=5.0, seed=1)


def test_the_settings_soundfont_reaches_the_engine_and_an_unusable_one_fails_the_job_clearly(settings, tmp_path):
    settings.LOFI_SOUNDFONT_PATH = str(tmp_path / "missing.sf2")
    job = _job()

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    # Without pyfluidsynth the engine says what to install; with it, that the file is not there.
    assert "SoundFontUnavailable" in job.error
    assert "pyfluidsynth" in job.error or "missing.sf2" in job.error
    assert job.track is None and not Track.objects.exists()


def test_without_a_soundfont_setting_the_built_in_synth_renders(settings, monkeypatch):
    settings.LOFI_SOUNDFONT_PATH = ""
    seen = {}
    real_render = engine_render.render

    def spy(brief, **kwargs):
        seen["soundfont_path"] = kwargs.get("soundfont_path")
        return real_render(brief, **kwargs)

    monkeypatch.setattr(engine_render, "render", spy)
    job = _job()

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    assert seen == {"soundfont_path": None}
