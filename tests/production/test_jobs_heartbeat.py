"""A killed worker no longer leaves a render job "running" forever (issue 13, item 2): jobs carry a heartbeat,
the every-minute sweep (or a redelivered task) hands a job whose heartbeat stopped to another worker, the one
Track is made once, and the cockpit says "stalled"."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from catalog.models import Track
from production import services
from production.models import RenderJob
from production.services import render_heartbeat, render_jobs
from production.tasks import render_job_run_task, render_jobs_requeue_stalled_task
from tests.production.factories import RenderJobFactory

pytestmark = pytest.mark.django_db

DURATION_S = 6.0


@pytest.fixture
def worker(monkeypatch):
    """The broker hands every queued task to a worker at once, as a running cluster does."""
    ran: list[str] = []

    def run(func, *args, **kwargs):
        ran.append(func)
        import_string(func)(*args)

    monkeypatch.setattr("lofi_site.queue.async_task", run)
    return ran


def _killed_mid_render(job: RenderJob, *, silent_for: timedelta) -> str:
    """What a worker killed at 40 % leaves behind: running, its token, a heartbeat that stopped."""
    token = "dead-worker-run"
    beat = timezone.now() - silent_for
    RenderJob.objects.filter(pk=job.pk).update(
        status=RenderJob.Status.RUNNING, run_token=token, progress=40, started_at=beat, heartbeat_at=beat, attempts=1
    )
    return token


def test_a_job_whose_worker_died_is_finished_by_another_within_the_sweep_interval(
    worker, settings, django_capture_on_commit_callbacks
):
    settings.RENDER_HEARTBEAT_STALE_S = 120
    job = RenderJobFactory(style="jazz", bpm=82, key="A minor", duration_s=DURATION_S, seed=7)
    _killed_mid_render(job, silent_for=timedelta(seconds=121))
    schedule = Schedule.objects.get(func="production.tasks.render_jobs_requeue_stalled_task")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)  # the sweep runs every minute

    with django_capture_on_commit_callbacks(execute=True):
        render_jobs_requeue_stalled_task()  # the next sweep: the job is queued again and a worker renders it

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED and job.progress == 100 and job.attempts == 2
    assert Track.objects.count() == 1 and job.track is not None
    assert worker[0] == "production.tasks.render_job_run_task"  # the sweep queued it; a worker ran it


def test_the_dead_run_cannot_store_a_second_track_when_it_wakes_up(worker, django_capture_on_commit_callbacks):
    job = RenderJobFactory(style="jazz", bpm=82, key="A minor", duration_s=DURATION_S, seed=8)
    token = _killed_mid_render(job, silent_for=timedelta(minutes=5))
    old_run = RenderJob.objects.get(pk=job.pk)
    assert old_run.run_token == token
    with django_capture_on_commit_callbacks(execute=True):
        render_job_run_task(job.pk)  # a redelivered task takes the stalled job over
    assert RenderJob.objects.get(pk=job.pk).status == RenderJob.Status.SUCCEEDED

    # The old worker comes back and tries to report progress and to finish: nothing changes.
    render_jobs._set_progress(old_run, 90)
    rendered = render_jobs._render(old_run)
    with pytest.raises(RuntimeError, match="no longer owns it"):
        render_jobs._store(job=old_run, rendered=rendered, outputs=[])

    assert Track.objects.count() == 1
    job.refresh_from_db()
    assert job.progress == 100 and job.status == RenderJob.Status.SUCCEEDED


def test_a_redelivered_task_leaves_a_job_with_a_live_heartbeat_alone(worker):
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(seconds=5))  # its worker is alive and beating

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert (job.status, job.run_token, job.attempts) == (RenderJob.Status.RUNNING, "dead-worker-run", 1)
    assert services.render_jobs_requeue_stalled() == []


def test_a_job_that_keeps_killing_its_worker_fails_instead_of_looping(worker, settings):
    settings.RENDER_MAX_ATTEMPTS = 3
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(minutes=10))
    RenderJob.objects.filter(pk=job.pk).update(attempts=3)

    assert services.render_jobs_requeue_stalled() == []

    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED and "worker stopped 3 times" in job.error
    assert worker == []


def test_the_cockpit_shows_stalled(client, editor):
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(minutes=10))
    alive = RenderJobFactory()
    _killed_mid_render(alive, silent_for=timedelta(seconds=3))
    client.force_login(editor)

    page = client.get(reverse("admin:production_renderjob_changelist")).content.decode()
    data = client.get(reverse("admin:production_renderjob_progress") + f"?ids={job.pk},{alive.pk}").json()

    assert page.count(">Stalled</span>") == 1
    states = {state["id"]: state for state in data["jobs"]}
    assert states[job.pk]["status_label"] == "Stalled" and "stalled" in states[job.pk]["eta"]
    assert states[alive.pk]["status_label"] == "Running"


def test_the_heartbeat_thread_beats_until_the_run_ends_or_loses_the_job():
    beats: list[float] = []
    with render_heartbeat.Heartbeat(lambda: beats.append(time.monotonic()), interval_s=0.02):
        time.sleep(0.2)
    count = len(beats)
    time.sleep(0.1)
    assert count >= 4 and len(beats) == count  # it beat while the run went on, and stopped with it

    lost: list[int] = []
    heartbeat = render_heartbeat.Heartbeat(lambda: lost.append(1) or False, interval_s=0.01)
    with heartbeat:
        time.sleep(0.1)
    assert lost == [1]  # the run lost the job: no more beats
    assert not any(t.name == "render-heartbeat" and t.is_alive() for t in threading.enumerate())


def test_progress_reports_are_heartbeats_of_the_owning_run_only():
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(minutes=1))
    owner = RenderJob.objects.get(pk=job.pk)
    before = owner.heartbeat_at

    render_jobs._set_progress(owner, 50)
    owner.refresh_from_db()
    assert owner.progress == 50 and owner.heartbeat_at > before

    intruder = RenderJob.objects.get(pk=job.pk)
    intruder.run_token = "someone-else"
    render_jobs._set_progress(intruder, 70)
    assert render_heartbeat.heartbeat_beat(job_id=job.pk, token="someone-else") is False
    assert RenderJob.objects.get(pk=job.pk).progress == 50


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
def test_several_runs_taking_over_one_stalled_job_claim_it_once(monkeypatch):
    """A redelivered task, the sweep's task and a cockpit retry can all reach a stalled job at once. Each claim is
    one UPDATE; held back by a lock on the row until all of them are waiting, only the first may find the job
    still stalled (a subquery in the UPDATE would not be re-checked under the lock, and every run would claim)."""
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(minutes=10))
    claims: list[str] = []
    monkeypatch.setattr(render_jobs, "_run_claimed", lambda claimed: claims.append(claimed.run_token) or claimed)
    runs = 4

    def take_over():
        try:
            render_jobs.render_job_run(job=RenderJob.objects.get(pk=job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=take_over) for _ in range(runs)]
    with transaction.atomic():
        RenderJob.objects.select_for_update().get(pk=job.pk)  # every run's UPDATE waits for this lock
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while _waiting_on_locks() < runs and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks() == runs
    for thread in threads:
        thread.join()

    job.refresh_from_db()
    assert len(claims) == 1 and job.attempts == 2 and job.run_token == claims[0]


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is a snapshot kept for the transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def test_an_editor_can_retry_a_stalled_job_at_once_in_the_cockpit(client, editor, queued_tasks, settings):
    """Retry no longer waits for the worker timeout (30 min + 60 s): a job silent for the stale limit may go."""
    settings.RENDER_HEARTBEAT_STALE_S = 120
    job = RenderJobFactory()
    _killed_mid_render(job, silent_for=timedelta(minutes=3))
    client.force_login(editor)

    client.post(reverse("admin:production_renderjob_changelist"), {"action": "retry", "_selected_action": [job.pk]})

    job.refresh_from_db()
    assert (job.status, job.run_token) == (RenderJob.Status.QUEUED, "")
    assert queued_tasks == [("production.tasks.render_job_run_task", job.pk)]
