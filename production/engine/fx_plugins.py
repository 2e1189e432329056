"""Effects from pedalboard (JUCE plugins), streamed block by block: bit crusher, sampler resampling,
compressor, chorus, reverb and delay. Each returns the processed signal; `_run` keeps a plugin's state
across blocks, so the result equals one call over the whole signal."""

from __future__ import annotations

import numpy as np
import pedalboard

from production.engine.dsp import blocks


def bitcrush(
    audio: np.ndarray, *, bits: float, sample_rate: float = 44100.0, out: np.ndarray | None = None
) -> np.ndarray:
    """Quantise to `bits` bits (pedalboard.Bitcrush): fewer distinct levels, grainy low-level detail."""
    return _run(pedalboard.Bitcrush(bit_depth=bits), audio, sample_rate, out=out)


def resample_lofi(audio: np.ndarray, *, sample_rate: float, target_hz: float) -> np.ndarray:
    """Down to `target_hz` with zero-order hold and back (pedalboard.Resample): sampler-style aliasing."""
    plugin = pedalboard.Resample(target_sample_rate=target_hz, quality=pedalboard.Resample.Quality.ZeroOrderHold)
    # One call over the whole signal: streamed, the plugin's latency would shorten the output.
    return plugin(np.ascontiguousarray(audio, dtype=np.float32), float(sample_rate)).astype(np.float32, copy=False)


def compress(
    audio: np.ndarray,
    *,
    sample_rate: float,
    threshold_db: float,
    ratio: float,
    attack_ms: float = 5.0,
    release_ms: float = 120.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """pedalboard.Compressor with an absolute threshold in dBFS; `out` may be `audio` itself."""
    plugin = pedalboard.Compressor(threshold_db=threshold_db, ratio=ratio, attack_ms=attack_ms, release_ms=release_ms)
    return _run(plugin, audio, sample_rate, out=out)


def chorus(
    audio: np.ndarray, *, sample_rate: float, rate_hz: float, depth: float, mix: float, centre_delay_ms: float = 7.0
) -> np.ndarray:
    """pedalboard.Chorus: the slow detune of a Rhodes through a chorus pedal."""
    plugin = pedalboard.Chorus(rate_hz=rate_hz, depth=depth, centre_delay_ms=centre_delay_ms, feedback=0.0, mix=mix)
    return _run(plugin, audio, sample_rate)


def reverb(
    audio: np.ndarray, *, sample_rate: float, room_size: float, damping: float, width: float = 1.0
) -> np.ndarray:
    """The wet signal only of pedalboard.Reverb (for a send bus)."""
    plugin = pedalboard.Reverb(room_size=room_size, damping=damping, wet_level=1.0, dry_level=0.0, width=width)
    return _run(plugin, audio, sample_rate)


def delay(audio: np.ndarray, *, sample_rate: float, delay_s: float, feedback: float) -> np.ndarray:
    """The wet signal only of pedalboard.Delay (for a send bus)."""
    return _run(pedalboard.Delay(delay_seconds=delay_s, feedback=feedback, mix=1.0), audio, sample_rate)


def _run(plugin, audio: np.ndarray, sample_rate: float, out: np.ndarray | None = None) -> np.ndarray:
    """Stream `audio` through a pedalboard plugin block by block (reset=False keeps its state, so the
    result equals one call over the whole signal); `out` may be `audio` itself."""
    audio = np.asarray(audio, dtype=np.float32)
    out = np.empty_like(audio) if out is None else out
    plugin.reset()
    for start, stop in blocks(audio.shape[-1]):
        out[..., start:stop] = plugin(np.ascontiguousarray(audio[..., start:stop]), float(sample_rate), reset=False)
    return out
