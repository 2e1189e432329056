"""Whole-track analysis: loudness, tempo, key, energy and the JSON the catalogue stores."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from production.engine.analysis import analyze
from production.engine.brief import Key
from tests.production.signals import chord_progression, drum_loop, lofi_track, sine

SR = 44100
EXPECTED_KEYS = {
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


def test_minus_23_dbfs_sine_reads_minus_23_lufs_from_a_file(tmp_path):
    path = tmp_path / "tone.wav"
    soundfile.write(str(path), sine(1000, level_dbfs=-23.0, duration_s=20.0).T, SR, subtype="FLOAT")

    result = analyze(path, block_s=3.0)

    assert result.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert result.true_peak_dbtp == pytest.approx(-23.0, abs=0.2)
    assert result.duration_s == pytest.approx(20.0)
    assert result.spectral_centroid_hz == pytest.approx(1000, rel=0.05)


def test_to_dict_has_exactly_the_catalogue_fields():
    track = lofi_track(bpm=84, key="F# minor", duration_s=20.0, seed=2)

    result = analyze((track.audio, SR))
    data = result.to_dict()

    assert set(data) == EXPECTED_KEYS
    assert data["key"] == "F#" and data["mode"] == "minor" and data["camelot"] == "11A"
    assert data["bpm"] == pytest.approx(84, rel=0.02)
    assert data["channels"] == 2 and data["sample_rate"] == SR
    assert all(0.0 <= data[name] <= 1.0 for name in ("bpm_confidence", "key_confidence", "energy"))
    assert len(result.beat_times_s) == pytest.approx(20.0 * 84 / 60, abs=2)


def test_file_and_memory_give_the_same_answer(tmp_path):
    track = lofi_track(bpm=92, key="D major", duration_s=15.0, seed=4)
    path = tmp_path / "track.flac"
    soundfile.write(str(path), track.audio.T, SR, subtype="PCM_24")

    from_file = analyze(path, block_s=2.0).to_dict()
    in_memory = analyze((track.audio, SR), block_s=7.0).to_dict()

    for name in ("key", "mode", "camelot"):
        assert from_file[name] == in_memory[name]
    assert from_file["bpm"] == pytest.approx(in_memory["bpm"], rel=0.005)  # 24-bit file, other block size
    assert from_file["integrated_lufs"] == pytest.approx(in_memory["integrated_lufs"], abs=0.05)


def test_busy_fast_track_has_more_energy_than_a_quiet_slow_one():
    busy = drum_loop(bpm=98, duration_s=15.0, seed=1) + chord_progression(
        key=Key("E", "minor"), bpm=98, duration_s=15.0
    )
    quiet = 0.05 * chord_progression(key=Key("C", "major"), bpm=60, duration_s=15.0, beats_per_chord=8)

    busy_energy = analyze((busy, SR)).energy
    quiet_energy = analyze((quiet, SR)).energy

    assert busy_energy > quiet_energy + 0.2


def test_silence_does_not_break_analysis():
    result = analyze((np.zeros((2, SR * 5), dtype=np.float32), SR))

    assert result.bpm == 0.0 and result.bpm_confidence == 0.0
    assert result.integrated_lufs == -70.0
    assert result.energy == pytest.approx(0.0, abs=0.01)
