"""Loudness and true peak per ITU-R BS.1770-4 / EBU R128, measured block by block.

pyloudnorm holds the whole signal in memory and has no true peak, so measurement goes through
libebur128 (pyebur128), which keeps K-weighting filter state between blocks and measures true peak
with 4x oversampling. Memory stays flat whatever the length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyebur128

_MODE = pyebur128.MeasurementMode.MODE_I | pyebur128.MeasurementMode.MODE_LRA | pyebur128.MeasurementMode.MODE_TRUE_PEAK
SILENCE_LUFS = -70.0  # the absolute gate of BS.1770: anything quieter reads as silence


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float


class LoudnessMeter:
    """Streaming meter: feed (channels, samples) float blocks with `add`, then read `result()`."""

    def __init__(self, *, channels: int, sample_rate: int) -> None:
        self.channels = channels
        self._state = pyebur128.R128State(channels, sample_rate, _MODE)
        self._sample_peak = 0.0
        self._frames = 0

    def add(self, block: np.ndarray) -> None:
        block = np.atleast_2d(block)
        if block.shape[0] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {block.shape[0]}")
        if block.shape[1] == 0:
            return
        interleaved = np.ascontiguousarray(block.T, dtype=np.float32).ravel()
        self._state.add_frames(interleaved, block.shape[1])
        self._sample_peak = max(self._sample_peak, float(np.max(np.abs(block))))
        self._frames += block.shape[1]

    def result(self) -> Loudness:
        if self._frames == 0:
            return Loudness(SILENCE_LUFS, 0.0, _db(0.0), _db(0.0))
        integrated = pyebur128.get_loudness_global(self._state)
        if not np.isfinite(integrated):
            integrated = SILENCE_LUFS
        try:
            lra = float(pyebur128.get_loudness_range(self._state))
        except Exception:  # libebur128 refuses LRA on very short input: report none rather than fail
            lra = 0.0
        true_peak = max(pyebur128.get_true_peak(self._state, ch) for ch in range(self.channels))
        return Loudness(
            integrated_lufs=float(max(integrated, SILENCE_LUFS)),
            loudness_range_lu=lra if np.isfinite(lra) else 0.0,
            true_peak_dbtp=_db(true_peak),
            sample_peak_dbfs=_db(self._sample_peak),
        )


def measure(audio: np.ndarray, *, sample_rate: int, block_s: float = 10.0) -> Loudness:
    """Measure an in-memory signal of shape (channels, samples) or (samples,)."""
    audio = np.atleast_2d(audio)
    return measure_blocks(_split(audio, int(block_s * sample_rate)), channels=audio.shape[0], sample_rate=sample_rate)


def measure_blocks(blocks: Iterable[np.ndarray], *, channels: int, sample_rate: int) -> Loudness:
    """Measure a signal that arrives as a stream of (channels, samples) blocks."""
    meter = LoudnessMeter(channels=channels, sample_rate=sample_rate)
    for block in blocks:
        meter.add(block)
    return meter.result()


def _split(audio: np.ndarray, block: int):
    for start in range(0, audio.shape[1], block):
        yield audio[:, start : start + block]


def _db(linear: float) -> float:
    return float(20.0 * np.log10(max(linear, 1e-10)))
