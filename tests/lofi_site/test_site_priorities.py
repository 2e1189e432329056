"""Interactive work never waits behind a bulk batch: batch renders queue on the bulk cluster, a single render on
the interactive one, and each cluster has its own workers (settings.Q_CLUSTER["ALT_CLUSTERS"])."""

from __future__ import annotations

import signal

import pytest
from django_q.models import OrmQ

from production import services
from production.models import RenderJob
from tests.lofi_site.workers import cluster_env, needs_postgres, running_cluster, wait_for

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_a_batch_and_a_single_render_queue_on_different_clusters(monkeypatch):
    batch = services.batch_create(
        name="Night grid", styles=["jazz"], bpms=[80.0, 84.0], keys=["A minor"], moods=["chill"], duration_s=4.0
    )
    single = services.render_job_create(style="jazz", bpm=80, key="C major", duration_s=4.0, seed=1)

    queues = {row.task["args"][0]: row.key for row in OrmQ.objects.all()}

    assert {queues[job.pk] for job in batch.jobs.all()} == {"bulk"}
    assert queues[single.pk] == "lofi"


def test_a_single_render_starts_within_seconds_while_twenty_batch_renders_wait(tmp_path):
    services.batch_create(
        name="Big grid",
        styles=["jazz", "study"],
        bpms=[70.0, 75.0, 80.0, 85.0, 90.0],
        keys=["A minor", "C major"],
        moods=["chill"],
        duration_s=20.0,
    )
    assert RenderJob.objects.filter(batch__isnull=False).count() == 20
    env = cluster_env(MEDIA_ROOT=str(tmp_path / "media"), PRIVATE_MEDIA_ROOT=str(tmp_path / "private"))

    # Killed, not stopped, at the end: a graceful stop would wait for the renders in progress.
    with (
        running_cluster(env, name="bulk", log=tmp_path / "bulk.log", stop_signal=signal.SIGKILL),
        running_cluster(env, log=tmp_path / "interactive.log", stop_signal=signal.SIGKILL),
    ):
        # Both clusters are up and the bulk worker is busy with the batch when the editor asks for one render.
        wait_for(lambda: RenderJob.objects.filter(batch__isnull=False, status="running").exists(), timeout_s=120)
        single = services.render_job_create(style="jazz", bpm=80, key="C major", duration_s=4.0, seed=99)
        started_after_s = wait_for(
            lambda: RenderJob.objects.filter(pk=single.pk).exclude(status="queued").exists(), timeout_s=60
        )
        batch_done = RenderJob.objects.filter(batch__isnull=False, status="succeeded").count()

    assert started_after_s < 10, (tmp_path / "interactive.log").read_text()[-2000:]
    assert batch_done < 20
