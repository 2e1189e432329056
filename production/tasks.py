"""django-q2 entry points of production. Thin: load by id, call one service.

A task for a row deleted or moved on meanwhile returns without doing anything (a redelivery must be harmless)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from catalog.models import Track
from production import services
from production.models import MixRender, MoodModel, RenderJob


def render_job_run_task(job_id: int) -> None:
    """Render one job. A redelivery, or a job retried or deleted meanwhile, returns without doing anything; a
    redelivery for a job whose worker died (running, heartbeat stopped) takes it over."""
    job = RenderJob.objects.filter(pk=job_id, status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]).first()
    if job is None or (job.status == RenderJob.Status.RUNNING and not job.is_stalled):
        return
    services.render_job_run(job=job)


def render_jobs_requeue_stalled_task() -> None:
    """Scheduled every minute: running jobs whose heartbeat stopped go back to the queue (render_heartbeat)."""
    services.render_jobs_requeue_stalled()


def track_analyze_task(track_id: int) -> None:
    """Analyse a track and draw its waveform and spectrogram (production.services.analysis); the current
    mood tagger, if any, then proposes moods from that analysis."""
    track = Track.objects.filter(pk=track_id).first()
    if track is not None:
        services.track_moods_suggest(track=services.track_analyze(track=track))


def track_fingerprint_task(track_id: int) -> None:
    """Fingerprint a track into the index and check it against the catalogue (production.services.fingerprints)."""
    track = Track.objects.filter(pk=track_id).first()
    if track is not None:
        services.track_fingerprint(track=track)


def mix_render_run_task(mix_id: int) -> None:
    """Render a long-mix release into one master (production.services.mixes)."""
    mix = MixRender.objects.filter(pk=mix_id, status=MixRender.Status.QUEUED).first()
    if mix is not None:
        services.mix_render_run(mix=mix)


def mood_model_train_task(requested_at: str, actor_id: int | None = None) -> None:
    """Train the mood tagger (production.services.moods.mood_model_train). A redelivered task, or one
    overtaken by a model trained since it was requested, does nothing."""
    if MoodModel.objects.filter(created_at__gte=datetime.fromisoformat(requested_at)).exists():
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    services.mood_model_train(actor=actor)
