"""Render progress updates by itself: the JSON the job pages poll, with an estimate of the time left."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from production.models import RenderJob
from production.progress import eta_text, seconds_left
from tests.production.factories import RenderJobFactory

pytestmark = pytest.mark.django_db


def test_time_left_follows_the_pace_so_far():
    now = timezone.now()
    job = RenderJobFactory(status=RenderJob.Status.RUNNING, progress=25, started_at=now - dt.timedelta(seconds=30))
    assert seconds_left(job, now=now) == 90  # 30 s for a quarter: 90 s for the rest
    assert eta_text(job, now=now) == "about 1 min 30 s left"
    assert eta_text(RenderJobFactory(status=RenderJob.Status.QUEUED)) == "waiting for a worker"


def test_the_progress_endpoint_answers_for_the_jobs_on_the_page(client, editor, va):
    running = RenderJobFactory(status=RenderJob.Status.RUNNING, progress=40, started_at=timezone.now())
    queued = RenderJobFactory(status=RenderJob.Status.QUEUED)
    url = reverse("admin:production_renderjob_progress") + f"?ids={running.pk},{queued.pk}"
    client.force_login(editor)

    data = client.get(url).json()

    assert [(j["id"], j["status"], j["progress"]) for j in data["jobs"]] == [
        (running.pk, "running", 40),
        (queued.pk, "queued", 0),
    ]
    assert data["running"] == 1 and data["queued"] == 1 and data["all_finished"] is False
    page = client.get(reverse("admin:production_renderjob_changelist")).content.decode()
    assert f'data-live-job="{running.pk}"' in page and "cockpit/live_progress.js" in page


def test_a_batch_follows_its_jobs_on_the_batch_list(client, editor):
    from tests.production.factories import BatchFactory

    batch = BatchFactory()
    RenderJobFactory(batch=batch, status=RenderJob.Status.RUNNING, progress=50, started_at=timezone.now())
    RenderJobFactory(batch=batch, status=RenderJob.Status.SUCCEEDED, progress=100)
    client.force_login(editor)

    page = client.get(reverse("admin:production_batch_changelist")).content.decode()
    data = client.get(reverse("admin:production_renderjob_progress") + f"?batch={batch.pk}").json()

    assert f'data-live-batch="{batch.pk}"' in page
    assert sorted(j["progress"] for j in data["jobs"]) == [50, 100] and data["all_finished"] is False
