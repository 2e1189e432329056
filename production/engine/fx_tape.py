"""Tape: saturation (an offset tanh curve) and wow and flutter (a slowly modulated fractional delay).
No per-sample Python loops: the delay is a vectorised linear-interpolated read, block by block."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from production.engine.dsp import CHUNK, CONTROL_HOP, db_to_gain, upsample_linear

_CONTROL_HOP = CONTROL_HOP


def tape_saturate(
    audio: np.ndarray,
    *,
    drive_db: float,
    asymmetry: float = 0.1,
    input_gain: float = 1.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Soft tape-style saturation: an offset tanh curve.

    Unity gain for small signals, so only the peaks are rounded; the small bias (`asymmetry`) makes the
    curve lopsided like tape, adding even as well as odd harmonics. `drive_db` is how hard the signal
    is pushed into the curve. `input_gain` sets the level the curve sees (e.g. to bring a stem to a
    reference level) and is undone on the way out, at no extra cost. `out` may be `audio` itself.
    """
    drive = np.float32(db_to_gain(drive_db) * input_gain)
    bias = np.float32(asymmetry)
    offset = np.float32(np.tanh(bias))
    slope = drive * (1 - offset * offset)  # derivative of tanh(drive*x + bias) at x = 0
    shaped = np.multiply(np.asarray(audio, dtype=np.float32), drive, out=out)
    shaped += bias
    np.tanh(shaped, out=shaped)
    shaped -= offset
    shaped *= np.float32(1 / slope)
    return shaped


def wow_flutter(
    audio: np.ndarray,
    *,
    sample_rate: float,
    depth_ms: float,
    rate_hz: float,
    flutter_depth_ms: float = 0.0,
    flutter_rate_hz: float = 6.5,
    seed: int = 0,
    drift: float = 0.2,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Tape wow and flutter: a slowly modulated fractional delay, read by linear interpolation.

    The delay swings by +/- `depth_ms` at about `rate_hz` (wow; the rate wanders by +/- `drift` so it
    does not sound like a clean LFO) plus +/- `flutter_depth_ms` at `flutter_rate_hz`. Pitch deviation
    is the delay's slope: 1 ms at 0.5 Hz bends pitch by about 0.3 % (5 cents). Both channels share the
    modulation, as on a real tape. Deterministic from `seed`. `out` may be `audio` itself.
    """
    audio = np.asarray(audio, dtype=np.float32)
    n = audio.shape[-1]
    if n == 0 or (depth_ms <= 0 and flutter_depth_ms <= 0):
        if out is None:
            return audio.copy()
        out[...] = audio
        return out
    control = _wow_delay_control(
        n,
        sample_rate=sample_rate,
        depth_ms=depth_ms,
        rate_hz=rate_hz,
        flutter_depth_ms=flutter_depth_ms,
        flutter_rate_hz=flutter_rate_hz,
        seed=seed,
        drift=drift,
    )
    return _modulated_delay(audio, control, hop=_CONTROL_HOP, out=out)


def _wow_delay_control(
    n: int,
    *,
    sample_rate: float,
    depth_ms: float,
    rate_hz: float,
    flutter_depth_ms: float,
    flutter_rate_hz: float,
    seed: int,
    drift: float = 0.2,
) -> np.ndarray:
    """wow_flutter's delay in samples every _CONTROL_HOP samples (ceil(n / hop) + 1 points)."""
    rng = np.random.default_rng(seed)
    hop = _CONTROL_HOP
    m = -(-n // hop) + 1
    t_s = np.arange(m) * (hop / sample_rate)
    wander = np.cumsum(_smooth_noise(rng, m, points_every=max(int(2.0 * sample_rate / hop), 2)))
    wow_phase = 2 * np.pi * rate_hz * (t_s + drift * wander * (hop / sample_rate)) + rng.uniform(0, 2 * np.pi)
    flutter_phase = 2 * np.pi * flutter_rate_hz * t_s + rng.uniform(0, 2 * np.pi)
    delay_ms = depth_ms * (1 + np.sin(wow_phase)) + flutter_depth_ms * (1 + np.sin(flutter_phase))
    return (delay_ms * (sample_rate / 1000)).astype(np.float32)


def _modulated_delay(
    audio: np.ndarray,
    delay_control: np.ndarray,
    *,
    hop: int,
    out: np.ndarray | None = None,
    shape: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """y[i] = x[i - delay(i)], linearly interpolated; the delay (>= 0, in samples) is given every `hop`
    samples. Block by block, so `out` may be `audio` itself: each block keeps a copy of the input it
    still needs from the block before (as far back as the longest delay), since that part of `audio`
    has been overwritten by then. Samples before the start read as the first sample.
    `shape`, when given, is applied in place to each block of input as it is read in (x = shape(input)),
    so a sample-wise stage before the delay costs no pass of its own.
    """
    n = audio.shape[-1]
    out = np.empty_like(audio) if out is None else out
    reach = int(np.ceil(delay_control.max())) + 2  # how far back any read can go
    history = np.repeat(audio[:, :1], reach, axis=1)  # the input just before the current block
    if shape is not None:
        shape(history)
    size = (CHUNK // hop) * hop
    for start in range(0, n, size):
        stop = min(start + size, n)
        segment = np.concatenate([history, audio[:, start:stop]], axis=1)
        if shape is not None:
            shape(segment[:, reach:])
        history = segment[:, -reach:].copy()
        delay = upsample_linear(delay_control[start // hop :], hop=hop, n_samples=stop - start)
        frac, whole = np.modf(delay)
        here = np.arange(reach, reach + stop - start, dtype=np.intp)
        here -= whole.astype(np.intp)  # where x[i - whole] sits in the segment
        current = np.take(segment, here, axis=1)  # np.take: about twice as fast as fancy indexing
        here -= 1
        previous = np.take(segment, here, axis=1)
        previous -= current
        previous *= frac
        np.add(current, previous, out=out[:, start:stop])
    return out


def _smooth_noise(rng: np.random.Generator, m: int, *, points_every: int) -> np.ndarray:
    """Smooth random curve in -1..1 of length m (random points joined by linear ramps)."""
    points = rng.uniform(-1.0, 1.0, -(-m // points_every) + 1)
    return np.interp(np.arange(m), np.arange(points.size) * points_every, points)
