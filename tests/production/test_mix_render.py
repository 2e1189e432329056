"""Rendering a long-mix release into one master: crossfaded, loudness-matched, optional ambience bed,
a tracklist with timestamps, the file in private storage; failures leave no file."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from django.core.exceptions import ValidationError
from django.core.files.storage import storages

from catalog.models import Release
from production.engine.dsp import db_to_gain
from production.engine.loudness import measure
from production.models import IngestUpload, MixRender
from production.services.ingest import files_ingest
from production.services.mixes import mix_render_create, mix_tracklist_text
from production.tasks import mix_render_run_task
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory
from tests.production.intel_audio import track_audio, write

pytestmark = pytest.mark.django_db

TRACK_S = 8.0
CROSSFADE_S = 2.0


@pytest.fixture(autouse=True)
def no_broker(settings, monkeypatch, queued_tasks):
    settings.INGEST_MIN_DURATION_S = 3.0


def _mix_release(tmp_path, levels_db=(-6.0, -20.0, -12.0)) -> Release:
    """Three uploaded tracks at very different levels, on a mix release."""
    paths = []
    for seed, level_db in enumerate(levels_db):
        audio = track_audio(seed=20 + seed, duration_s=TRACK_S) * np.float32(db_to_gain(level_db))
        paths.append(write(tmp_path / f"part {seed}.flac", audio))
    results = files_ingest(paths=paths, channel=IngestUpload.Channel.CLI, artist_name="Hana Loop")
    release = ReleaseFactory(kind=Release.Kind.MIX, title="Rainy Night Mix")
    for position, result in enumerate(results, start=1):
        ReleaseTrackFactory(release=release, track=result.track, position=position)
    return release


def _master(mix: MixRender) -> tuple[np.ndarray, int]:
    with mix_open(mix) as handle:
        audio, rate = sf.read(handle, dtype="float32", always_2d=True)
    return audio.T, rate


def mix_open(mix: MixRender):
    return storages["private"].open(mix.path, "rb")


def test_a_mix_release_renders_into_one_loudness_matched_master_with_a_timestamped_tracklist(tmp_path):
    release = _mix_release(tmp_path)
    mix = mix_render_create(release=release, crossfade_s=CROSSFADE_S, target_lufs=-14.0)
    assert mix.status == MixRender.Status.QUEUED

    mix_render_run_task(mix.pk)
    mix_render_run_task(mix.pk)  # a redelivery does nothing

    mix.refresh_from_db()
    assert mix.status == MixRender.Status.SUCCEEDED, mix.error
    expected_s = 3 * TRACK_S - 2 * CROSSFADE_S
    assert mix.duration_s == pytest.approx(expected_s, abs=0.05)
    assert [row["start_s"] for row in mix.tracklist] == pytest.approx([0.0, 6.0, 12.0], abs=0.01)
    assert [row["timestamp"] for row in mix.tracklist] == ["00:00", "00:06", "00:12"]
    assert [row["title"] for row in mix.tracklist] == ["part 0", "part 1", "part 2"]
    assert mix_tracklist_text(mix).splitlines()[1] == "00:06 Hana Loop – part 1"
    assert mix.path.startswith(f"mixes/{release.uuid}/") and mix.sha256 and mix.size_bytes > 0
    assert storages["private"].exists(mix.path) and not storages["default"].exists(mix.path)
    audio, rate = _master(mix)
    assert audio.shape[1] / rate == pytest.approx(expected_s, abs=0.05)
    loudness = measure(audio, sample_rate=rate)
    assert loudness.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert loudness.true_peak_dbtp <= -1.0 + 0.1
    assert mix.integrated_lufs == pytest.approx(loudness.integrated_lufs, abs=0.1)
    # Loudness matched per track: the quiet middle track is lifted to the level of the others.
    middle = measure(audio[:, int(7.5 * rate) : int(11.5 * rate)], sample_rate=rate).integrated_lufs
    first = measure(audio[:, int(0.5 * rate) : int(4.5 * rate)], sample_rate=rate).integrated_lufs
    assert middle == pytest.approx(first, abs=2.0)


def test_an_ambience_bed_runs_under_the_whole_mix_including_the_gaps(tmp_path):
    release = _mix_release(tmp_path, levels_db=(-10.0, -10.0))
    plain = mix_render_create(release=release, crossfade_s=CROSSFADE_S)
    mix_render_run_task(plain.pk)
    rainy = mix_render_create(release=release, crossfade_s=CROSSFADE_S, ambience="rain")
    mix_render_run_task(rainy.pk)

    plain.refresh_from_db()
    rainy.refresh_from_db()
    assert rainy.status == MixRender.Status.SUCCEEDED, rainy.error
    plain_audio, rate = _master(plain)
    rainy_audio, _ = _master(rainy)
    difference = rainy_audio - plain_audio
    # The bed is there in every second of the mix, well under the music.
    per_second = np.sqrt(
        np.mean(difference[:, : (difference.shape[1] // rate) * rate].reshape(2, -1, rate) ** 2, axis=(0, 2))
    )
    assert np.all(per_second > db_to_gain(-55))
    assert measure(difference, sample_rate=rate).integrated_lufs < rainy.integrated_lufs - 8


def test_a_render_whose_track_has_no_audio_fails_with_the_reason_and_keeps_no_file(tmp_path):
    release = _mix_release(tmp_path, levels_db=(-10.0,))
    ReleaseTrackFactory(release=release, track=TrackFactory(title="Ghost"), position=2)
    mix = mix_render_create(release=release)

    mix_render_run_task(mix.pk)

    mix.refresh_from_db()
    assert mix.status == MixRender.Status.FAILED and "Ghost has no original or master file" in mix.error
    assert mix.path == ""
    _, files = storages["private"].listdir("mixes") if storages["private"].exists("mixes") else ([], [])
    assert files == []


def test_only_mix_releases_with_tracks_render_and_a_double_click_queues_once(tmp_path):
    with pytest.raises(ValidationError, match="only long mixes"):
        mix_render_create(release=ReleaseFactory(kind=Release.Kind.ALBUM))
    with pytest.raises(ValidationError, match="has no tracks"):
        mix_render_create(release=ReleaseFactory(kind=Release.Kind.MIX))
    release = _mix_release(tmp_path, levels_db=(-10.0,))

    assert mix_render_create(release=release) == mix_render_create(release=release)
    assert MixRender.objects.count() == 1
