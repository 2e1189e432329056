"""Pictures of a track: waveform peaks (JSON-ready), a waveform PNG and a spectrogram PNG.

Every function takes a file path (streamed block by block, memory flat whatever the length) or an in-memory
`(audio (channels, n), sample_rate)` pair, and returns plain values: lists, dicts or PNG bytes (Pillow).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator

import numpy as np
import scipy.fft
from PIL import Image

from production.engine import audio_io

Source = str | os.PathLike | tuple[np.ndarray, int]

WAVEFORM_RGBA = (65, 118, 144, 255)
SPECTROGRAM_MIN_HZ = 30.0
SPECTROGRAM_RANGE_DB = 80.0
_SPECTROGRAM_N_FFT = 2048
# Dark-to-bright colour ramp (black, purple, red, orange, pale yellow), like perceptual "magma" maps.
_RAMP = np.array(
    [(0, 0, 4), (59, 15, 112), (140, 41, 129), (222, 73, 104), (254, 159, 109), (252, 253, 191)], dtype=np.float64
)


def peaks(source: Source, n_points: int, *, block_s: float = 10.0) -> list[list[float]]:
    """`n_points` [min, max] pairs (over all channels, each in [-1, 1]) covering the whole track in order.

    Streamed: each block updates the pairs it covers. Fewer pairs come back when the track has fewer
    samples than `n_points`.
    """
    lows, highs = _peak_arrays(source, n_points, block_s)
    return [[round(float(lo), 4), round(float(hi), 4)] for lo, hi in zip(lows, highs, strict=True)]


def peaks_json(source: Source, n_points: int = 1800, *, block_s: float = 10.0) -> dict:
    """Peaks in audiowaveform's JSON layout (version 2, 8-bit), which peaks.js and wavesurfer read."""
    blocks, sample_rate, _, total = _open(source, block_s)
    lows, highs = _accumulate_peaks(blocks, total, n_points)
    data = np.empty(2 * lows.size, dtype=np.int64)
    data[0::2] = np.round(np.clip(lows, -1, 1) * 127)
    data[1::2] = np.round(np.clip(highs, -1, 1) * 127)
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": int(sample_rate),
        "samples_per_pixel": (math.ceil(max(total, 1) / max(lows.size, 1))),
        "bits": 8,
        "length": int(lows.size),
        "data": data.tolist(),
    }


def waveform_png(
    source: Source,
    *,
    width: int = 1800,
    height: int = 140,
    rgba: tuple[int, int, int, int] = WAVEFORM_RGBA,
    block_s: float = 10.0,
) -> bytes:
    """A min/max waveform on a transparent background, one column per pixel; silence shows as a line."""
    lows, highs = _peak_arrays(source, width, block_s)
    centre = (height - 1) / 2
    top = centre - np.clip(highs, -1, 1) * centre  # image rows grow downwards
    bottom = centre - np.clip(lows, -1, 1) * centre
    rows = np.arange(height, dtype=np.float64)[:, None]
    mask = (rows >= np.minimum(top, centre - 0.5)) & (rows <= np.maximum(bottom, centre + 0.5))
    pixels = np.zeros((height, lows.size, 4), dtype=np.uint8)
    pixels[mask] = rgba
    image = Image.fromarray(pixels)
    if image.width != width:
        image = image.resize((width, height), Image.Resampling.NEAREST)
    return _png(image)


