"""Render jobs whose worker died: heartbeats, and the sweep that hands stalled jobs to another worker.

While a job runs, its run (identified by `run_token`) writes `heartbeat_at` every RENDER_HEARTBEAT_S seconds
from a small thread (and with every progress report). A running job whose last heartbeat (or start) is older
than RENDER_HEARTBEAT_STALE_S has lost its worker (killed, out of memory, the machine restarted): the every-
minute sweep puts it back in the queue, and a redelivered task may also take it over at once. The token makes the
new run the only owner: the old one, should it wake up, can no longer report progress, fail the job or store a
Track, so a job never makes two Tracks.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from lofi_site.queue import enqueue
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.models import RenderJob

logger = logging.getLogger(__name__)

RENDER_TASK = "production.tasks.render_job_run_task"


def heartbeat_interval_s() -> float:
    return float(getattr(settings, "RENDER_HEARTBEAT_S", 15))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "RENDER_HEARTBEAT_STALE_S", 120)))


def max_attempts() -> int:
    return int(getattr(settings, "RENDER_MAX_ATTEMPTS", 3))


def stalled_q() -> Q:
    """Running with no sign of life (heartbeat, else start) for longer than RENDER_HEARTBEAT_STALE_S.

    Plain column conditions, no subquery: in a claiming UPDATE, PostgreSQL re-checks them on the row version it
    finally locks, so of several runs taking over one stalled job only the first finds it still stalled."""
    cutoff = timezone.now() - stale_after()
    return Q(status=RenderJob.Status.RUNNING) & (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    )


def stalled_jobs():
    """Running jobs with no sign of life (heartbeat, else start) for longer than RENDER_HEARTBEAT_STALE_S."""
    return RenderJob.objects.filter(stalled_q())


def heartbeat_beat(*, job_id: int, token: str) -> bool:
    """Record that the run holding `token` is alive. False once another run (or a retry) owns the job."""
    return bool(
        RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, run_token=token).update(
            heartbeat_at=timezone.now()
        )
    )


class Heartbeat:
    """`with Heartbeat(beat): ...` calls `beat()` every `interval_s` seconds from a daemon thread until the block
    ends (or `beat` returns False: the run lost the job). Database errors are logged and the next beat tries
    again; the thread's own database connection is closed when it stops."""

    def __init__(self, beat, interval_s: float | None = None) -> None:
        self.beat = beat
        self.interval_s = heartbeat_interval_s() if interval_s is None else interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    if self.beat() is False:
                        return
                except Exception:  # a locked or briefly unreachable database: the next beat tries again
                    logger.warning("render heartbeat failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only


def render_jobs_requeue_stalled() -> list[int]:
    """Queue every stalled job again (a new run takes it over); one that stalled RENDER_MAX_ATTEMPTS times fails
    with the reason instead of looping. Returns the ids requeued."""
    requeued = []
    for job in stalled_jobs():
        with transaction.atomic():
            locked = stalled_jobs().select_for_update().filter(pk=job.pk).first()
            if locked is None:  # finished, retried or taken over meanwhile
                continue
            if locked.attempts >= max_attempts():
                _fail_stalled(locked)
                continue
            RenderJob.objects.filter(pk=locked.pk).update(
                status=RenderJob.Status.QUEUED,
                progress=0,
                run_token="",
                started_at=None,
                heartbeat_at=None,
                updated_at=timezone.now(),
            )
            audit_log(
                actor=None,
                verb=ProductionVerb.RENDER_JOB_RETRIED,
                obj=locked,
                summary=f"Render job #{locked.pk} stalled (its worker stopped at {locked.progress}%); queued again.",
            )
            enqueue(RENDER_TASK, locked.pk, bulk=locked.batch_id is not None)
            requeued.append(locked.pk)
    return requeued + render_jobs_requeue_lost()


def render_jobs_requeue_lost() -> list[int]:
    """Queue again the jobs still waiting RENDER_QUEUED_RESCUE_S after they were queued.

    A worker cluster takes tasks from the Redis broker ahead of its workers (its local queue); when its host
    dies, those tasks die with it (Redis has no acknowledgement), and their jobs would wait "queued" forever.
    Queueing a job twice is harmless (only the run that claims a queued job renders it; a second task finds it
    running or done and leaves), so a job waiting longer than the broker's own retry time gets a fresh task,
    once per that interval. Returns the ids queued again."""
    waiting_since = timezone.now() - timedelta(seconds=settings.RENDER_QUEUED_RESCUE_S)
    lost = list(
        RenderJob.objects.filter(status=RenderJob.Status.QUEUED, updated_at__lt=waiting_since).values_list(
            "pk", "batch_id"
        )
    )
    for pk, batch_id in lost:
        updated = RenderJob.objects.filter(pk=pk, status=RenderJob.Status.QUEUED, updated_at__lt=waiting_since).update(
            updated_at=timezone.now()
        )
        if updated:
            enqueue(RENDER_TASK, pk, bulk=batch_id is not None, robust=True)
    return [pk for pk, _ in lost]


def _fail_stalled(job: RenderJob) -> None:
    RenderJob.objects.filter(pk=job.pk).update(
        status=RenderJob.Status.FAILED,
        run_token="",
        error=(
            f"The worker stopped {job.attempts} times while rendering this job (killed, out of memory or timed "
            "out); it was not queued again. Check the worker's log, then Retry."
        ),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
