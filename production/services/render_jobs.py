"""Render jobs: create, retry and run one brief through the engine into a catalogue track; the demo renders."""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Artist, Asset, Track
from catalog.services import artist_ensure, asset_store, mood_ensure, style_ensure, track_files_delete
from lofi_site.actors import Actor
from lofi_site.queue import enqueue
from operations.services import audit_log
from production import naming
from production.audit_verbs import ProductionVerb
from production.engine import media_outputs, visuals
from production.engine.jsonsafe import json_safe
from production.models import Batch, RenderJob
from production.services.ingest import track_intelligence_enqueue
from production.services.render_cache import render_job_key, render_job_reuse
from production.services.render_heartbeat import RENDER_TASK, Heartbeat, heartbeat_beat, stalled_q
from production.services.style_presets import style_preset_overrides

logger = logging.getLogger(__name__)

# Shares of the progress bar: the engine reports 0-100 for its own stages; encoding and storing follow.
_ENGINE_SHARE, _ENCODED_AT = 85, 95


# --- Jobs -------------------------------------------------------------------------------------------------


@transaction.atomic
def render_job_create(
    *,
    style: str,
    bpm: float,
    key: str,
    duration_s: float,
    seed: int,
    mood: str = "chill",
    ambience: str = "none",
    layers: dict[str, bool] | None = None,
    title: str = "",
    artist: Artist | None = None,
    batch: Batch | None = None,
    target_lufs: float = -14.0,
    true_peak_ceiling_db: float = -1.0,
    created_by=None,
    queue: bool = True,
    force_render: bool = False,
) -> RenderJob:
    """Record a brief to render and, with `queue`, enqueue its task once the transaction commits.

    An identical earlier render is reused when the job runs (production.services.render_cache) unless
    `force_render` asks for the audio to be rendered again.

    Raises ValidationError (with the engine's own words where it refuses a value) before anything is saved.
    """
    job = RenderJob(
        style=style,
        bpm=bpm,
        key=key,
        duration_s=duration_s,
        seed=seed,
        mood=mood,
        ambience=ambience,
        layers=layers or {},
        title=title,
        artist=artist,
        batch=batch,
        target_lufs=target_lufs,
        true_peak_ceiling_db=true_peak_ceiling_db,
        created_by=created_by,
        force_render=force_render,
    )
    job.full_clean()
    try:
        job.brief()
    except ValueError as error:
        raise ValidationError(str(error)) from error
    job.save()
    if queue:
        # A batch's renders queue as bulk work; a single render from the cockpit is interactive.
        enqueue(RENDER_TASK, job.pk, bulk=batch is not None)
    return job


@transaction.atomic
def render_job_retry(*, job: RenderJob, actor: Actor = None) -> RenderJob:
    """Queue a failed job again (or one stuck running after its worker died). A queued job is left as is."""
    job = RenderJob.objects.select_for_update().get(pk=job.pk)
    if job.status == RenderJob.Status.QUEUED:
        return job
    if job.status != RenderJob.Status.FAILED and not job.is_stalled:
        raise ValidationError(f"Job #{job.pk} is {job.get_status_display().lower()}; only failed jobs are retried.")
    previous_error = job.error
    job.status = RenderJob.Status.QUEUED
    job.progress = 0
    job.error = ""
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.run_token = ""  # a stalled run that wakes up no longer owns the job
    job.save(
        update_fields=[
            "status",
            "progress",
            "error",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "run_token",
            "updated_at",
        ]
    )
    audit_log(
        actor=actor,
        verb=ProductionVerb.RENDER_JOB_RETRIED,
        obj=job,
        summary=f"Retried render job #{job.pk}",
        changes={"error": [previous_error[:500], ""]},
    )
    enqueue(RENDER_TASK, job.pk, bulk=job.batch_id is not None)
    return job


