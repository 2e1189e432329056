"""A render job from queue to draft Track: status, progress, the Track's facts and every file it keeps.

These run the real engine on a 6-second brief (the whole point is that the Django side stores what the
engine really makes)."""

from __future__ import annotations

import io
import json

import numpy as np
import pretty_midi
import pytest
import soundfile as sf
from django.core.files.storage import storages
from PIL import Image

from catalog.models import Asset, Track
from production import services
from production.engine import loudness
from production.engine import render as engine_render
from production.models import RenderJob, StylePreset
from production.services import render_jobs
from production.tasks import render_job_run_task

pytestmark = pytest.mark.django_db

DURATION_S = 6.0


@pytest.fixture
def progress_seen(monkeypatch) -> list[tuple[str, int]]:
    """(status, progress) as stored in the database each time the service reports progress."""
    seen: list[tuple[str, int]] = []
    original = render_jobs._set_progress

    def spy(job, percent):
        original(job, percent)
        seen.append(RenderJob.objects.values_list("status", "progress").get(pk=job.pk))

    monkeypatch.setattr(render_jobs, "_set_progress", spy)
    return seen


@pytest.fixture
def no_broker(monkeypatch, queued_tasks):
    """Enqueued tasks are recorded (queued_tasks), never sent."""


def _read(asset: Asset) -> bytes:
    with asset.open() as handle:
        return handle.read()


def test_a_queued_job_runs_to_a_draft_track_with_all_its_files(no_broker, progress_seen):
    job = services.render_job_create(
        style="jazz", bpm=82, key="A minor", duration_s=DURATION_S, seed=7, mood="chill", ambience="rain"
    )
    assert (job.status, job.progress, job.track) == (RenderJob.Status.QUEUED, 0, None)

    render_job_run_task(job.pk)

    job.refresh_from_db()
    assert job.status == RenderJob.Status.SUCCEEDED and job.progress == 100 and job.error == ""
    assert job.attempts == 1 and job.started_at <= job.finished_at
    # Progress was visible while it ran, rose step by step, and never claimed 100 before the Track existed.
    assert len(progress_seen) >= 3
    assert {status for status, _ in progress_seen} == {RenderJob.Status.RUNNING}
    values = [progress for _, progress in progress_seen]
    assert values == sorted(values) and values[-1] < 100 and values[-1] > values[0]
    assert {"render_total", "encode", "store"} <= set(job.timings)

    track = Track.objects.select_related("artist", "style").get(pk=job.track_id)
    assert track.status == Track.Status.DRAFT and track.source == Track.Source.GENERATED
    assert track.is_ai_generated
    assert (track.bpm, track.key, track.mode) == (82.0, "A", "minor")
    assert track.duration_s == pytest.approx(DURATION_S, abs=0.5)
    assert track.style.slug == "jazz" and list(track.moods.values_list("slug", flat=True)) == ["chill"]
    assert track.artist.slug == "paper-lantern"  # the jazz persona, as the job named no artist
    # QC facts are filled from the engine's report, so approval can be blocked with the reason.
    assert track.qc_passed is track.qc_report["passed"]
    assert isinstance(track.qc_report["failures"], list)
    qc_blockers = [b for b in track.approval_blockers() if b.startswith("QC failed: ")]
    assert len(qc_blockers) == (0 if track.qc_passed else 1)

    assets = {(a.kind, a.label): a for a in track.assets.all()}
    master = assets[(Asset.Kind.MASTER, "")]
    assert master.storage == "private" and not master.url
    audio, sample_rate = sf.read(io.BytesIO(_read(master)), always_2d=True)
    # The loudness facts on the track describe the stored master: measured again from the file, they agree.
    heard = loudness.measure(audio.T.astype(np.float32), sample_rate=sample_rate)
    assert track.integrated_lufs == pytest.approx(heard.integrated_lufs, abs=0.1)
    assert track.true_peak_dbtp == pytest.approx(heard.true_peak_dbtp, abs=0.1)
    assert track.loudness_range_lu == pytest.approx(heard.loudness_range_lu, abs=0.5)
    assert track.integrated_lufs == pytest.approx(-14.0, abs=1.0) and track.true_peak_dbtp <= -0.9
    assert sf.info(io.BytesIO(_read(master))).subtype == "PCM_24"
    assert audio.shape[1] == 2 and audio.shape[0] / sample_rate == pytest.approx(track.duration_s, abs=0.01)
    assert master.size_bytes == len(_read(master))

    preview = assets[(Asset.Kind.PREVIEW, "")]
    assert preview.storage == "default" and preview.url and preview.format == "mp3"
    assert preview.duration_s <= 60

    stems = {label: a for (kind, label), a in assets.items() if kind == Asset.Kind.STEM}
    assert stems and set(stems) <= {"drums", "perc", "bass", "keys", "piano", "pad", "pluck", "melody"}
    assert all(a.storage == "private" and a.format == "flac" for a in stems.values())
    stem_audio, _ = sf.read(io.BytesIO(_read(next(iter(stems.values())))), always_2d=True)
    assert stem_audio.shape == audio.shape

    midi = pretty_midi.PrettyMIDI(io.BytesIO(_read(assets[(Asset.Kind.MIDI, "")])))
    assert sum(len(i.notes) for i in midi.instruments) > 0
    assert assets[(Asset.Kind.MIDI, "")].storage == "private"

    waveform = assets[(Asset.Kind.WAVEFORM, "")]
    assert waveform.storage == "default"
    image = Image.open(io.BytesIO(_read(waveform)))
    assert image.format == "PNG" and image.width >= 800
    peaks = json.loads(_read(assets[(Asset.Kind.PEAKS, "")]))
    assert assets[(Asset.Kind.PEAKS, "")].storage == "default"
    assert len(peaks["data"]) == 2 * peaks["length"] and max(peaks["data"]) > 0 > min(peaks["data"])
    spectrogram = assets[(Asset.Kind.SPECTROGRAM, "")]
    assert spectrogram.storage == "default"
    assert Image.open(io.BytesIO(_read(spectrogram))).format == "PNG"


