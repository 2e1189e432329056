"""Render jobs in the cockpit: progress bars and errors on the list, retry, read-only records, the panel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import AuditEvent
from production import services
from production.models import RenderJob
from production.tasks import render_job_run_task
from tests.factories import TrackFactory
from tests.production.factories import BatchFactory, RenderJobFactory

pytestmark = pytest.mark.django_db


def _jobs_of_every_kind(n: int) -> None:
    batches = [BatchFactory(), BatchFactory()]
    for i in range(n):
        status = list(RenderJob.Status)[i % 4]
        RenderJobFactory(
            batch=batches[i % 2],
            status=status,
            progress={"queued": 0, "running": 40 + i, "succeeded": 100, "failed": 62}[status],
            error="ValueError: the engine ran out of notes" if status == "failed" else "",
            track=TrackFactory() if status == "succeeded" else None,
        )


def test_the_job_list_shows_progress_bars_and_errors_in_a_fixed_number_of_queries(
    client, editor, django_assert_max_num_queries
):
    _jobs_of_every_kind(8)
    client.force_login(editor)
    url = reverse("admin:production_renderjob_changelist")
    client.get(url)  # warm the session and content-type caches

    with django_assert_max_num_queries(10):
        small = client.get(url)
    _jobs_of_every_kind(32)
    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert small.status_code == response.status_code == 200
    body = response.content.decode()
    bars = re.findall(r'role="progressbar"[^>]*aria-valuenow="(\d+)"', body)
    assert len(bars) == 40
    assert {"0", "100", "62"} <= set(bars)
    assert body.count('class="progress failed"') == 10
    assert "ValueError: the engine ran out of notes" in body


def test_retry_requeues_a_failed_job_and_leaves_others_alone(
    client, editor, queued_tasks, django_capture_on_commit_callbacks
):
    failed = RenderJobFactory(
        status=RenderJob.Status.FAILED, progress=37, error="RuntimeError: boom", finished_at=timezone.now()
    )
    done = RenderJobFactory(status=RenderJob.Status.SUCCEEDED, progress=100, track=TrackFactory())
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:production_renderjob_changelist"),
            {"action": "retry", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )

    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.progress, failed.error, failed.finished_at) == ("queued", 0, "", None)
    assert done.status == "succeeded" and done.progress == 100
    assert queued_tasks == [(services.RENDER_TASK, failed.pk)]
    messages = [str(m) for m in response.context["messages"]]
    assert "Queued 1 job(s) again." in messages
    assert any("only failed jobs are retried" in m for m in messages)
    assert AuditEvent.objects.filter(verb="render.job_retried", object_id=str(failed.pk), actor=editor).exists()


def test_a_job_stuck_running_after_its_worker_died_can_be_retried(queued_tasks):
    stuck = RenderJobFactory(
        status=RenderJob.Status.RUNNING, progress=50, started_at=timezone.now() - timedelta(hours=3)
    )
    fresh = RenderJobFactory(status=RenderJob.Status.RUNNING, progress=50, started_at=timezone.now())

    services.render_job_retry(job=stuck)

    stuck.refresh_from_db()
    assert stuck.status == "queued"
    with pytest.raises(Exception, match="only failed jobs are retried"):
        services.render_job_retry(job=fresh)


def test_a_va_can_see_jobs_but_has_no_retry_action(client, va, queued_tasks):
    job = RenderJobFactory(status=RenderJob.Status.FAILED, error="RuntimeError: boom")
    client.force_login(va)

    response = client.get(reverse("admin:production_renderjob_changelist"))
    assert response.status_code == 200
    assert 'value="retry"' not in response.content.decode()
    client.post(reverse("admin:production_renderjob_changelist"), {"action": "retry", "_selected_action": [job.pk]})

    job.refresh_from_db()
    assert job.status == "failed"
    assert queued_tasks == []


def test_a_redelivered_task_for_a_finished_job_changes_nothing():
    track = TrackFactory()
    done = RenderJobFactory(status=RenderJob.Status.SUCCEEDED, progress=100, track=track, attempts=1)
    failed = RenderJobFactory(status=RenderJob.Status.FAILED, error="RuntimeError: boom", attempts=1)
    before = {job.pk: (job.status, job.progress, job.error, job.attempts, job.track_id) for job in (done, failed)}

    render_job_run_task(done.pk)
    render_job_run_task(failed.pk)
    render_job_run_task(999_999)  # deleted meanwhile

    after = {
        job.pk: (job.status, job.progress, job.error, job.attempts, job.track_id)
        for job in RenderJob.objects.filter(pk__in=before)
    }
    assert after == before
    assert list(type(track).objects.all()) == [track]


def test_a_job_page_is_a_read_only_record(client, editor):
    job = RenderJobFactory(status=RenderJob.Status.FAILED, error="RuntimeError: boom", timings={"compose": 0.4})
    client.force_login(editor)

    response = client.get(reverse("admin:production_renderjob_change", args=[job.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "RuntimeError: boom" in body and "&quot;compose&quot;: 0.4" in body
    assert 'name="_save"' not in body


def test_the_single_brief_form_queues_one_job(client, editor, queued_tasks, django_capture_on_commit_callbacks):
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:production_renderjob_add"),
            {
                "title": "",
                "artist": "",
                "style": "jazz",
                "bpm": 82,
                "key": "a min",
                "duration_s": 180,
                "seed": 7,
                "mood": "chill",
                "ambience": "rain",
                "layers_off": ["melody"],
                "target_lufs": -14,
                "true_peak_ceiling_db": -1,
            },
        )

    assert response.status_code == 302
    job = RenderJob.objects.get()
    assert (job.style, job.key, job.seed, job.ambience, job.layers) == ("jazz", "A minor", 7, "rain", {"melody": False})
    assert job.created_by == editor and job.status == "queued"
    assert queued_tasks == [(services.RENDER_TASK, job.pk)]


def test_the_dashboard_panel_counts_running_queued_and_recent_failures(client, editor):
    RenderJobFactory(status=RenderJob.Status.RUNNING, progress=10, started_at=timezone.now())
    RenderJobFactory.create_batch(2, status=RenderJob.Status.QUEUED)
    RenderJobFactory(status=RenderJob.Status.FAILED, error="x", finished_at=timezone.now())
    RenderJobFactory(status=RenderJob.Status.FAILED, error="x", finished_at=timezone.now() - timedelta(days=3))
    client.force_login(editor)

    body = client.get(reverse("admin:index")).content.decode()

    panel = body[body.index("Render jobs") :]
    panel = panel[: panel.index("</section>")]
    values = re.findall(r'<a href="([^"]+)">([^<]+)</a>.*?cockpit-value[^>]*>(\d+)<', panel, re.S)
    assert [(label, int(value)) for _, label, value in values] == [
        ("Running", 1),
        ("Queued", 2),
        ("Failed in the last 24 h", 1),
    ]
    assert values[2][0].endswith("?status__exact=failed")


def test_the_panel_is_hidden_from_users_without_production_access(client, finance):
    client.force_login(finance)

    assert "Render jobs" not in client.get(reverse("admin:index")).content.decode()


def test_the_batch_pages_show_the_form_and_each_jobs_progress(client, editor):
    batch = BatchFactory(name="Week 12")
    RenderJobFactory(batch=batch, status=RenderJob.Status.RUNNING, progress=45)
    RenderJobFactory(batch=batch, status=RenderJob.Status.FAILED, progress=10, error="RuntimeError: boom")
    client.force_login(editor)

    add_page = client.get(reverse("admin:production_batch_add")).content.decode()
    listing = client.get(reverse("admin:production_batch_changelist")).content.decode()
    detail = client.get(reverse("admin:production_batch_change", args=[batch.pk])).content.decode()

    assert 'name="bpms"' in add_page and 'value="rainy_day"' in add_page
    assert 'aria-valuenow="28"' in listing  # the mean of 45 and 10, rounded
    assert f"?batch__exact={batch.pk}&amp;status__exact=failed" in listing
    failed_of_batch = client.get(
        reverse("admin:production_renderjob_changelist"), {"batch__exact": batch.pk, "status__exact": "failed"}
    )
    assert failed_of_batch.context["cl"].result_count == 1
    assert 'aria-valuenow="45"' in detail and "RuntimeError: boom" in detail
    assert client.get(reverse("admin:production_renderjob_add")).status_code == 200
