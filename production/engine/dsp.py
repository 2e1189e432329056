"""Block-wise array helpers shared by the effects, ambience and mastering stages.

Why blocks: a fresh 3-minute stereo buffer (64 MB) costs tens of milliseconds in page faults before any
math happens, more than most of the math itself. So long signals are processed in place where possible,
a block of CHUNK samples at a time, with every temporary small enough to stay in cache. Filters carry
their state from block to block, so the result is identical to one pass over the whole signal.
"""

from __future__ import annotations

import functools
import mmap
from collections.abc import Iterator

import numpy as np
from scipy import signal

try:  # scipy's compiled in-place SOS kernel (private; the public sosfilt wraps it with a full copy)
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_in_place
except ImportError:  # pragma: no cover - another scipy: fall back to the public, copying function
    _sosfilt_in_place = None

CHUNK = 1 << 17  # samples per block: a stereo float32 block (1 MB) about fills a core's L2 cache
CONTROL_HOP = 16  # envelopes and modulations are computed every 16 samples, then interpolated


def db_to_gain(db):
    """Linear amplitude of a level in dB (-6.02 dB -> 0.5): the one conversion the code base uses.

    A number gives a float; an array gives a float64 array of gains, element by element."""
    if isinstance(db, int | float):
        return float(10.0 ** (db / 20.0))
    return np.power(10.0, np.asarray(db, dtype=np.float64) / 20.0)


def butter_sos(order: int, cutoff_hz: float | tuple[float, float], btype: str, sample_rate: float) -> np.ndarray:
    """scipy.signal.butter(..., output="sos"), remembered: a design costs about a millisecond (more than
    filtering a drum hit), and a render asks for the same few designs hundreds of times. A fresh copy
    each call, so callers may do as they like with it."""
    return _butter_sos(order, cutoff_hz, btype, float(sample_rate)).copy()


@functools.lru_cache(maxsize=512)
def _butter_sos(order: int, cutoff_hz: float | tuple[float, float], btype: str, sample_rate: float) -> np.ndarray:
    return signal.butter(order, cutoff_hz, btype, fs=sample_rate, output="sos")


def blocks(n_samples: int, size: int = CHUNK) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive blocks covering n_samples."""
    for start in range(0, n_samples, size):
        yield start, min(start + size, n_samples)


def zeros_prefaulted(shape: tuple[int, ...]) -> np.ndarray:
    """A zeroed float32 array whose pages the kernel maps in one go (MAP_POPULATE), where the platform
    has it; otherwise np.empty filled with zeros.

    A fresh multi-megabyte array otherwise takes one page fault per 4 KB on first touch (and two where
    the first touch reads, as adding into it does): on a virtual machine those faults cost more than
    filling the array. The memory goes back to the system when the array is garbage collected.
    """
    size = int(np.prod(shape)) * 4
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is not None and size >= 1 << 22:
        try:
            buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
            return np.frombuffer(buffer, dtype=np.float32).reshape(shape)
        except OSError:
            pass
    out = np.empty(shape, dtype=np.float32)
    out.fill(0.0)
    return out


def peak_abs(audio: np.ndarray) -> float:
    """Largest |sample|, block by block: each block is read from memory once, its second reduction comes
    from cache (max and min of the whole array would be two passes over memory)."""
    flat = audio.reshape(audio.shape[0], -1) if audio.ndim > 1 else audio.reshape(1, -1)
    peak = 0.0
    for start, stop in blocks(flat.shape[1]):
        block = flat[:, start:stop]
        peak = max(peak, float(block.max()), -float(block.min()))
    return peak


def mean_square(audio: np.ndarray) -> float:
    """Mean of squares over every sample of every channel (a BLAS dot: one fast pass, no temporary)."""
    if audio.size == 0:
        return 0.0
    flat = np.ascontiguousarray(audio).reshape(-1)
    return float(np.dot(flat, flat)) / flat.size


def sosfilt_blocks(sos: np.ndarray, audio: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """scipy.signal.sosfilt along the last axis in float32; `out` may be `audio` itself (in place).

    The result is written into `out` (a new array when None) and filtered there in place. scipy's public
    sosfilt always returns a fresh copy; its compiled kernel filters in place, so that is called directly
    when it is there (scipy is pinned in requirements.txt) and the public function, block by block with
    the state carried over, otherwise. Both give the same numbers as one sosfilt call.
    """
    audio = np.asarray(audio, dtype=np.float32)
    sos = np.ascontiguousarray(sos, dtype=np.float32)
    if out is None:
        out = audio.copy()
    elif out is not audio:
        out[...] = audio
    if _sosfilt_in_place is not None and out.flags.c_contiguous:
        rows = out.reshape(-1, out.shape[-1])
        _sosfilt_in_place(sos, rows, np.zeros((rows.shape[0], sos.shape[0], 2), dtype=np.float32))
        return out
    state = np.zeros((sos.shape[0], *out.shape[:-1], 2), dtype=np.float32)
    for start, stop in blocks(out.shape[-1]):
        out[..., start:stop], state = signal.sosfilt(sos, out[..., start:stop], zi=state)
    return out


class SosStream:
    """An SOS cascade fed block after block (state carried over), filtering each block in place."""

    def __init__(self, sos: np.ndarray, channels: int) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=np.float32)
        self._state = np.zeros((channels, self.sos.shape[0], 2), dtype=np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Filter a C-contiguous float32 (channels, k) block in place and return it."""
        if _sosfilt_in_place is not None:
            _sosfilt_in_place(self.sos, block, self._state)
            return block
        state = np.moveaxis(self._state, 0, 1)  # the public function wants (sections, channels, 2)
        block[...], state = signal.sosfilt(self.sos, block, zi=state)
        self._state = np.ascontiguousarray(np.moveaxis(state, 1, 0))
        return block


