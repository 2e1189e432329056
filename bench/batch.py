"""Benchmark batch rendering throughput on one worker process and on two, and the render cache's hit time.

A batch (production.services.batch_create: variations of one brief, short tracks) is queued on a fresh
database (PostgreSQL `bench_batch` when DATABASE_URL names a server, else SQLite in bench/out/batch/) and worked
off by a real `manage.py qcluster` of the bulk cluster (where batch renders go) with Q_BULK_WORKERS=1, then with
a new batch of other seeds and Q_BULK_WORKERS=2. The clock runs from the first job's claim until the queue is
empty (renders and the analysis and fingerprint tasks each render queues after it), not counting the cluster's
own start-up (imports), which a running host pays once. Throughput = audio seconds rendered per wall second;
the ratio of the two is the multi-core speed-up (aim >= 1.8x on two cores: renders share nothing but the
database).

Then the render cache: the first batch's briefs are queued again as single jobs and run inline; each is
answered from the cache (production.services.render_cache) and its time is printed (hit p50 / max).

The load average before and after is printed: on a shared machine other processes take cores too.

Run: .venv/bin/python bench/batch.py [--jobs 8] [--seconds 30]
Last lines: `workers=1 ...`, `workers=2 ...`, `speedup=<x>`, `cache_hit_ms_p50=<ms> cache_hit_ms_max=<ms>`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "batch"


def _database_url() -> str:
    """PostgreSQL (database bench_batch on DATABASE_URL's server) when DATABASE_URL names one, as production runs;
    else a SQLite file, whose single writer makes two workers queue on each other's commits."""
    given = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if given.startswith("postgres"):
        return given.rsplit("/", 1)[0] + "/bench_batch"
    return f"sqlite:///{OUT / 'db.sqlite3'}"


def _fresh_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS bench_batch WITH (FORCE)")
            connection.execute("CREATE DATABASE bench_batch")


def _environment(workers: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(OUT / "media"),
            "PRIVATE_MEDIA_ROOT": str(OUT / "private_media"),
            "REDIS_URL": "",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only",
            "Q_BULK_WORKERS": str(workers),
            "Q_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
    )
    return env


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
    import django

    django.setup()


def _queue_batch(*, jobs: int, seconds: float, seed_base: int) -> list[int]:
    """A "variations" batch: `jobs` renders of one brief, each with its own seed."""
    from production import services
    from production.models import Batch

    batch = services.batch_create(
        name=f"bench {seed_base}",
        kind=Batch.Kind.VARIATIONS,
        styles=["jazz"],
        bpms=[80.0],
        keys=["A minor"],
        moods=["chill"],
        duration_s=seconds,
        per_cell=jobs,
        seed_base=seed_base,
    )
    return list(batch.jobs.order_by("pk").values_list("pk", flat=True))


def _queue_empty() -> bool:
    from django_q.models import OrmQ

    return not OrmQ.objects.exists()


def _run_cluster(env: dict[str, str], job_ids: list[int]) -> tuple[float, float]:
    """(seconds from the first job's claim until the queue is empty, seconds the cluster took to start)."""
    from production.models import RenderJob

    launched = time.perf_counter()
    started = None
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_CLUSTER_NAME": "bulk"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            time.sleep(0.2)
            if started is None and RenderJob.objects.filter(pk__in=job_ids).exclude(status="queued").exists():
                started = time.perf_counter()
            pending = RenderJob.objects.filter(pk__in=job_ids).exclude(
                status__in=[RenderJob.Status.SUCCEEDED, RenderJob.Status.FAILED]
            )
            if not pending.exists() and _queue_empty():
                break
            if cluster.poll() is not None:
                raise RuntimeError("the worker cluster exited early")
        started = started or launched
        return time.perf_counter() - started, started - launched
    finally:
        cluster.terminate()
        cluster.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    env = _environment(1)
    _fresh_database(env["DATABASE_URL"])
    print(f"database={env['DATABASE_URL'].split(':', 1)[0]}")
    _django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from production.models import RenderJob

    print(f"load_average_before={os.getloadavg()[0]:.2f}")
    audio_s = args.jobs * args.seconds
    figures = {}
    first_batch: list[int] = []
    for workers, seed_base in ((1, 1000), (2, 2000)):
        job_ids = _queue_batch(jobs=args.jobs, seconds=args.seconds, seed_base=seed_base)
        wall_s, startup_s = _run_cluster(_environment(workers), job_ids)
        failed = RenderJob.objects.filter(pk__in=job_ids, status=RenderJob.Status.FAILED).count()
        figures[workers] = audio_s / wall_s
        print(
            f"workers={workers} jobs={len(job_ids)} audio_s={audio_s:.0f} wall_s={wall_s:.1f} "
            f"cluster_start_s={startup_s:.1f} "
            f"throughput_x_realtime={figures[workers]:.1f} failed={failed}"
        )
        if workers == 1:
            first_batch = job_ids
    print(f"speedup={figures[2] / figures[1]:.2f}")

    from production import services

    hits_ms = []
    for job in RenderJob.objects.filter(pk__in=first_batch):
        again = services.render_job_create(
            style=job.style, bpm=job.bpm, key=job.key, duration_s=job.duration_s, seed=job.seed, queue=False
        )
        started = time.perf_counter()
        services.render_job_run(job=again)
        hits_ms.append((time.perf_counter() - started) * 1000)
        again.refresh_from_db()
        assert again.reused_from_id is not None, "an identical render request was rendered again"
    print(f"load_average_after={os.getloadavg()[0]:.2f}")
    print(f"cache_hit_ms_p50={statistics.median(hits_ms):.1f} cache_hit_ms_max={max(hits_ms):.1f}")


if __name__ == "__main__":
    main()
