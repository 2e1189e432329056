"""A failed render never leaves half a Track: no Track, no Asset rows, no files; the job says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from catalog import services as catalog_services
from catalog.models import Asset, Track
from operations.models import AuditEvent
from production import services
from production.engine import render as engine_render
from production.models import RenderJob
from production.services import render_jobs
from production.tasks import render_job_run_task

pytestmark = pytest.mark.django_db

DURATION_S = 6.0


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def _storage_files() -> list[Path]:
    return _files_under(Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT))


def _job(**brief) -> RenderJob:
    values = {"style": "jazz", "bpm": 82, "key": "A minor", "duration_s": DURATION_S, "seed": 1, **brief}
    return services.render_job_create(queue=False, **values)


def test_an_engine_error_fails_the_job_with_the_reason_and_makes_nothing(monkeypatch):
    def broken_render(brief, *, progress=None, **kwargs):
        progress(40)
        raise ValueError("no chord fits bar 3")

    monkeypatch.setattr(engine_render, "render", broken_render)
    job = _job()

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert job.error == "ValueError: no chord fits bar 3"
    assert job.progress < 100 and job.track is None and job.finished_at is not None
    assert not Track.objects.exists() and not Asset.objects.exists()
    assert _storage_files() == []


def test_a_storage_failure_halfway_removes_every_file_already_written(monkeypatch):
    real_store = catalog_services.asset_store
    stored = []

    def flaky_store(**kwargs):
        if len(stored) == 3:
            raise OSError("disk full")
        asset = real_store(**kwargs)
        stored.append(asset.path)
        return asset

    monkeypatch.setattr(render_jobs, "asset_store", flaky_store)
    job = _job()

    job = services.render_job_run(job=job)

    assert len(stored) == 3, "three files were written before the failure"
    assert job.status == RenderJob.Status.FAILED and job.error == "OSError: disk full"
    assert not Track.objects.exists() and not Asset.objects.exists()
    assert _storage_files() == []
    assert not AuditEvent.objects.filter(verb="render.track_created").exists()


def test_a_failure_after_the_last_file_still_rolls_everything_back(monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(render_jobs, "audit_log", refuse)
    job = _job(seed=2)

    job = services.render_job_run(job=job)

    assert job.status == RenderJob.Status.FAILED and "audit store unavailable" in job.error
    assert not Track.objects.exists() and not Asset.objects.exists()
    assert _storage_files() == []


def test_a_brief_the_engine_refuses_fails_cleanly(monkeypatch):
    job = _job()
    RenderJob.objects.filter(pk=job.pk).update(ambience="thunder")  # e.g. a value an older form allowed

    job = services.render_job_run(job=job)

    assert job.status == RenderJob.Status.FAILED and "unknown ambience 'thunder'" in job.error
    assert not Track.objects.exists()


def test_a_retried_failed_job_then_succeeds(monkeypatch, queued_tasks):
    real_render = engine_render.render
    calls = []

    def fails_once(brief, **kwargs):
        calls.append(brief.seed)
        if len(calls) == 1:
            raise RuntimeError("worker ran out of memory")
        return real_render(brief, **kwargs)

    monkeypatch.setattr(engine_render, "render", fails_once)
    job = services.render_job_run(job=_job(seed=4))
    assert job.status == RenderJob.Status.FAILED

    services.render_job_retry(job=job)
    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED and job.error == "" and job.attempts == 2
    assert Track.objects.count() == 1 and job.track is not None
