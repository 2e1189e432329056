"""`analyze_audio FILE` prints one JSON object with the documented keys and touches no database; the
analysis task fills an uploaded track's facts, beat grid and pictures; renders queue it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from catalog.models import Asset, Track
from production import services
from production.models import IngestUpload
from production.services.ingest import ANALYZE_TASK, FINGERPRINT_TASK, files_ingest
from production.tasks import track_analyze_task
from tests.production.intel_audio import track_audio, write

KEYS = {
    "duration_s",
    "sample_rate",
    "channels",
    "integrated_lufs",
    "true_peak_dbtp",
    "loudness_range_lu",
    "bpm",
    "bpm_confidence",
    "key",
    "mode",
    "key_confidence",
    "camelot",
    "energy",
    "spectral_centroid_hz",
}


@pytest.mark.django_db
def test_analyze_audio_prints_one_json_object_with_every_key_and_writes_nothing(tmp_path, django_assert_num_queries):
    path = write(tmp_path / "sketch.flac", track_audio(seed=0, duration_s=12.0, bpm=84.0, key="A minor"))
    out = io.StringIO()

    with django_assert_num_queries(0):
        call_command("analyze_audio", str(path), stdout=out)

    document = json.loads(out.getvalue())
    assert set(document) == KEYS
    assert document["duration_s"] == pytest.approx(12.0, abs=0.01)
    assert (document["sample_rate"], document["channels"]) == (44100, 2)
    assert document["bpm"] == pytest.approx(84.0, rel=0.03)
    assert (document["key"], document["mode"], document["camelot"]) == ("A", "minor", "8A")
    assert 0.0 <= document["energy"] <= 1.0 and document["integrated_lufs"] < 0


@pytest.mark.django_db
def test_analyze_audio_refuses_a_file_that_is_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("not audio at all")

    with pytest.raises(CommandError, match=r"notes\.wav is not an audio file"):
        call_command("analyze_audio", str(path), stdout=io.StringIO())


@pytest.mark.django_db
def test_the_analysis_task_fills_an_uploads_facts_beat_grid_and_pictures(tmp_path, settings, monkeypatch, queued_tasks):
    settings.INGEST_MIN_DURATION_S = 3.0
    path = write(tmp_path / "Tram Window.mp3", track_audio(seed=1, duration_s=12.0, bpm=90.0, key="D minor"))
    [result] = files_ingest(paths=[path], channel=IngestUpload.Channel.CLI)

    track_analyze_task(result.track.pk)
    track_analyze_task(result.track.pk)  # a redelivered task changes nothing

    track = Track.objects.get(pk=result.track.pk)
    assert track.bpm == pytest.approx(90.0, rel=0.03)
    assert (track.key, track.mode) == ("D", "minor")
    assert track.duration_s == pytest.approx(12.0, abs=0.1)
    assert track.integrated_lufs < 0 and track.true_peak_dbtp <= 0.5 and track.loudness_range_lu >= 0
    assert 0 <= track.energy <= 1
    measured = track.analysis["measured"]
    assert set(measured) >= KEYS
    beats = measured["beat_times_s"]
    assert len(beats) >= 15  # 18 beats in 12 s at 90 BPM
    assert sorted(beats) == beats and 60 / (beats[-1] - beats[-2]) == pytest.approx(90.0, rel=0.05)
    pictures = {a.kind: a for a in track.assets.exclude(kind=Asset.Kind.ORIGINAL)}
    assert set(pictures) == {Asset.Kind.WAVEFORM, Asset.Kind.PEAKS, Asset.Kind.SPECTROGRAM}
    assert all(a.storage == Asset.StorageName.PUBLIC and a.url for a in pictures.values())
    with pictures[Asset.Kind.SPECTROGRAM].open() as handle:
        assert Image.open(handle).size == (1200, 300)
    with pictures[Asset.Kind.PEAKS].open() as handle:
        assert json.load(handle)["length"] > 0


@pytest.mark.django_db
def test_a_finished_render_queues_analysis_and_fingerprint_of_its_track(
    queued_tasks, django_capture_on_commit_callbacks
):
    job = services.render_job_create(style="jazz", bpm=82, key="A minor", duration_s=5.0, seed=3, queue=False)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.render_job_run(job=job)

    assert job.track is not None
    assert sorted(queued_tasks) == sorted([(ANALYZE_TASK, job.track.pk), (FINGERPRINT_TASK, job.track.pk)])
    # The render's brief stays the truth for a generated track; the measurement goes beside it.
    track_analyze_task(job.track.pk)
    track = Track.objects.get(pk=job.track.pk)
    assert (track.bpm, track.key, track.mode) == (82.0, "A", "minor")
    assert "render" in track.analysis and track.analysis["measured"]["bpm"] > 0
    assert track.energy is not None
