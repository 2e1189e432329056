"""Mastering: loudness on target and true peak under the ceiling for quiet, hot and peaky material."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from production.engine import fx, master
from production.engine.dsp import db_to_gain
from production.engine.loudness import measure
from tests.production.lofi_test_signals import synthetic_stems

SR = 44100
DURATION_S = 5.0


def _material() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    n = int(DURATION_S * SR)
    t = np.arange(n) / SR
    pink = signal.lfilter([0.05, -0.03], [1.0, -0.97], rng.standard_normal((2, n)))
    stems, kicks = synthetic_stems(duration_s=DURATION_S, seed=4)
    music, _ = fx.process(stems, style="boom_bap", sample_rate=SR, seed=2, kick_times_s=kicks, ambience="default")
    tones = np.stack(
        [np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 3520 * t), np.sin(2 * np.pi * 330 * t + 1.0)]
    )
    return {
        "noise, very quiet (-70 dBFS)": (pink / np.max(np.abs(pink)) * db_to_gain(-70)).astype(np.float32),
        "noise, clipped hot": np.clip(rng.standard_normal((2, n)) * 0.9, -1, 1).astype(np.float32),
        "tones": (0.3 * tones).astype(np.float32),
        "music, quiet": (music * 0.002).astype(np.float32),
        "music, very hot": (music * 40.0).astype(np.float32),
        "drums alone (needs hard limiting)": stems["drums"] * np.float32(0.9),
    }


MATERIAL = _material()


@pytest.mark.parametrize("target_lufs", [-14.0, -16.0])
@pytest.mark.parametrize("name", list(MATERIAL))
def test_master_hits_the_loudness_target_under_the_true_peak_ceiling(name, target_lufs):
    result = master.master(MATERIAL[name], sample_rate=SR, target_lufs=target_lufs, true_peak_ceiling_db=-1.0)
    measured = measure(result.audio, sample_rate=SR)  # independent meter: libebur128, 4x oversampled
    assert abs(measured.integrated_lufs - target_lufs) <= 0.5
    assert measured.true_peak_dbtp <= -1.0
    reference = pyloudnorm.Meter(SR).integrated_loudness(result.audio.T.astype(np.float64))
    assert abs(reference - target_lufs) <= 0.5
    # What master reports is what the meter reads (its loudness is computed from block power, not metered).
    assert result.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.05)
    assert result.true_peak_dbtp == pytest.approx(measured.true_peak_dbtp, abs=0.01)
    # measured before the gain was applied, on exactly the samples it then produced
    assert result.true_peak_dbtp == master.true_peak_dbtp(result.audio, sample_rate=SR)
    assert result.audio.shape == MATERIAL[name].shape and result.audio.dtype == np.float32


def test_peaky_material_is_limited_on_true_peak_not_sample_peak():
    drums = MATERIAL["drums alone (needs hard limiting)"]
    result = master.master(drums, sample_rate=SR, target_lufs=-14.0, true_peak_ceiling_db=-2.0)
    measured = measure(result.audio, sample_rate=SR)
    assert result.limiter_reduction_db > 6.0  # the limiter really worked here
    assert measured.true_peak_dbtp <= -2.0
    assert measured.sample_peak_dbfs <= measured.true_peak_dbtp
    assert abs(measured.integrated_lufs - -14.0) <= 0.5


def test_platform_targets():
    assert master.PLATFORM_TARGETS == {"youtube": -14.0, "spotify": -14.0, "apple_music": -16.0}
    music = MATERIAL["music, quiet"]
    result = master.master(music, sample_rate=SR, target_lufs=master.PLATFORM_TARGETS["apple_music"])
    assert abs(measure(result.audio, sample_rate=SR).integrated_lufs - -16.0) <= 0.5


def test_true_peak_matches_the_reference_meter_including_intersample_peaks():
    t = np.arange(SR) / SR
    # A quarter-rate sine sampled at 45 degrees: every sample is at 0.707 of the real peak (+3 dB over).
    intersample = np.stack([np.sin(2 * np.pi * SR / 4 * t + np.pi / 4)] * 2).astype(np.float32) * 0.9
    noise = signal.sosfilt(
        signal.butter(6, 16000, fs=SR, output="sos"), np.random.default_rng(2).standard_normal((2, SR))
    ).astype(np.float32)
    for audio in (intersample, noise / np.max(np.abs(noise))):
        reference = measure(audio, sample_rate=SR)
        assert master.true_peak_dbtp(audio, sample_rate=SR) == pytest.approx(reference.true_peak_dbtp, abs=0.01)
    over_db = master.true_peak_dbtp(intersample, sample_rate=SR) - measure(intersample, sample_rate=SR).sample_peak_dbfs
    assert over_db > 2.5


def test_limiter_gain_never_lets_a_hop_exceed_the_ceiling():
    rng = np.random.default_rng(3)
    peaks = np.abs(rng.standard_normal(3000)) * 0.3
    peaks[rng.integers(0, peaks.size, 40)] = rng.uniform(1.0, 4.0, 40)
    gain = master.limiter_gain(
        peaks, ceiling=0.8, sample_rate=SR, hop=16, lookahead_s=0.003, hold_s=0.01, release_db_per_s=60.0
    )
    assert gain.size == peaks.size + 1
    # Every sample of hop h gets a gain between points h and h+1: both must hold the peak down.
    assert np.all(peaks * gain[:-1] <= 0.8 + 1e-9)
    assert np.all(peaks * gain[1:] <= 0.8 + 1e-9)
    assert np.max(gain) <= 1.0 and np.min(gain) > 0.15
    quiet = np.full(100, 0.1)
    untouched = master.limiter_gain(
        quiet, ceiling=0.8, sample_rate=SR, hop=16, lookahead_s=0.003, hold_s=0.01, release_db_per_s=60.0
    )
    np.testing.assert_allclose(untouched, 1.0)


def test_gain_reduction_releases_gradually_after_a_peak():
    peaks = np.full(2000, 0.1)
    peaks[500] = 2.0
    gain_db = 20 * np.log10(
        master.limiter_gain(
            peaks, ceiling=1.0, sample_rate=SR, hop=16, lookahead_s=0.003, hold_s=0.01, release_db_per_s=60.0
        )
    )
    hop_s = 16 / SR
    after_hold = 500 + int(0.05 / hop_s)
    # 6 dB of reduction released at 60 dB/s takes 0.1 s: half of it is still there 50 ms after the hold.
    assert -5.0 < gain_db[after_hold] < -1.0
    assert gain_db[500 + int(0.2 / hop_s)] == pytest.approx(0.0, abs=0.01)
    assert gain_db[500 - int(0.01 / hop_s)] == pytest.approx(0.0, abs=0.01)  # look-ahead stays short


def test_silence_and_malformed_input_are_refused():
    with pytest.raises(master.MasteringError, match="silent"):
        master.master(np.zeros((2, SR), dtype=np.float32), sample_rate=SR)
    with pytest.raises(ValueError, match=r"shape \(2, n\)"):
        master.master(np.zeros(SR, dtype=np.float32), sample_rate=SR)
    with pytest.raises(ValueError, match="NaN"):
        master.master(np.full((2, SR), np.nan, dtype=np.float32), sample_rate=SR)


def test_in_place_mastering_gives_the_same_master():
    music = MATERIAL["music, quiet"]
    expected = master.master(music, sample_rate=SR)
    scratch = music.copy()
    result = master.master(scratch, sample_rate=SR, in_place=True)
    np.testing.assert_array_equal(result.audio, expected.audio)
    assert not np.array_equal(scratch, music)  # the mix buffer was used as working space