class Halver:
    """Halves the sample rate of (channels, k) blocks fed one after another: a binomial FIR (1 3 3 1)/8
    whose state is carried over, then every second sample. Its response falls 30-40 dB at 17-22 kHz (what
    would fold back into 0-5 kHz) and 9 dB at the new Nyquist, and is -1.8 dB at 5 kHz: for paths that only
    need the lower band (effect sends, a chorus's wet signal), an eighth of the work of a steep IIR."""

    def __init__(self, channels: int) -> None:
        self._before = np.zeros((channels, 2), dtype=np.float32)  # the last two samples already fed

    def process(self, block: np.ndarray) -> np.ndarray:
        """The block at half rate: ceil(k / 2) samples per channel (a new float32 array)."""
        length = block.shape[1]
        m = -(-length // 2)
        taps = np.zeros((block.shape[0], 2 * m + 2), dtype=np.float32)
        taps[:, :2] = self._before
        taps[:, 2 : 2 + length] = block
        self._before = taps[:, length : length + 2].copy()
        half = np.add(taps[:, 1 : 2 * m + 1 : 2], taps[:, 2 : 2 * m + 2 : 2])
        half *= np.float32(3)
        half += taps[:, 0 : 2 * m : 2]
        half += taps[:, 3 : 2 * m + 3 : 2]
        half *= np.float32(1 / 8)
        return half


def upsample_linear(control: np.ndarray, *, hop: int, n_samples: int, add_to: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation of control curves sampled every `hop` samples (value k at sample k*hop).

    `control` is (..., m) with m >= ceil(n_samples / hop) + 1; returns (..., n_samples) float32.
    With `add_to` (an array of that shape) the curve is added into it instead of a new array.
    Works block by block, so the only full-length array is the result.
    """
    control = np.asarray(control, dtype=np.float32)
    segments = -(-n_samples // hop)
    if control.shape[-1] < segments + 1:
        raise ValueError("control curve too short for n_samples")
    target = add_to if add_to is not None else np.empty((*control.shape[:-1], n_samples), dtype=np.float32)
    per_block = max(CHUNK // hop, 1)
    ramp = np.arange(hop, dtype=np.float32)
    for first in range(0, segments, per_block):
        last = min(first + per_block, segments)
        begin, end = first * hop, min(last * hop, n_samples)
        start = control[..., first:last]
        step = (control[..., first + 1 : last + 1] - start) * np.float32(1 / hop)
        block = target[..., begin:end]
        if hop >= 8:  # long segments: write them whole, one broadcast row per segment
            whole = (end - begin) // hop  # segments that fit in the block entirely
            if add_to is None and whole:  # straight into the result, through a (..., segment, hop) view
                rows = block[..., : whole * hop].reshape(*control.shape[:-1], whole, hop)
                np.multiply(step[..., :whole, None], ramp, out=rows)
                rows += start[..., :whole, None]
                if whole * hop < end - begin:  # the last, partial segment
                    block[..., whole * hop :] = (
                        start[..., whole : whole + 1] + step[..., whole : whole + 1] * ramp[: end - begin - whole * hop]
                    )
                continue
            piece = start[..., None] + step[..., None] * ramp
            piece = piece.reshape(*control.shape[:-1], -1)[..., : end - begin]
            if add_to is not None:
                block += piece
            else:
                block[...] = piece
            continue
        for phase in range(hop):  # short segments: one strided write per position inside a segment
            count = -(-(end - begin - phase) // hop)
            if count <= 0:
                continue
            piece = start[..., :count] + step[..., :count] * np.float32(phase)
            if add_to is not None:
                block[..., phase::hop] += piece
            else:
                block[..., phase::hop] = piece
    return target


# --- filters --------------------------------------------------------------------------------------
# Filters run through scipy's sosfilt: a whole cascade (high-pass, shelves, low-pass) costs about one
# pass, where pedalboard runs one pass per filter plugin. Same RBJ/Butterworth responses.


def lowpass(audio: np.ndarray, *, sample_rate: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass (12 dB/octave at order 2)."""
    return filter_sos(audio, tone_sos(sample_rate, lowpass_hz=cutoff_hz, order=order))


def highpass(audio: np.ndarray, *, sample_rate: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth high-pass (12 dB/octave at order 2)."""
    return filter_sos(audio, tone_sos(sample_rate, highpass_hz=cutoff_hz, order=order))


def tone_sos(
    sample_rate: float,
    *,
    highpass_hz: float | None = None,
    lowpass_hz: float | None = None,
    low_shelf: tuple[float, float] | None = None,
    high_shelf: tuple[float, float] | None = None,
    order: int = 2,
) -> np.ndarray:
    """One second-order-sections cascade: optional high-pass, low shelf (hz, db), high shelf, low-pass.

    A cut-off at or above 0.49 x sample_rate is left out (nothing to remove there).
    """
    nyquist_limit = 0.49 * sample_rate
    sections = []
    if highpass_hz:
        sections.append(butter_sos(order, float(highpass_hz), "highpass", sample_rate))
    if low_shelf and low_shelf[1] != 0:
        sections.append(shelf_sos(sample_rate, kind="low", freq_hz=low_shelf[0], gain_db=low_shelf[1]))
    if high_shelf and high_shelf[1] != 0 and high_shelf[0] < nyquist_limit:
        sections.append(shelf_sos(sample_rate, kind="high", freq_hz=high_shelf[0], gain_db=high_shelf[1]))
    if lowpass_hz and lowpass_hz < nyquist_limit:
        sections.append(butter_sos(order, float(lowpass_hz), "lowpass", sample_rate))
    if not sections:
        return np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    return np.concatenate(sections)


def shelf_sos(sample_rate: float, *, kind: str, freq_hz: float, gain_db: float, slope: float = 1.0) -> np.ndarray:
    """An RBJ-cookbook shelving biquad as one SOS row; kind is "low" or "high"."""
    a = db_to_gain(gain_db / 2)  # the RBJ shelf's A: amplitude at half the gain in dB
    w0 = 2 * np.pi * freq_hz / sample_rate
    alpha = np.sin(w0) / 2 * np.sqrt((a + 1 / a) * (1 / slope - 1) + 2)
    cos_w0, root = np.cos(w0), 2 * np.sqrt(a) * alpha
    sign = 1 if kind == "low" else -1
    if kind not in ("low", "high"):
        raise ValueError("kind must be 'low' or 'high'")
    b0 = a * ((a + 1) - sign * (a - 1) * cos_w0 + root)
    b1 = sign * 2 * a * ((a - 1) - sign * (a + 1) * cos_w0)
    b2 = a * ((a + 1) - sign * (a - 1) * cos_w0 - root)
    a0 = (a + 1) + sign * (a - 1) * cos_w0 + root
    a1 = -sign * 2 * ((a - 1) + sign * (a + 1) * cos_w0)
    a2 = (a + 1) + sign * (a - 1) * cos_w0 - root
    return np.array([[b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]])


def filter_sos(audio: np.ndarray, sos: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Run an SOS cascade along the last axis in float32, block by block; `out` may be `audio`."""
    return sosfilt_blocks(sos, audio, out=out)
