"""Long mixes: equal-power crossfades, tracklists, loudness, ambience bed and the true-peak limiter."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from production.engine.longmix import MixItem, TruePeakLimiter, looped_bed, render_mix, tracklist_text
from production.engine.loudness import measure
from tests.production.signals import lofi_track, sine

SR = 44100


def _noise(seconds, seed, level=0.05):
    return (np.random.default_rng(seed).standard_normal((2, int(seconds * SR))) * level).astype(np.float32)


def _wav(path, audio, sample_rate=SR):
    soundfile.write(str(path), audio.T, sample_rate, subtype="FLOAT")
    return path


def _rms_db(audio):
    return 10 * np.log10(np.mean(np.square(audio, dtype=np.float64)))


def test_equal_power_crossfade_has_no_dip_in_the_middle(tmp_path):
    first = _wav(tmp_path / "a.wav", _noise(6.0, seed=1))
    second = _wav(tmp_path / "b.wav", _noise(6.0, seed=2))
    out = tmp_path / "mix.wav"

    result = render_mix([MixItem(first, crossfade_s=3.0, gain_db=0.0), MixItem(second, gain_db=0.0)], out_path=out)

    mix, _ = soundfile.read(str(out), dtype="float32")
    mix = mix.T
    assert result.duration_s == pytest.approx(9.0)
    solo = _rms_db(mix[:, : 2 * SR])
    middle = _rms_db(mix[:, int(4.25 * SR) : int(4.75 * SR)])  # the crossfade runs from 3 s to 6 s
    assert abs(middle - solo) < 0.5  # a linear crossfade of uncorrelated tracks would dip 3 dB here


def test_tracklist_timestamps_follow_the_crossfades(tmp_path):
    paths = [
        _wav(tmp_path / f"{name}.wav", _noise(seconds, seed=i))
        for i, (name, seconds) in enumerate([("one", 5.0), ("two", 6.0), ("three", 7.0)])
    ]
    items = [
        MixItem(paths[0], title="Morning", crossfade_s=1.0, gain_db=0.0),
        MixItem(paths[1], title="Noon", crossfade_s=2.0, gain_db=0.0),
        MixItem(paths[2], gain_db=0.0),
    ]

    result = render_mix(items, out_path=tmp_path / "mix.flac")

    assert result.tracklist == [("Morning", 0.0), ("Noon", 4.0), ("three", 8.0)]
    assert result.duration_s == pytest.approx(15.0)
    assert tracklist_text(result.tracklist) == "00:00 Morning\n00:04 Noon\n00:08 three"


def test_tracklist_text_uses_hours_past_an_hour():
    text = tracklist_text([("Intro", 0.0), ("Deep", 59 * 60 + 58.7), ("Late", 3723.2)])

    assert text.splitlines() == ["0:00:00 Intro", "0:59:58 Deep", "1:02:03 Late"]


def test_tracks_are_loudness_matched_and_the_mix_hits_the_target(tmp_path):
    quiet = lofi_track(bpm=80, key="A minor", duration_s=8.0, seed=1).audio * 0.1  # about -37 LUFS
    loud = lofi_track(bpm=84, key="C major", duration_s=8.0, seed=2).audio
    items = [MixItem(_wav(tmp_path / "quiet.wav", quiet), crossfade_s=2.0), MixItem(_wav(tmp_path / "loud.wav", loud))]
    out = tmp_path / "mix.wav"

    result = render_mix(items, out_path=out, target_lufs=-16.0, true_peak_ceiling_db=-1.0)

    written, _ = soundfile.read(str(out), dtype="float32")
    measured = measure(written.T, sample_rate=SR)
    assert abs(result.integrated_lufs - (-16.0)) < 1.0
    assert result.true_peak_dbtp <= -1.0
    assert result.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.01)
    assert result.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=0.01)
    halves = [measure(written.T[:, : 6 * SR], sample_rate=SR), measure(written.T[:, 8 * SR :], sample_rate=SR)]
    assert abs(halves[0].integrated_lufs - halves[1].integrated_lufs) < 1.5  # 20 dB apart before matching


def test_known_loudness_is_used_instead_of_measuring(tmp_path):
    path = _wav(tmp_path / "t.wav", sine(440, level_dbfs=-20.0, duration_s=4.0))

    told = render_mix([MixItem(path, loudness_lufs=-30.0)], out_path=tmp_path / "a.wav", target_lufs=-20.0)
    measured = render_mix([MixItem(path)], out_path=tmp_path / "b.wav", target_lufs=-20.0)

    actual_lufs = measure(sine(440, level_dbfs=-20.0, duration_s=4.0), sample_rate=SR).integrated_lufs
    assert told.track_gains_db == [pytest.approx(10.0)]
    assert measured.track_gains_db[0] == pytest.approx(-20.0 - actual_lufs)


def test_ambience_bed_runs_under_the_mix_and_counts_towards_the_target(tmp_path):
    music = _wav(tmp_path / "m.wav", lofi_track(bpm=80, key="D minor", duration_s=10.0, seed=3).audio)
    rain = _noise(3.0, seed=7, level=0.02)

    result = render_mix(
        [MixItem(music)],
        out_path=tmp_path / "mix.wav",
        target_lufs=-14.0,
        ambience_bed=looped_bed(rain, crossfade_s=0.5),
        ambience_gain_db=-6.0,
    )
    without = render_mix([MixItem(music)], out_path=tmp_path / "dry.wav", target_lufs=-14.0)

    assert abs(result.integrated_lufs - (-14.0)) < 1.0
    assert result.track_gains_db[0] < without.track_gains_db[0]  # the music makes room for the bed


def test_looped_bed_is_continuous_whatever_the_block_sizes():
    bed = looped_bed(_noise(2.0, seed=3), crossfade_s=0.25)
    period = int(1.75 * SR)

    whole = bed(3 * period, 0)
    spans = ((0, 1000), (1000, period), (1000 + period, 2 * period - 1000))
    pieces = np.concatenate([bed(n, start) for start, n in spans], axis=1)

    np.testing.assert_array_equal(pieces, whole)
    np.testing.assert_array_equal(whole[:, :period], whole[:, period : 2 * period])


def test_limiter_holds_the_true_peak_and_leaves_quiet_audio_alone():
    rng = np.random.default_rng(0)
    hot = lofi_track(bpm=90, key="E minor", duration_s=6.0, seed=4).audio * 4.0  # peaks about +11 dBTP
    quiet = sine(1000, level_dbfs=-12.0, duration_s=3.0)

    for audio in (hot, quiet):
        limiter = TruePeakLimiter(sample_rate=SR, channels=2, ceiling_db=-1.0)
        pieces, start = [], 0
        for size in rng.integers(1, 40000, 60):
            pieces.append(limiter.process(audio[:, start : start + size]))
            start += size
        pieces.append(limiter.process(audio[:, start:]))
        pieces.append(limiter.flush())
        limited = np.concatenate(pieces, axis=1)
        assert limited.shape == audio.shape
        assert measure(limited, sample_rate=SR).true_peak_dbtp <= -1.0
    np.testing.assert_array_equal(limited, quiet)


def test_other_sample_rates_are_resampled_into_the_mix(tmp_path):
    path = _wav(tmp_path / "48k.wav", sine(440, level_dbfs=-12.0, duration_s=3.0, sample_rate=48000), 48000)

    result = render_mix([MixItem(path, gain_db=0.0)], out_path=tmp_path / "mix.wav", sample_rate=SR)

    written, rate = soundfile.read(str(tmp_path / "mix.wav"), dtype="float32")
    assert rate == SR and written.shape == (3 * SR, 2)
    assert result.duration_s == pytest.approx(3.0)