def spectrogram_png(
    source: Source, *, width: int = 1200, height: int = 300, max_hz: float = 16000.0, block_s: float = 10.0
) -> bytes:
    """A log-frequency spectrogram (SPECTROGRAM_MIN_HZ at the bottom to max_hz at the top), time left to
    right, colour = power in dB over the loudest cell with an 80 dB range. Streamed: every column averages
    the power of the frames that fall into it."""
    blocks, sample_rate, _, total = _open(source, block_s)
    n_fft = _SPECTROGRAM_N_FFT
    total_frames = max(1, total // n_fft)
    columns = min(width, total_frames)
    sums = np.zeros((columns, n_fft // 2 + 1))
    counts = np.zeros(columns)
    window = np.hanning(n_fft + 1)[:-1]
    leftover = np.zeros(0, dtype=np.float32)
    frame_index = 0
    for block in blocks:
        mono = np.concatenate([leftover, block.mean(axis=0)])
        n_frames = mono.size // n_fft
        leftover = mono[n_frames * n_fft :]
        if n_frames == 0:
            continue
        frames = mono[: n_frames * n_fft].reshape(n_frames, n_fft)
        power = np.abs(scipy.fft.rfft(frames * window, axis=1)) ** 2
        column = np.minimum((frame_index + np.arange(n_frames)) * columns // total_frames, columns - 1)
        np.add.at(sums, column, power)
        np.add.at(counts, column, 1)
        frame_index += n_frames
    mean_power = sums / np.maximum(counts, 1)[:, None]
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    top_hz = min(max_hz, sample_rate / 2)
    row_hz = np.geomspace(top_hz, SPECTROGRAM_MIN_HZ, height)  # row 0 is the top of the image
    grid = np.stack([np.interp(row_hz, freqs, column_power) for column_power in mean_power], axis=1)
    db = 10 * np.log10(np.maximum(grid, 1e-20))
    level = np.clip((db - (db.max() - SPECTROGRAM_RANGE_DB)) / SPECTROGRAM_RANGE_DB, 0.0, 1.0)
    image = Image.fromarray(_colour(level))
    if image.width != width:
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return _png(image)


# Third-octave band centres from 31.5 Hz to 16 kHz (IEC 61260 nominal values).
THIRD_OCTAVE_HZ = (
    31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500,
    3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000,
)  # fmt: skip


def spectrum_bands(source: Source, *, block_s: float = 10.0) -> list[dict]:
    """The long-term average spectrum in third-octave bands: [{"hz": centre, "db": level}], levels in dB
    relative to the loudest band (0 dB). What an editor compares between two renders: the tilt, the warmth
    below 300 Hz, the presence at 1-5 kHz, where the bus rolls off. Streamed block by block."""
    blocks, sample_rate, _, _ = _open(source, block_s)
    n_fft = 8192
    window = np.hanning(n_fft + 1)[:-1]
    power = np.zeros(n_fft // 2 + 1)
    leftover = np.zeros(0, dtype=np.float32)
    for block in blocks:
        mono = np.concatenate([leftover, block.mean(axis=0)])
        n_frames = mono.size // n_fft
        leftover = mono[n_frames * n_fft :]
        if n_frames:
            frames = mono[: n_frames * n_fft].reshape(n_frames, n_fft)
            power += (np.abs(scipy.fft.rfft(frames * window, axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    bands = []
    for centre in THIRD_OCTAVE_HZ:
        low, high = centre / 2 ** (1 / 6), centre * 2 ** (1 / 6)
        if high > sample_rate / 2:
            break
        bands.append((centre, float(power[(freqs >= low) & (freqs < high)].sum())))
    loudest = max((energy for _, energy in bands), default=0.0)
    if loudest <= 0:
        return [{"hz": centre, "db": None} for centre, _ in bands]
    return [
        {"hz": centre, "db": round(10 * math.log10(max(energy, loudest * 1e-12) / loudest), 1)}
        for centre, energy in bands
    ]


def _peak_arrays(source: Source, n_points: int, block_s: float) -> tuple[np.ndarray, np.ndarray]:
    blocks, _, _, total = _open(source, block_s)
    return _accumulate_peaks(blocks, total, n_points)


def _accumulate_peaks(blocks: Iterator[np.ndarray], total: int, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the lowest and highest sample; point p covers samples [p*per_point, (p+1)*per_point)."""
    n_points = max(1, min(n_points, total)) if total else 1
    per_point = max(1, math.ceil(total / n_points)) if total else 1
    n_points = max(1, math.ceil(total / per_point)) if total else 1
    lows = np.full(n_points, np.inf)
    highs = np.full(n_points, -np.inf)
    position = 0
    for block in blocks:
        n = block.shape[1]
        if n == 0:
            continue
        block_low, block_high = block.min(axis=0), block.max(axis=0)
        points = np.minimum((position + np.arange(n)) // per_point, n_points - 1)
        starts = np.flatnonzero(np.r_[True, points[1:] != points[:-1]])
        segment_points = points[starts]
        np.minimum.at(lows, segment_points, np.minimum.reduceat(block_low, starts))
        np.maximum.at(highs, segment_points, np.maximum.reduceat(block_high, starts))
        position += n
    empty = ~np.isfinite(lows)  # points no sample reached (a header that over-declares its length)
    lows[empty] = 0.0
    highs[empty] = 0.0
    return lows, highs


def _open(source: Source, block_s: float) -> tuple[Iterator[np.ndarray], int, int, int]:
    """(blocks, sample_rate, channels, total frames) for a path or an in-memory pair."""
    if isinstance(source, tuple):
        audio, sample_rate = source
        audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
        step = max(1, int(block_s * sample_rate))
        blocks = (audio[:, start : start + step] for start in range(0, audio.shape[1], step))
        return blocks, int(sample_rate), audio.shape[0], audio.shape[1]
    info = audio_io.probe(source)
    return audio_io.iter_blocks(source, block_s), info.sample_rate, info.channels, info.frames


def _colour(level: np.ndarray) -> np.ndarray:
    """Map 0-1 levels to RGB bytes along _RAMP."""
    position = level * (len(_RAMP) - 1)
    low = np.minimum(np.floor(position).astype(int), len(_RAMP) - 2)
    frac = (position - low)[..., None]
    rgb = _RAMP[low] * (1 - frac) + _RAMP[low + 1] * frac
    return np.round(rgb).astype(np.uint8)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