def test_the_preview_is_a_shortened_low_bitrate_mp3_that_fades_out(no_broker):
    job = services.render_job_create(style="study", bpm=78, key="F major", duration_s=DURATION_S, seed=3, queue=False)

    job = services.render_job_run(job=job)

    preview = job.track.assets.get(kind=Asset.Kind.PREVIEW)
    from pedalboard.io import AudioFile

    with AudioFile(io.BytesIO(_read(preview))) as mp3:
        decoded = mp3.read(mp3.frames)
        assert mp3.samplerate == 44100
    kbps = preview.size_bytes * 8 / DURATION_S / 1000
    assert kbps < 160  # about 128 kbit/s: fine for listening, not a master
    tail = decoded[:, -2205:]
    body = decoded[:, decoded.shape[1] // 3 : decoded.shape[1] // 3 * 2]
    assert np.sqrt(np.mean(tail**2)) < 0.2 * np.sqrt(np.mean(body**2))  # it fades out instead of cutting


def test_a_style_preset_override_reaches_the_engine(no_broker, monkeypatch):
    preset = StylePreset.objects.get(style="cafe")
    preset.composition_overrides = {"swing": 0.7}
    preset.fx_overrides = {"wow_depth_ms": 2.0}
    services.style_preset_save(preset=preset)
    received = {}
    real_render = engine_render.render

    def spy(brief, **kwargs):
        received.update(kwargs)
        return real_render(brief, **kwargs)

    monkeypatch.setattr(engine_render, "render", spy)
    job = services.render_job_create(style="cafe", bpm=86, key="F major", duration_s=DURATION_S, seed=11, queue=False)

    job = services.render_job_run(job=job)

    assert job.status == RenderJob.Status.SUCCEEDED
    assert received["preset_overrides"] == {"swing": 0.7}
    assert received["fx_overrides"] == {"wow_depth_ms": 2.0}
    assert job.overrides_used == {"composition": {"swing": 0.7}, "fx": {"wow_depth_ms": 2.0}}


def test_files_live_only_under_the_tracks_folder_of_each_storage(no_broker):
    job = services.render_job_run(
        job=services.render_job_create(
            style="ambient", bpm=66, key="D minor", duration_s=DURATION_S, seed=5, queue=False
        )
    )

    prefix = f"tracks/{job.track.uuid}"
    for name in ("default", "private"):
        _, files = storages[name].listdir(prefix)
        stored = {a.path for a in job.track.assets.filter(storage=name)}
        assert {f"{prefix}/{f}" for f in files} == stored


def test_the_admin_brief_form_renders_through_django_q(client, editor, monkeypatch, django_capture_on_commit_callbacks):
    from django.urls import reverse
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs the task in-process, as a worker would
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:production_renderjob_add"),
            {
                "title": "Night Bus",
                "artist": "",
                "style": "japanese",
                "bpm": 76,
                "key": "D minor",
                "duration_s": DURATION_S,
                "seed": 23,
                "mood": "dreamy",
                "ambience": "nature",
                "target_lufs": -14,
                "true_peak_ceiling_db": -1,
            },
        )

    assert response.status_code == 302
    job = RenderJob.objects.select_related("track").get()
    assert job.status == RenderJob.Status.SUCCEEDED, job.error
    assert job.track.title == "Night Bus" and job.track.artist.slug == "kissa-tapes"
