"""Procedural ambience beds: level, determinism, stereo, and the character that tells them apart."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from production.engine import ambience, dsp

SR = 44100
N = 4 * SR
BEDS = ("rain", "cafe", "nature", "vinyl")


def _share_db(audio: np.ndarray, low_hz: float, high_hz: float) -> float:
    freqs, power = signal.welch(audio.mean(axis=0), fs=SR, nperseg=4096)
    band = power[(freqs >= low_hz) & (freqs < high_hz)].sum()
    return float(10 * np.log10(band / power[(freqs >= 20) & (freqs < 20000)].sum()))


@pytest.fixture(scope="module")
def beds() -> dict[str, np.ndarray]:
    return {kind: ambience.bed(kind, n_samples=N, sample_rate=SR, seed=8) for kind in BEDS}


@pytest.mark.parametrize("kind", BEDS)
def test_each_bed_is_stereo_float32_at_the_nominal_level(beds, kind):
    audio = beds[kind]
    assert audio.shape == (2, N) and audio.dtype == np.float32 and np.isfinite(audio).all()
    rms_dbfs = 10 * np.log10(np.mean(np.square(audio, dtype=np.float64)))
    assert rms_dbfs == pytest.approx(ambience.BED_RMS_DBFS, abs=0.5)
    assert np.corrcoef(audio)[0, 1] < 0.95  # the channels differ: the bed surrounds the music


@pytest.mark.parametrize("kind", BEDS)
def test_beds_are_deterministic_by_seed(beds, kind):
    again = ambience.bed(kind, n_samples=N, sample_rate=SR, seed=8)
    other = ambience.bed(kind, n_samples=N, sample_rate=SR, seed=9)
    np.testing.assert_array_equal(beds[kind], again)
    assert not np.array_equal(beds[kind], other)


def test_none_is_silence_and_unknown_kinds_are_refused():
    assert not np.any(ambience.bed("none", n_samples=1000, sample_rate=SR, seed=1))
    with pytest.raises(ValueError, match="unknown ambience 'thunder'"):
        ambience.bed("thunder", n_samples=1000, sample_rate=SR, seed=1)


def test_rain_is_a_broadband_hiss_and_the_cafe_a_speech_band_murmur(beds):
    assert _share_db(beds["rain"], 2000, 10000) > _share_db(beds["cafe"], 2000, 10000) + 6
    assert _share_db(beds["cafe"], 200, 2000) > -3  # most of the murmur sits in the voice band


def test_cafe_murmur_rises_and_falls_at_speech_rate(beds):
    envelope = np.abs(signal.hilbert(beds["cafe"].mean(axis=0)))
    envelope = signal.decimate(signal.decimate(envelope, 10), 10)  # to 441 Hz
    spectrum = np.abs(np.fft.rfft(envelope - envelope.mean()))
    freqs = np.fft.rfftfreq(envelope.size, 100 / SR)
    syllabic = spectrum[(freqs > 1.0) & (freqs < 8.0)].mean()
    steady = spectrum[(freqs > 40.0) & (freqs < 100.0)].mean()
    assert syllabic > 5 * steady


def test_nature_has_bird_calls_in_their_band(beds):
    chirp_band = signal.sosfilt(
        signal.butter(4, [2500, 6500], "bandpass", fs=SR, output="sos"), beds["nature"].mean(axis=0)
    )
    frames = np.sqrt(np.mean(chirp_band[: N // 2205 * 2205].reshape(-1, 2205) ** 2, axis=1))  # 50 ms
    assert frames.max() > 4 * np.median(frames)  # calls stand out from the leaves now and then


def test_vinyl_bed_is_impulsive_surface_noise(beds):
    highpass = signal.butter(2, 2000, "highpass", fs=SR, output="sos")
    clicks = signal.sosfilt(highpass, beds["vinyl"].mean(axis=0))
    assert np.mean(clicks**4) / np.mean(clicks**2) ** 2 > 10


def test_upsample_linear_interpolates_between_control_points():
    curve = dsp.upsample_linear(np.array([0.0, 4.0, 0.0], dtype=np.float32), hop=4, n_samples=8)
    np.testing.assert_allclose(curve, [0, 1, 2, 3, 4, 3, 2, 1])
    with pytest.raises(ValueError):
        dsp.upsample_linear(np.array([0.0, 1.0]), hop=4, n_samples=8)
