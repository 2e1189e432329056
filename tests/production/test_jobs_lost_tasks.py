"""A job whose task died with a worker host (taken from Redis ahead of its workers, never acknowledged) is queued
again by the sweep once it has waited longer than RENDER_QUEUED_RESCUE_S; a job queued recently is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from production import services
from production.models import RenderJob
from production.services.render_heartbeat import render_jobs_requeue_stalled

pytestmark = pytest.mark.django_db


def test_a_job_waiting_longer_than_the_rescue_time_gets_a_fresh_task_once(queued_tasks, settings):
    settings.RENDER_QUEUED_RESCUE_S = 600
    lost = services.render_job_create(style="jazz", bpm=80, key="A minor", duration_s=4.0, seed=1)
    recent = services.render_job_create(style="jazz", bpm=80, key="A minor", duration_s=4.0, seed=2)
    RenderJob.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    queued_tasks.clear()

    first_sweep = render_jobs_requeue_stalled()
    second_sweep = render_jobs_requeue_stalled()

    assert first_sweep == [lost.pk]
    assert queued_tasks == [(services.RENDER_TASK, lost.pk)]
    assert second_sweep == []  # the next fresh task is due only after another full wait
    assert RenderJob.objects.get(pk=lost.pk).status == RenderJob.Status.QUEUED
    assert recent.pk not in first_sweep