def render_job_run(*, job: RenderJob) -> RenderJob:
    """Render a queued job (or take over a stalled one), store its files and create its draft Track; mark the job
    succeeded or failed.

    Guarantees: only one run owns a job at a time (a redelivered or duplicate task returns a job that is running
    with a live heartbeat untouched, and takes over one whose heartbeat stopped, see render_heartbeat);
    `progress` rises to 100 while it runs; on success the Track and all its Assets appear in one
    transaction together with the job's `succeeded` status; on any failure there is no Track, every file
    this run wrote is deleted, and the job is `failed` with the reason in `error`.

    Not one big transaction on purpose: a render takes minutes, progress must be visible meanwhile, and
    an open write transaction would lock SQLite for everyone else.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    # One conditional UPDATE with no subquery (issue 13: a subquery is not re-checked under the row lock), so of
    # a task and its redelivery, or several runs taking over a stalled job, exactly one claims it.
    claimable = Q(pk=job.pk) & (Q(status=RenderJob.Status.QUEUED) | stalled_q())
    claimed = RenderJob.objects.filter(claimable).update(
        status=RenderJob.Status.RUNNING,
        progress=0,
        error="",
        started_at=now,
        heartbeat_at=now,
        run_token=token,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        finished_at=None,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    job = RenderJob.objects.filter(pk=job.pk).first() or job
    if not claimed or job.run_token != token:  # finished, running elsewhere, retried or deleted: leave it alone
        return job
    with Heartbeat(lambda: heartbeat_beat(job_id=job.pk, token=token)):
        return _run_claimed(job)


def _run_claimed(job: RenderJob) -> RenderJob:
    try:
        key = render_job_key(job=job)
        if render_job_reuse(job=job, key=key):
            job.refresh_from_db()
            return job
        RenderJob.objects.filter(pk=job.pk).update(render_key=key)
        with tempfile.TemporaryDirectory(prefix=f"render-{job.pk}-") as workdir:
            rendered = _render(job)
            outputs = _encode(rendered, Path(workdir))
            _set_progress(job, _ENCODED_AT)
            _store(job=job, rendered=rendered, outputs=outputs)
    except Exception as error:  # any failure at all must end as a failed job, never a job stuck "running"
        logger.exception("render job %s failed", job.pk)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        # Only while this run still owns the job: a run that was taken over must not fail its successor.
        RenderJob.objects.filter(pk=job.pk, run_token=job.run_token).update(
            status=RenderJob.Status.FAILED,
            error=f"{type(error).__name__}: {message}"[:4000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


@dataclass
class _Rendered:
    brief: Any  # production.engine.brief.Brief
    result: Any  # production.engine.render.RenderResult
    overrides: dict
    timings: dict[str, float]


@dataclass
class _Output:
    kind: str
    label: str
    path: Path
    details: dict


def _render(job: RenderJob) -> _Rendered:
    from production.engine import render as engine_render  # heavy imports stay out of web requests

    brief = job.brief()
    composition, fx = style_preset_overrides(brief.style)
    started = time.perf_counter()
    result = engine_render.render(
        brief,
        preset_overrides=composition or None,
        fx_overrides=fx or None,
        progress=lambda percent: _set_progress(job, percent * _ENGINE_SHARE / 100),
        soundfont_dir=settings.LOFI_SOUNDFONT_DIR or None,
    )
    timings = {stage: round(float(seconds), 3) for stage, seconds in dict(result.timings).items()}
    timings["render_total"] = round(time.perf_counter() - started, 3)
    return _Rendered(brief=brief, result=result, overrides={"composition": composition, "fx": fx}, timings=timings)


def _set_progress(job: RenderJob, percent: float) -> None:
    """Write progress only when it rises, and only while this run owns the job; each report is a heartbeat too."""
    value = max(0, min(99, int(percent)))  # 100 is written with the Track, never before
    if value > job.progress:
        job.progress = value
        RenderJob.objects.filter(
            pk=job.pk, status=RenderJob.Status.RUNNING, run_token=job.run_token, progress__lt=value
        ).update(progress=value, heartbeat_at=timezone.now())


def _encode(rendered: _Rendered, workdir: Path) -> list[_Output]:
    """Every file of the track, written to a temporary folder before any storage is touched."""
    started = time.perf_counter()
    result = rendered.result
    sample_rate = int(result.sample_rate)
    master = np.asarray(result.master, dtype=np.float32)
    duration_s = master.shape[1] / sample_rate
    audio_details = {"sample_rate": sample_rate, "channels": master.shape[0]}
    outputs = []

    path = workdir / "master.wav"
    media_outputs.write_wav_24(path, master, sample_rate)
    outputs.append(
        _Output(
            Asset.Kind.MASTER, "", path, {**audio_details, "format": "wav", "bit_depth": 24, "duration_s": duration_s}
        )
    )
    path = workdir / "preview.mp3"
    preview_s = media_outputs.write_mp3_preview(path, master, sample_rate)
    outputs.append(_Output(Asset.Kind.PREVIEW, "", path, {**audio_details, "format": "mp3", "duration_s": preview_s}))
    for part, stem in result.stems.items():
        stem = np.asarray(stem, dtype=np.float32)
        path = workdir / f"stem-{part}.flac"
        media_outputs.write_flac_24(path, stem, sample_rate)
        outputs.append(
            _Output(
                Asset.Kind.STEM,
                part,
                path,
                {
                    "sample_rate": sample_rate,
                    "channels": stem.shape[0],
                    "format": "flac",
                    "bit_depth": 24,
                    "duration_s": stem.shape[1] / sample_rate,
                },
            )
        )
    path = workdir / "score.mid"
    result.score.write(str(path))
    outputs.append(_Output(Asset.Kind.MIDI, "", path, {"format": "mid"}))
    pictures = (
        (Asset.Kind.WAVEFORM, "waveform.png", visuals.waveform_png((master, sample_rate)), "png"),
        (
            Asset.Kind.PEAKS,
            "peaks.json",
            json.dumps(visuals.peaks_json((master, sample_rate)), separators=(",", ":")).encode(),
            "json",
        ),
        (Asset.Kind.SPECTROGRAM, "spectrogram.png", visuals.spectrogram_png((master, sample_rate)), "png"),
    )
    for kind, filename, content, fmt in pictures:
        path = workdir / filename
        path.write_bytes(content)
        outputs.append(_Output(kind, "", path, {"format": fmt}))
    rendered.timings["encode"] = round(time.perf_counter() - started, 3)
    return outputs


def _store(*, job: RenderJob, rendered: _Rendered, outputs: Sequence[_Output]) -> Track:
    """Create the Track and its Assets and mark the job succeeded, all or nothing."""
    started = time.perf_counter()
    track = Track()  # its uuid names the storage folder, known before anything is written
    try:
        with transaction.atomic():
            track = _track_create(job=job, rendered=rendered, track=track)
            for output in outputs:
                with output.path.open("rb") as stream:
                    asset_store(
                        track=track,
                        kind=output.kind,
                        label=output.label,
                        content=stream,
                        filename=output.path.name,
                        **output.details,
                    )
            rendered.timings["store"] = round(time.perf_counter() - started, 3)
            locked = RenderJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != RenderJob.Status.RUNNING or locked.run_token != job.run_token:
                # Retried, or taken over after this run's heartbeat stopped: the owner makes the one Track.
                raise RuntimeError(f"job #{job.pk} is {locked.status} now; this run no longer owns it")
            locked.status = RenderJob.Status.SUCCEEDED
            locked.progress = 100
            locked.track = track
            locked.timings = rendered.timings
            locked.overrides_used = rendered.overrides
            locked.finished_at = timezone.now()
            locked.save(
                update_fields=["status", "progress", "track", "timings", "overrides_used", "finished_at", "updated_at"]
            )
            audit_log(
                actor=None,
                verb=ProductionVerb.RENDER_TRACK_CREATED,
                obj=track,
                summary=f"Render job #{job.pk} made draft track {track.title!r}",
                changes={"qc_passed": [None, track.qc_passed]},
            )
            # Analysis and the fingerprint with its duplicate check run after commit, like an upload's.
            track_intelligence_enqueue(track=track)
    except BaseException:
        track_files_delete(track=track)
        raise
    return track


def _track_create(*, job: RenderJob, rendered: _Rendered, track: Track) -> Track:
    brief, result = rendered.brief, rendered.result
    qc = json_safe(result.qc.to_dict())
    qc["passed"] = bool(result.qc.passed)
    qc["failures"] = [str(f) for f in result.qc.failures]
    style = style_ensure(slug=brief.style, name=_label(brief.style))
    mood = mood_ensure(slug=brief.mood, name=_label(brief.mood))
    track.title = job.title or naming.track_title(style=brief.style, seed=brief.seed)
    track.artist = job.artist or _default_persona(brief.style)
    track.style = style
    track.status = Track.Status.DRAFT
    track.source = Track.Source.GENERATED
    track.is_ai_generated = True
    track.bpm = float(brief.bpm)
    track.key = brief.key.tonic
    track.mode = brief.key.mode
    track.duration_s = round(np.asarray(result.master).shape[1] / int(result.sample_rate), 3)
    track.integrated_lufs = _float_or_none(qc.get("integrated_lufs"))
    track.true_peak_dbtp = _float_or_none(qc.get("true_peak_dbtp"))
    track.loudness_range_lu = _float_or_none(qc.get("loudness_range_lu"))
    track.qc_passed = qc["passed"]
    track.qc_report = qc
    # What the engine knows about its own track; the ingest analysis adds its measurements beside it.
    track.analysis = {
        "render": json_safe(
            {
                "job": job.pk,
                "seed": brief.seed,
                "sections": result.section_map(),
                "chords": result.chord_chart(),
                "master_gain_db": getattr(result, "master_gain_db", None),
                # What the editor's ear panels on the Track page show: who played each part, and the tilt.
                "instruments": getattr(result, "instruments", {}),
                "spectrum": visuals.spectrum_bands((np.asarray(result.master), int(result.sample_rate))),
            }
        )
    }
    track.full_clean()
    track.save()
    track.moods.set([mood])
    return track


def _default_persona(style: str) -> Artist:
    slug, name = naming.default_persona(style)
    return artist_ensure(
        slug=slug,
        name=name,
        is_persona=True,
        bio=f"A persona of the label's generative engine: {style.replace('_', ' ')} lo-fi.",
    )


def _label(slug: str) -> str:
    return slug.replace("_", " ").replace("-", " ").capitalize()


def _float_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


# --- Demo data --------------------------------------------------------------------------------------------

# Styles whose default personas the catalogue's demo seeds already (catalog/demo.py), moods from its list.
DEMO_BRIEFS: tuple[dict[str, Any], ...] = (
    {"style": "jazz", "bpm": 82.0, "key": "A minor", "mood": "chill", "ambience": "rain", "seed": 7},
    {"style": "cafe", "bpm": 86.0, "key": "F major", "mood": "cozy", "ambience": "cafe", "seed": 11},
    {"style": "rainy_day", "bpm": 72.0, "key": "D minor", "mood": "dreamy", "ambience": "rain", "seed": 23},
)
DEMO_DURATION_S = 24.0


def demo_tracks_render(*, duration_s: float | None = None) -> list[RenderJob]:
    """Render the demo tracks synchronously, skipping any whose brief already made a track (idempotent)."""
    duration_s = duration_s or DEMO_DURATION_S
    jobs = []
    for brief in DEMO_BRIEFS:
        done = (
            RenderJob.objects.filter(
                status=RenderJob.Status.SUCCEEDED, track__isnull=False, duration_s=duration_s, **brief
            )
            .select_related("track")
            .first()
        )
        if done is not None:
            jobs.append(done)
            continue
        job = render_job_create(duration_s=duration_s, queue=False, **brief)
        jobs.append(render_job_run(job=job))
    return jobs
