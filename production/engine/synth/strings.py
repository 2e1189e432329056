"""Karplus-Strong plucked strings, solved in the frequency domain.

The Karplus-Strong loop feeds a noise burst through a delay line of D samples with a two-tap lowpass
and a loss factor in the feedback path: Y = X / (1 - rho * G(z) * z^-D). Running that recursion sample by
sample in Python is the classic slow path and scipy's lfilter with a denominator of length D costs
O(n * D). Evaluating the same transfer function on an FFT grid is one rfft/irfft pair, and it allows a
fractional delay D exactly, so the pitch is right without an allpass tuning filter. The FFT length
covers the loop's decay to well below -60 dB, so the circular wrap-around is inaudible.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sp_fft
from scipy.signal import lfilter


def _loop_phase_delay(brightness_tap: float, omega: float) -> float:
    """Phase delay in samples of G(z) = (1 - s) + s z^-1 at angular frequency omega."""
    s = brightness_tap
    phase = -np.arctan2(s * np.sin(omega), (1 - s) + s * np.cos(omega))
    return float(-phase / omega)


def karplus_strong(
    freq_hz: float,
    n: int,
    sample_rate: int,
    rng: np.random.Generator,
    *,
    t60_s: float,
    damping: float = 0.5,
    pick_position: float = 0.2,
    excitation_lowpass: float = 0.5,
    noise: float = 0.3,
) -> np.ndarray:
    """A plucked string at freq_hz, n samples (float32), peak-normalised to 1.

    `t60_s`: time for the fundamental to fall 60 dB. `damping` in (0, 0.5]: the loop lowpass tap, 0.5 is
    the classic averaging filter (dull), smaller keeps high harmonics ringing (brighter, koto-like).
    The loop starts from the triangle a string plucked at `pick_position` (0-0.5 of its length) takes,
    plus `noise` times a noise burst for the scrape of the finger or plectrum, darkened by
    `excitation_lowpass` (0-1). The triangle keeps the harmonic balance the same from note to note;
    pure-noise excitation (textbook Karplus-Strong) gives every note a random, often weak, fundamental.
    """
    period = sample_rate / freq_hz
    omega0 = 2 * np.pi * freq_hz / sample_rate
    delay = period - _loop_phase_delay(damping, omega0)
    rho = 10.0 ** (-3.0 / (t60_s * freq_hz))  # loss per trip round the loop
    size = sp_fft.next_fast_len(int(max(n, 1.3 * t60_s * sample_rate)) + 1, real=True)
    burst_len = max(3, round(period))
    position = np.arange(burst_len) / burst_len
    peak = min(max(pick_position, 1.0 / burst_len), 0.5)
    burst = np.where(position < peak, position / peak, (1.0 - position) / (1.0 - peak))
    scrape = rng.uniform(-1.0, 1.0, burst_len)
    if excitation_lowpass > 0:
        scrape = lfilter([1 - excitation_lowpass], [1, -excitation_lowpass], scrape)
    burst = burst + noise * scrape / (np.max(np.abs(scrape)) or 1.0)
    burst -= burst.mean()
    spectrum = sp_fft.rfft(burst, size)
    omega = 2 * np.pi * np.arange(spectrum.size) / size
    loop = (1 - damping) + damping * np.exp(-1j * omega)
    transfer = 1.0 / (1.0 - rho * loop * np.exp(-1j * omega * delay))
    out = sp_fft.irfft(spectrum * transfer, size)[:n]
    peak = float(np.max(np.abs(out))) or 1.0
    return (out / peak).astype(np.float32)
