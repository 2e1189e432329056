"""The label's SoundFont folder: the setting reaches the engine, its files play before the OS's, and a
render job records which instruments played."""

from __future__ import annotations

import shutil

import pytest

from production import services
from production.engine import render as engine_render
from production.engine.instruments import TIMGM
from production.models import RenderJob
from production.tasks import render_job_run_task

pytestmark = pytest.mark.django_db


def _job() -> RenderJob:
    return services.render_job_create(queue=False, style="jazz", bpm=82, key="A minor", duration_s=5.0, seed=1)


def test_the_settings_soundfont_folder_reaches_the_engine_and_its_files_play_first(settings, monkeypatch, tmp_path):
    shutil.copy(TIMGM, tmp_path / "acoustic_bass.sf2")
    settings.LOFI_SOUNDFONT_DIR = str(tmp_path)
    seen = {}
    real_render = engine_render.render

    def spy(brief, **kwargs):
        result = real_render(brief, **kwargs)
        seen["soundfont_dir"] = kwargs.get("soundfont_dir")
        seen["bass"] = result.instruments["bass"]
        return result

    monkeypatch.setattr(engine_render, "render", spy)
    job = _job()

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    assert seen["soundfont_dir"] == str(tmp_path)
    assert seen["bass"]["origin"] == "label" and seen["bass"]["file"] == str(tmp_path / "acoustic_bass.sf2")


def test_without_a_folder_setting_the_library_defaults_render(settings, monkeypatch):
    settings.LOFI_SOUNDFONT_DIR = ""
    seen = {}
    real_render = engine_render.render

    def spy(brief, **kwargs):
        seen["soundfont_dir"] = kwargs.get("soundfont_dir")
        return real_render(brief, **kwargs)

    monkeypatch.setattr(engine_render, "render", spy)
    job = _job()

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    assert seen == {"soundfont_dir": None}
