"""Placement: constant-power pan, mid/side width, the Haas layer, and the side-chain pump keyed from the
kick (a gain curve built at a control rate and interpolated)."""

from __future__ import annotations

import numpy as np
from scipy import signal

from production.engine.dsp import CONTROL_HOP, blocks, db_to_gain, upsample_linear

_CONTROL_HOP = CONTROL_HOP


def sidechain_gain(
    n_samples: int,
    *,
    sample_rate: float,
    kick_times_s: np.ndarray,
    depth_db: float,
    release_s: float = 0.22,
    attack_s: float = 0.004,
) -> np.ndarray:
    """The side-chain pump as a gain curve (n_samples,) float32, keyed from the kick onsets.

    At each kick the gain falls by `depth_db` within about `attack_s` and recovers exponentially with
    time constant `release_s`; kicks closer than the release keep it ducked. Built at a control rate.
    """
    return upsample_linear(
        _sidechain_control(
            n_samples,
            sample_rate=sample_rate,
            kick_times_s=kick_times_s,
            depth_db=depth_db,
            release_s=release_s,
            attack_s=attack_s,
        ),
        hop=_CONTROL_HOP,
        n_samples=n_samples,
    )


def _sidechain_control(
    n_samples: int, *, sample_rate: float, kick_times_s: np.ndarray, depth_db: float, release_s: float, attack_s: float
) -> np.ndarray:
    """The pump's gain every _CONTROL_HOP samples (ceil(n / hop) + 1 points)."""
    kick_times_s = np.asarray(kick_times_s, dtype=np.float64).reshape(-1)
    hop = _CONTROL_HOP
    m = -(-n_samples // hop) + 1
    impulses = np.zeros(m)
    positions = np.round(kick_times_s * sample_rate / hop).astype(np.int64)
    impulses[positions[(positions >= 0) & (positions < m)]] = 1.0
    release = np.exp(-hop / (release_s * sample_rate))
    attack = np.exp(-hop / (attack_s * sample_rate))
    envelope = np.minimum(signal.lfilter([1.0], [1.0, -release], impulses), 1.0)
    envelope = signal.lfilter([1 - attack], [1.0, -attack], envelope)
    return (db_to_gain(-depth_db * envelope)).astype(np.float32)


def sidechain_pump(
    audio: np.ndarray,
    *,
    sample_rate: float,
    kick_times_s: np.ndarray,
    depth_db: float,
    release_s: float = 0.22,
    attack_s: float = 0.004,
) -> np.ndarray:
    """Duck `audio` right after each kick (see sidechain_gain)."""
    gain = sidechain_gain(
        audio.shape[-1],
        sample_rate=sample_rate,
        kick_times_s=kick_times_s,
        depth_db=depth_db,
        release_s=release_s,
        attack_s=attack_s,
    )
    return (np.asarray(audio, dtype=np.float32) * gain).astype(np.float32, copy=False)


def pan(audio: np.ndarray, *, position: float) -> np.ndarray:
    """Constant-power pan, position -1 (left) .. 1 (right); unity on both channels at the centre.

    A (2, n) input is balanced channel by channel; a (1, n) or (n,) input becomes a panned stereo pair.
    """
    if not -1.0 <= position <= 1.0:
        raise ValueError("position must be within -1..1")
    audio = np.asarray(audio, dtype=np.float32)
    left, right = _pan_gains(position)
    source = audio.reshape(1, -1) if audio.ndim == 1 else audio
    out = np.empty((2, source.shape[-1]), dtype=np.float32)
    np.multiply(source[0], np.float32(left), out=out[0])
    np.multiply(source[-1], np.float32(right), out=out[1])
    return out


def _pan_gains(position: float) -> tuple[float, float]:
    angle = (position + 1) * np.pi / 4
    return float(np.sqrt(2) * np.cos(angle)), float(np.sqrt(2) * np.sin(angle))


def ms_width(audio: np.ndarray, *, width: float, out: np.ndarray | None = None) -> np.ndarray:
    """Mid/side width: side scaled by `width` (0 mono, 1 unchanged, >1 wider); mid untouched.

    `out` may be `audio` itself.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if out is None:
        out = audio.copy()
    elif out is not audio:
        out[...] = audio
    # L' = mid + width*side = L + (width - 1) * side, R' = R - (width - 1) * side, side = (L - R) / 2
    for start, stop in blocks(out.shape[1]):
        extra_side = np.subtract(out[0, start:stop], out[1, start:stop])
        extra_side *= np.float32((width - 1) / 2)
        out[0, start:stop] += extra_side
        out[1, start:stop] -= extra_side
    return out


def haas(audio: np.ndarray, *, sample_rate: float, delay_ms: float, mix: float) -> np.ndarray:
    """A Haas-widened layer: the mono sum added at `mix` to the left as is and to the right `delay_ms` late.

    A 10-30 ms offset is heard as width, not echo; the source's own image is kept underneath.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[0] != 2:
        raise ValueError("haas needs a (2, n) signal")
    return _haas_in_place(audio.copy(), sample_rate=sample_rate, delay_ms=delay_ms, mix=mix)


def _haas_in_place(audio: np.ndarray, *, sample_rate: float, delay_ms: float, mix: float) -> np.ndarray:
    shift = round(delay_ms * sample_rate / 1000)
    n = audio.shape[1]
    # Backwards, block by block: the layer is added to the right channel later in time than where it is
    # read, so going from the end keeps every read ahead of the writes that would change it.
    for start, stop in reversed(list(blocks(n))):
        layer = np.add(audio[0, start:stop], audio[1, start:stop])
        layer *= np.float32(0.5 * mix)
        audio[0, start:stop] += layer
        end = min(stop + shift, n)
        if start + shift < end:
            audio[1, start + shift : end] += layer[: end - start - shift]
    return audio
