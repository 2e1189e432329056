"""Fast sums of exponentially decaying sinusoids.

Each partial is A * exp(-d t) * sin(w t + phi). Splitting time into blocks of B samples,
sin(w (mB + k) + phi) = sin(w mB + phi) cos(w k) + cos(w mB + phi) sin(w k), and the decay factors the
same way, so the whole note is one matrix product: (blocks x 2P coefficients) @ (2P x B basis).
That costs about 2P multiply-adds per output sample in BLAS instead of P sin() calls, and a per-block
gain per partial (slow filter sweeps, attack/release shapes) comes for free in the coefficients.
"""

from __future__ import annotations

import numpy as np

BLOCK = 256  # samples per block: per-block gains step every 5.8 ms at 44.1 kHz, far below audibility


def partials(
    freqs_hz, amps, decay_per_s, n: int, sample_rate: int, *, phases=None, block_gain: np.ndarray | None = None
) -> np.ndarray:
    """Render sum_p amps[p] * exp(-decay[p] t) * sin(2 pi f[p] t + phase[p]) for n samples (float32).

    `block_gain` (blocks x partials, or blocks) multiplies each partial's amplitude per block of
    BLOCK samples; it must have ceil(n / BLOCK) rows. Partials at or above Nyquist are dropped.
    """
    freqs = np.atleast_1d(np.asarray(freqs_hz, dtype=np.float64))
    amps = np.broadcast_to(np.asarray(amps, dtype=np.float64), freqs.shape)
    decay = np.broadcast_to(np.asarray(decay_per_s, dtype=np.float64), freqs.shape)
    phase0 = np.zeros_like(freqs) if phases is None else np.broadcast_to(np.asarray(phases, float), freqs.shape)
    keep = (freqs > 0) & (freqs < 0.495 * sample_rate) & (amps != 0)
    blocks = -(-n // BLOCK)
    if block_gain is not None:
        block_gain = np.asarray(block_gain, dtype=np.float64)
        if block_gain.ndim == 1:
            block_gain = block_gain[:, None]
        if block_gain.shape[0] != blocks:
            raise ValueError(f"block_gain needs {blocks} rows, got {block_gain.shape[0]}")
        block_gain = block_gain[:, keep] if block_gain.shape[1] > 1 else block_gain
    freqs, amps, decay, phase0 = freqs[keep], amps[keep], decay[keep], phase0[keep]
    if n <= 0 or freqs.size == 0:
        return np.zeros(max(n, 0), dtype=np.float32)
    omega = 2 * np.pi * freqs / sample_rate  # radians per sample
    alpha = decay / sample_rate  # amplitude decay per sample (natural log)
    k = np.arange(BLOCK, dtype=np.float64)
    within_decay = np.exp(-np.outer(alpha, k))
    basis = np.concatenate(
        [within_decay * np.cos(np.outer(omega, k)), within_decay * np.sin(np.outer(omega, k))]
    ).astype(np.float32)
    block_start = np.arange(blocks, dtype=np.float64)[:, None] * BLOCK
    envelope = amps * np.exp(-alpha * block_start)
    if block_gain is not None:
        envelope = envelope * block_gain
    phase = omega * block_start + phase0
    coefficients = np.concatenate([envelope * np.sin(phase), envelope * np.cos(phase)], axis=1)
    out = coefficients.astype(np.float32) @ basis
    return out.reshape(-1)[:n]


def block_times(n: int, sample_rate: int) -> np.ndarray:
    """Start time in seconds of every block of `partials` for an n-sample render."""
    return np.arange(-(-n // BLOCK), dtype=np.float64) * BLOCK / sample_rate


def t60_to_decay(t60_s) -> np.ndarray:
    """Amplitude decay rate (1/s) that falls 60 dB in t60_s seconds."""
    return np.log(1000.0) / np.asarray(t60_s, dtype=np.float64)


def attack_ramp(signal: np.ndarray, attack_s: float, sample_rate: int) -> np.ndarray:
    """Raised-cosine fade-in of the first attack_s seconds, in place."""
    count = min(signal.shape[-1], max(1, int(attack_s * sample_rate)))
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, count, dtype=np.float32))
    signal[..., :count] *= ramp
    return signal


def sine_lfo(n: int, rate_hz: float, sample_rate: int, *, phase: float = 0.0) -> np.ndarray:
    """A long, cheap sine (for tremolo): one partial through the block product."""
    return partials([rate_hz], [1.0], [0.0], n, sample_rate, phases=[phase])
