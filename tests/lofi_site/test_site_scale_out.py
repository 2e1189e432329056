"""Workers on many machines: two worker clusters, each its own process group with its own local scratch folder,
share PostgreSQL, Redis and S3 (moto's S3 server) as separate hosts would. A batch splits across both, every file
lands in S3, no job runs twice, and a cluster killed mid-render leaves its job to the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import redis
from moto.server import ThreadedMotoServer

from catalog.models import Asset, Track
from production.models import RenderJob
from tests.lofi_site.redis_db import own_redis_database
from tests.lofi_site.workers import ROOT, cluster_env, needs_postgres, running_cluster, stop, wait_for

BUCKET = "lantern-lofi-scale-out"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}
JOBS = 6


REDIS_URL = own_redis_database(13)
pytestmark = [
    needs_postgres,
    pytest.mark.s3,
    pytest.mark.skipif(REDIS_URL is None, reason="needs Redis (CI_REDIS_URL or 127.0.0.1:6379), as CI runs"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def clean_redis():
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield
    connection.flushdb()


def _shared_env(s3_endpoint: str, tmp_path: Path) -> dict[str, str]:
    return cluster_env(
        REDIS_URL=REDIS_URL,
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test-key",
        S3_SECRET_ACCESS_KEY="test-secret",
        S3_ADDRESSING_STYLE="path",
        # Fast enough for a test: a worker silent for 4 s has lost its job.
        RENDER_HEARTBEAT_S="1",
        RENDER_HEARTBEAT_STALE_S="4",
        # Tasks the dead host took from Redis ahead of its worker are lost with it: queued jobs get fresh tasks.
        RENDER_QUEUED_RESCUE_S="10",
        MEDIA_ROOT=str(tmp_path / "unused-media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "unused-private"),
    )


def _manage_shell(env: dict[str, str], code: str) -> str:
    """Run code as another host's web process would (its own settings: the Redis broker, S3)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _cluster_of(worker: str, clusters: dict[str, subprocess.Popen]) -> str | None:
    """Which cluster's process group the worker process ("host:pid") belongs to (None when it is gone)."""
    pid = int(worker.rsplit(":", 1)[1])
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return None
    return next((name for name, process in clusters.items() if process.pid == group), None)


def _state(tmp_path: Path) -> str:
    jobs = list(RenderJob.objects.values_list("pk", "status", "attempts", "worker", "error"))
    logs = {name: (tmp_path / f"{name}.log").read_text()[-2500:] for name in ("a", "b")}
    return f"jobs={jobs} logs={logs}"


def test_two_worker_hosts_share_a_batch_and_one_finishes_what_the_other_dropped(s3_endpoint, clean_redis, tmp_path):
    env = _shared_env(s3_endpoint, tmp_path)
    scratch = {name: tmp_path / f"scratch-{name}" for name in ("a", "b")}
    for folder in scratch.values():
        folder.mkdir()
    _manage_shell(
        env,
        "from production import services; from production.models import Batch; services.batch_create(name='Scale-out', "
        f"kind=Batch.Kind.VARIATIONS, styles=['jazz'], bpms=[80.0], keys=['A minor'], moods=['chill'], "
        f"duration_s=20.0, "
        f"per_cell={JOBS})",
    )
    assert RenderJob.objects.count() == JOBS

    ran_on: dict[int, str] = {}
    with (
        running_cluster({**env, "TMPDIR": str(scratch["a"])}, name="bulk", log=tmp_path / "a.log") as host_a,
        running_cluster({**env, "TMPDIR": str(scratch["b"])}, name="bulk", log=tmp_path / "b.log") as host_b,
    ):
        clusters = {"a": host_a, "b": host_b}

        def note_workers():
            for job in RenderJob.objects.exclude(worker=""):
                cluster = _cluster_of(job.worker, clusters)
                if cluster:
                    ran_on.setdefault(job.pk, cluster)

        def rendering_on_a() -> list[RenderJob]:
            """Jobs host a is truly mid-render on: claimed ("running") and with half-made files in its scratch."""
            folders = [path.name for path in scratch["a"].iterdir()]
            return [
                job
                for job in RenderJob.objects.filter(status="running")
                if ran_on.get(job.pk) == "a" and any(name.startswith(f"render-{job.pk}-") for name in folders)
            ]

        mid_render: list[RenderJob] = []

        def a_finished_one_and_renders_another() -> bool:
            note_workers()
            done = RenderJob.objects.filter(status="succeeded")
            mid_render[:] = rendering_on_a()
            return any(ran_on.get(j.pk) == "a" for j in done) and bool(mid_render)

        wait_for(a_finished_one_and_renders_another, timeout_s=300, interval_s=0.05, explain=lambda: _state(tmp_path))
        dropped = mid_render[0]
        stop(host_a, signal.SIGKILL)  # the host dies mid-render: no goodbye, no cleanup

        # The every-minute sweep (run now, as any host's scheduler would) finds the silent job and queues it again.
        sweep = "from production import services; print('requeued', *services.render_jobs_requeue_stalled())"

        def swept() -> bool:
            lines = [line for line in _manage_shell(env, sweep).splitlines() if line.startswith("requeued")]
            return str(dropped.pk) in lines[-1].split()[1:]

        wait_for(swept, timeout_s=60, interval_s=1)

        def all_done() -> bool:
            note_workers()
            return not RenderJob.objects.exclude(status="succeeded").exists()

        wait_for(all_done, timeout_s=300, interval_s=0.5, explain=lambda: _state(tmp_path))
        finisher = _cluster_of(RenderJob.objects.get(pk=dropped.pk).worker, clusters)

    jobs = list(RenderJob.objects.select_related("track"))
    assert finisher == "b"
    assert set(ran_on.values()) == {"a", "b"}  # the batch split across both hosts
    assert Track.objects.count() == JOBS  # no job ran twice: one track each
    assert sorted(job.attempts for job in jobs) == [1] * (JOBS - 1) + [2]
    keys = {
        item["Key"]
        for item in boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
        .list_objects_v2(Bucket=BUCKET)
        .get("Contents", [])
    }
    for job in jobs:
        master = job.track.assets.get(kind=Asset.Kind.MASTER)
        assert f"private/{master.path}" in keys
    # Scratch is local to each host: the dead host's half-made render is left in its own folder, nowhere else.
    assert any(path.name.startswith(f"render-{dropped.pk}-") for path in scratch["a"].iterdir())
    assert not any(path.name.startswith(f"render-{dropped.pk}-") for path in scratch["b"].iterdir())
