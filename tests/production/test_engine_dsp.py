"""Block-wise helpers: the same numbers as the one-shot scipy/numpy functions they replace."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from production.engine import dsp

SOS = signal.butter(2, [100.0, 4000.0], "bandpass", fs=44100, output="sos")


@pytest.fixture
def noise() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((2, 3 * dsp.CHUNK + 123)).astype(np.float32)


@pytest.mark.parametrize("compiled_kernel", [True, False])
def test_sosfilt_blocks_matches_scipy_in_place_or_not(noise, monkeypatch, compiled_kernel):
    if not compiled_kernel:
        monkeypatch.setattr(dsp, "_sosfilt_in_place", None)
    expected = signal.sosfilt(SOS.astype(np.float32), noise)
    np.testing.assert_allclose(dsp.sosfilt_blocks(SOS, noise), expected, atol=1e-6)
    own = noise.copy()
    assert dsp.sosfilt_blocks(SOS, own, out=own) is own
    np.testing.assert_allclose(own, expected, atol=1e-6)


@pytest.mark.parametrize("compiled_kernel", [True, False])
def test_sos_stream_carries_state_across_blocks(noise, monkeypatch, compiled_kernel):
    if not compiled_kernel:
        monkeypatch.setattr(dsp, "_sosfilt_in_place", None)
    stream = dsp.SosStream(SOS, channels=2)
    pieces = [stream.process(noise[:, start:stop].copy()) for start, stop in dsp.blocks(noise.shape[1], 5000)]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), signal.sosfilt(SOS.astype(np.float32), noise), atol=1e-6)


@pytest.mark.parametrize("hop", [2, 4, 8, 16])
def test_upsample_linear_matches_interpolation(hop):
    control = np.random.default_rng(hop).random((2, 3 * dsp.CHUNK // hop + 5)).astype(np.float32)
    n = (control.shape[1] - 2) * hop - 3
    expected = np.stack([np.interp(np.arange(n), np.arange(control.shape[1]) * hop, row) for row in control])
    np.testing.assert_allclose(dsp.upsample_linear(control, hop=hop, n_samples=n), expected, atol=1e-5)
    accumulated = np.ones((2, n), dtype=np.float32)
    dsp.upsample_linear(control, hop=hop, n_samples=n, add_to=accumulated)
    np.testing.assert_allclose(accumulated, expected + 1, atol=1e-5)
    with pytest.raises(ValueError, match="too short"):
        dsp.upsample_linear(control[:, :3], hop=hop, n_samples=n)


def test_mean_square_is_over_every_sample(noise):
    assert dsp.mean_square(noise) == pytest.approx(float(np.mean(noise.astype(np.float64) ** 2)), rel=1e-5)
    assert dsp.mean_square(np.zeros((2, 0), dtype=np.float32)) == 0.0


@pytest.mark.parametrize("shape", [(2, 10), (2, 3_000_000)])  # small: numpy; large: pages mapped up front
def test_zeros_prefaulted_gives_a_writable_zeroed_float32_array(shape):
    out = dsp.zeros_prefaulted(shape)
    assert out.shape == shape and out.dtype == np.float32 and out.flags.writeable
    assert not out.any()
    out[1, -1] += 2.5  # a read-modify-write, as the synth's note adds do
    assert out[1, -1] == 2.5 and out.sum() == 2.5


def test_the_halver_keeps_the_low_band_removes_what_would_fold_back_and_streams_seamlessly():
    from production.engine.dsp import Halver

    sr = 44100
    t = np.arange(3 * 8192) / sr

    def level_db(freq_hz: float) -> float:
        tone = np.vstack([np.sin(2 * np.pi * freq_hz * t)] * 2).astype(np.float32)
        half = Halver(2).process(tone)[:, 100:]
        return float(20 * np.log10(np.sqrt(np.mean(half**2)) / np.sqrt(np.mean(tone**2))))

    assert level_db(1000.0) > -0.5
    assert level_db(19000.0) < -35  # it would come back at 3.05 kHz
    signal = np.random.default_rng(1).standard_normal((2, 10001)).astype(np.float32)
    whole = Halver(2).process(signal)
    streamed = Halver(2)
    parts = [
        streamed.process(np.ascontiguousarray(signal[:, a:b])) for a, b in ((0, 4096), (4096, 8192), (8192, 10001))
    ]
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)
