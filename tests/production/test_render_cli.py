"""The render CLI: `render_track` prints one JSON object describing what it made; `render_batch` queues."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import soundfile as sf
from django.core.management import CommandError, call_command

from catalog.models import Track
from production.models import Batch, RenderJob

pytestmark = pytest.mark.django_db


def test_render_track_prints_one_json_object_with_the_track_files_qc_and_timings(tmp_path):
    out = io.StringIO()
    master_copy = tmp_path / "exports" / "master.wav"

    call_command(
        "render_track",
        "--style",
        "jazz",
        "--bpm",
        "82",
        "--key",
        "A minor",
        "--duration",
        "6",
        "--seed",
        "7",
        "--ambience",
        "rain",
        "--out",
        str(master_copy),
        stdout=out,
    )

    document = json.loads(out.getvalue())  # the whole of stdout is one JSON document
    assert {"track_id", "files", "qc", "timings"} <= set(document)
    track = Track.objects.get(pk=document["track_id"])
    assert RenderJob.objects.get(track=track).status == RenderJob.Status.SUCCEEDED
    assert isinstance(document["qc"]["integrated_lufs"], float)
    assert isinstance(document["qc"]["true_peak_dbtp"], float)
    assert document["qc"]["integrated_lufs"] == track.integrated_lufs
    assert document["timings"]["render_total"] > 0
    files = document["files"]
    for kind in ("master", "preview", "midi", "waveform", "peaks"):
        assert Path(files[kind]).is_file(), kind
    assert files["stems"] and all(Path(p).is_file() for p in files["stems"].values())
    assert Path(files["out"]).read_bytes() == Path(files["master"]).read_bytes()
    assert sf.info(str(master_copy)).duration == pytest.approx(6.0, abs=0.5)


def test_render_track_masters_to_the_platform_asked_for():
    out = io.StringIO()

    call_command(
        "render_track",
        "--style",
        "study",
        "--bpm",
        "76",
        "--key",
        "C major",
        "--duration",
        "6",
        "--seed",
        "3",
        "--platform",
        "apple_music",
        stdout=out,
    )

    qc = json.loads(out.getvalue())["qc"]
    assert qc["integrated_lufs"] == pytest.approx(-16.0, abs=0.5)  # Apple Music's target, not the -14 default


def test_render_track_reports_a_bad_brief_as_an_error_and_prints_no_json():
    out = io.StringIO()

    with pytest.raises(CommandError, match="unknown tonic 'H'"):
        call_command(
            "render_track",
            "--style",
            "jazz",
            "--bpm",
            "82",
            "--key",
            "H minor",
            "--duration",
            "6",
            "--seed",
            "7",
            stdout=out,
        )

    assert out.getvalue() == ""
    assert not RenderJob.objects.exists()


def test_render_batch_queues_the_grid_and_prints_its_id_and_job_count(queued_tasks, django_capture_on_commit_callbacks):
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "render_batch",
            "--styles",
            "jazz,cafe",
            "--bpms",
            "72,86",
            "--keys",
            "A minor",
            "--moods",
            "chill",
            "--count",
            "2",
            "--duration",
            "120",
            "--seed-base",
            "500",
            stdout=out,
        )

    document = json.loads(out.getvalue())
    batch = Batch.objects.get(pk=document["batch_id"])
    assert document["job_count"] == 2 * 2 * 1 * 1 * 2 == batch.jobs.count()
    assert sorted(batch.jobs.values_list("seed", flat=True)) == list(range(500, 508))
    assert sorted(job_id for _task, job_id in queued_tasks) == sorted(batch.jobs.values_list("pk", flat=True))


def test_render_batch_refuses_an_unknown_style():
    with pytest.raises(CommandError, match="Unknown style 'polka'"):
        call_command(
            "render_batch",
            "--styles",
            "polka",
            "--bpms",
            "80",
            "--keys",
            "C major",
            "--duration",
            "60",
            stdout=io.StringIO(),
        )
    assert not Batch.objects.exists()
