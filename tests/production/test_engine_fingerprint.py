"""Landmark fingerprints, offset voting and duplicate verdicts."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from production.engine import fingerprint as fp
from production.engine.brief import Brief, Key
from tests.production.signals import add_noise, chord_progression, lofi_track

SR = 44100


def _rows(track_id: int, hashes: np.ndarray) -> np.ndarray:
    """What the catalogue stores per track: (track_id, hash, offset_frame) rows."""
    return np.column_stack([np.full(len(hashes), track_id), hashes[:, 0], hashes[:, 1]])


@pytest.fixture(scope="module")
def catalogue():
    tracks = {
        1: lofi_track(bpm=80, key="A minor", duration_s=20.0, seed=1).audio,
        2: lofi_track(bpm=92, key="D major", duration_s=20.0, seed=2).audio,
        3: lofi_track(bpm=70, key="F# minor", duration_s=20.0, seed=3).audio,
    }
    rows = np.concatenate([_rows(track_id, fp.fingerprint(audio, SR)) for track_id, audio in tracks.items()])
    return tracks, rows


def test_noisy_excerpt_matches_its_track_and_offset(catalogue):
    tracks, rows = catalogue
    start_s = 6.3
    excerpt = tracks[2][:, int(start_s * SR) : int((start_s + 10.0) * SR)]
    query = fp.fingerprint(add_noise(excerpt, snr_db=10.0, seed=4), SR)

    matches = fp.match_offsets(query, rows[np.isin(rows[:, 1], query[:, 0])])

    assert matches[0].track_id == 2
    assert matches[0].offset_s == pytest.approx(start_s, abs=2 * fp.FRAME_S)
    assert matches[0].confidence > 2 * max((m.confidence for m in matches[1:]), default=0.0)
    assert fp.verdict(10.0, matches, 20.0) == "contains_catalogue_audio"


def test_whole_copy_is_an_exact_duplicate(catalogue):
    tracks, rows = catalogue
    query = fp.fingerprint(tracks[3], SR)

    matches = fp.match_offsets(query, (rows[:, 0], rows[:, 1], rows[:, 2]))

    assert matches[0].track_id == 3 and matches[0].offset_s == 0.0
    assert matches[0].confidence == pytest.approx(1.0)
    assert fp.verdict(20.0, matches, {1: 20.0, 2: 20.0, 3: 20.0}) == "exact_duplicate"


def test_unrelated_audio_is_clear(catalogue):
    _, rows = catalogue
    other = chord_progression(key=Key("C#", "major"), bpm=104, duration_s=20.0, seed=9)
    query = fp.fingerprint(add_noise(other, snr_db=30.0, seed=1), SR)

    matches = fp.match_offsets(query, rows)

    assert fp.verdict(20.0, matches, 20.0) == "clear"


def test_other_seeds_of_the_engine_are_clear_against_each_other():
    """Same style, tempo and key, different seeds: they share a sound, not audio."""
    from production.engine.render import render

    renders = {
        seed: render(Brief(style="boom_bap", bpm=84.0, key=Key("A", "minor"), duration_s=14.0, seed=seed)).master
        for seed in (21, 22)
    }
    prints = {seed: fp.fingerprint(audio, SR) for seed, audio in renders.items()}

    matches = fp.match_offsets(prints[21], _rows(22, prints[22]))
    self_matches = fp.match_offsets(prints[21], _rows(21, prints[21]))

    assert fp.verdict(14.0, matches, 14.0) == "clear"
    assert fp.verdict(14.0, self_matches, 14.0) == "exact_duplicate"


def test_file_fingerprint_equals_in_memory(tmp_path):
    audio = lofi_track(bpm=75, key="E minor", duration_s=8.0, seed=5).audio
    path = tmp_path / "track.wav"
    soundfile.write(str(path), audio.T, SR, subtype="FLOAT")

    from_file = fp.fingerprint_file(path, block_s=1.3)

    np.testing.assert_array_equal(from_file, fp.fingerprint(audio, SR))
    assert from_file.dtype == np.int64 and from_file.shape[1] == 2
    assert np.all(np.diff(from_file[:, 1]) >= 0)
    assert 40 < len(from_file) / 8.0 < 120  # hashes per second: dense enough to match, small to store


def test_long_chunked_input_equals_whole(monkeypatch):
    """Peak picking a minute at a time gives what it would give on the whole signal."""
    audio = lofi_track(bpm=88, key="G major", duration_s=9.0, seed=6).audio
    whole = fp.fingerprint(audio, SR)
    monkeypatch.setattr(fp, "_CHUNK_SEGMENTS", 2)  # two-second chunks instead of one minute

    np.testing.assert_array_equal(fp.fingerprint(audio, SR), whole)


def _match(track_id=7, offset_s=0.0, aligned=500, query=1000):
    return fp.Match(
        track_id=track_id, offset_s=offset_s, aligned_hashes=aligned, query_hashes=query, confidence=aligned / query
    )


def test_verdict_thresholds():
    assert fp.verdict(180.0, [], 180.0) == "clear"
    assert fp.verdict(180.0, [_match(aligned=2400, query=12000)], 180.0) == "exact_duplicate"  # an MP3 copy
    # the same length and start, but too little of it agrees to call it the same recording
    assert fp.verdict(180.0, [_match(aligned=1000, query=12000)], 180.0) == "contains_catalogue_audio"
    assert (
        fp.verdict(180.0, [_match(aligned=3000, query=12000, offset_s=30.0)], 180.0) == "contains_catalogue_audio"
    )  # starts elsewhere
    shorter_than_reference = fp.verdict(180.0, [_match(aligned=3000, query=12000)], 240.0)
    assert shorter_than_reference == "contains_catalogue_audio"
    assert fp.verdict(180.0, [_match(aligned=500, query=100000)], 180.0) == "clear"  # under 6% coverage
    assert fp.verdict(10.0, [_match(aligned=15, query=100)], 180.0) == "clear"  # too few hashes to trust
    # a one-hour mix that contains a three-minute catalogue track: coverage counts the overlap only
    assert (
        fp.verdict(3600.0, [_match(aligned=1800, query=250000, offset_s=-900.0)], 180.0) == "contains_catalogue_audio"
    )
