"""Long mixes (one to many hours) rendered block by block: loudness-matched tracks joined by equal-power
crossfades, an optional continuous ambience bed, and a true-peak-safe limiter, written straight to disk.

Memory does not grow with the length of the mix: only one block per active track (two during a
crossfade), the limiter's few milliseconds of look-ahead and the output block are held at any time.

Loudness: every track is measured once (streamed through `loudness.measure_blocks`, or its known
loudness is used) and gained to a common level, so the crossfaded mix sits at that level; the level is
chosen so that music plus ambience bed reach `target_lufs`. The limiter then keeps the true peak under
the ceiling, and the written output is measured as it is written, so MixResult reports real figures.

The output meter is `_OutputMeter`: integrated loudness and LRA from libebur128 (the library behind
loudness.py) without its true-peak mode, and the true peak from the same 4x interpolator libebur128
uses, run only on the hops that can hold the peak. libebur128's own true-peak mode costs four times its
loudness measurement and would make the output meter the slowest part of a long mix; the figures agree
with `loudness.measure` on the written file (the tests check this).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyebur128
import soundfile
from scipy import signal

from production.engine import audio_io
from production.engine.dsp import db_to_gain
from production.engine.loudness import SILENCE_LUFS, measure_blocks

BedBlocks = Callable[[int, int], np.ndarray]  # (n_samples, start_sample) -> (2, n_samples) float32

MAX_GAIN_DB = 24.0  # never lift a near-silent track by more than this
# libebur128's true-peak interpolator at 44.1/48 kHz: 4x, 49-tap Hann-windowed sinc (measured identical to
# loudness.py's readings), so what the limiter holds under the ceiling is what the meter reports.
_TAPS = np.arange(49)
_PHASE = (_TAPS - 24) * np.pi / 4
_TRUE_PEAK_FIR = (np.sinc(_PHASE / np.pi) * 0.5 * (1 - np.cos(2 * np.pi * _TAPS / 48))).astype(np.float32)
BED_PROBE_S = 60.0  # seconds of ambience bed measured to account for its loudness
_BLOCK_S = 5.0


@dataclass(frozen=True)
class MixItem:
    """One track of a mix. `crossfade_s` is the overlap with the *next* track (ignored for the last).
    Level: `gain_db` when given; otherwise the track is gained from its integrated loudness to the mix
    level, using `loudness_lufs` when known (e.g. from the catalogue's analysis) or measuring the file."""

    path: str | os.PathLike
    title: str = ""
    crossfade_s: float = 8.0
    gain_db: float | None = None
    loudness_lufs: float | None = None

    @property
    def label(self) -> str:
        return self.title or Path(self.path).stem


@dataclass(frozen=True)
class MixResult:
    duration_s: float
    tracklist: list[tuple[str, float]]  # (title, start_s): where each track starts (its fade-in begins)
    integrated_lufs: float  # measured on the written file
    true_peak_dbtp: float  # measured on the written file
    loudness_range_lu: float
    track_gains_db: list[float] = field(default_factory=list)


def render_mix(
    items: Sequence[MixItem],
    *,
    out_path: str | os.PathLike,
    sample_rate: int = 44100,
    target_lufs: float = -14.0,
    true_peak_ceiling_db: float = -1.0,
    ambience_bed: BedBlocks | None = None,
    ambience_gain_db: float = 0.0,
    subtype: str = "PCM_24",
    block_s: float = _BLOCK_S,
) -> MixResult:
    """Render `items` in order into one stereo file at `out_path` (format from its extension: .wav,
    .flac, ...) and report what was written.

    Crossfades are equal-power (sine/cosine), each as long as its item's crossfade_s but at most half of
    either track. The ambience bed (`ambience_bed(n, start)` returns the next (2, n) samples of a
    continuous bed, e.g. `looped_bed(...)`), scaled by ambience_gain_db, runs under the whole mix.
    Guarantees: true peak of the file <= true_peak_ceiling_db; integrated loudness within about ±1 LU of
    target_lufs for tracks whose own true peak allows their gain (the limiter trims the rest); memory
    flat in the length of the mix.
    """
    if not items:
        raise ValueError("a mix needs at least one item")
    sources = [_probe(item, sample_rate) for item in items]
    bed_lufs = _bed_loudness(ambience_bed, ambience_gain_db, sample_rate)
    music_lufs = _music_level(target_lufs, bed_lufs)
    loudness_cache: dict[str, float] = {}
    gains_db = [_gain_db(item, music_lufs, loudness_cache) for item in items]
    starts, fades = _timeline(items, [s.frames for s in sources], sample_rate)
    total = starts[-1] + sources[-1].frames

    limiter = TruePeakLimiter(sample_rate=sample_rate, channels=2, ceiling_db=true_peak_ceiling_db)
    meter = _OutputMeter(sample_rate=sample_rate)
    block = max(1, int(block_s * sample_rate))
    readers: dict[int, _Reader] = {}
    next_item = 0
    with _Writer(out_path, sample_rate=sample_rate, subtype=subtype) as out:
        for position in range(0, total, block):  # one iteration per output block
            n = min(block, total - position)
            mix = np.zeros((2, n), dtype=np.float32)
            while next_item < len(items) and starts[next_item] < position + n:
                readers[next_item] = _Reader(items[next_item].path, sources[next_item], sample_rate, block_s)
                next_item += 1
            for index in list(readers):
                _add_item(
                    mix,
                    readers,
                    index,
                    position,
                    starts[index],
                    sources[index].frames,
                    fades[index],
                    fades[index + 1] if index + 1 < len(items) else 0,
                    gains_db[index],
                )
            if ambience_bed is not None:
                mix += (db_to_gain(ambience_gain_db) * ambience_bed(n, position)).astype(np.float32)
            _write(out, meter, limiter.process(mix))
        _write(out, meter, limiter.flush())
    integrated_lufs, loudness_range_lu, true_peak_dbtp = meter.result()
    tracklist = [(item.label, start / sample_rate) for item, start in zip(items, starts, strict=True)]
    return MixResult(
        duration_s=total / sample_rate,
        tracklist=tracklist,
        integrated_lufs=integrated_lufs,
        true_peak_dbtp=true_peak_dbtp,
        loudness_range_lu=loudness_range_lu,
        track_gains_db=gains_db,
    )


def tracklist_text(tracklist: Sequence[tuple[str, float]]) -> str:
    """ "00:00 Title" lines for a description; "h:mm:ss" once the mix passes an hour."""
    long_mix = any(start_s >= 3600 for _, start_s in tracklist)
    lines = []
    for title, start_s in tracklist:
        seconds = int(start_s)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        stamp = f"{hours}:{minutes:02d}:{secs:02d}" if long_mix else f"{minutes:02d}:{secs:02d}"
        lines.append(f"{stamp} {title}")
    return "\n".join(lines)


def looped_bed(bed: np.ndarray, *, crossfade_s: float = 2.0, sample_rate: int = 44100) -> BedBlocks:
    """Turn a finite (2, n) ambience recording into an endless `bed_blocks` source: the loop point is an
    equal-power crossfade of the bed's tail into its head, so the seam is inaudible."""
    bed = np.atleast_2d(np.asarray(bed, dtype=np.float32))
    if bed.shape[0] == 1:
        bed = np.repeat(bed, 2, axis=0)
    fade = min(int(crossfade_s * sample_rate), bed.shape[1] // 2)
    if fade > 0:
        ramp = np.linspace(0.0, np.pi / 2, fade, dtype=np.float32)
        loop = bed[:, fade:].copy()
        loop[:, -fade:] = bed[:, -fade:] * np.cos(ramp) + bed[:, :fade] * np.sin(ramp)
    else:
        loop = bed.copy()
    period = loop.shape[1]

    def bed_blocks(n_samples: int, start_sample: int) -> np.ndarray:
        pieces, position, left = [], start_sample % period, n_samples
        while left > 0:  # one slice per pass over the loop
            take = min(left, period - position)
            pieces.append(loop[:, position : position + take])
            position, left = 0, left - take
        return np.concatenate(pieces, axis=1) if len(pieces) != 1 else pieces[0].copy()

    return bed_blocks


class TruePeakLimiter:
    """Look-ahead limiter keeping the true peak (4x oversampled) under `ceiling_db`, block by block.

    The signal is judged in hops of HOP samples: a hop's true peak is its sample peak, or, when that
    comes within HOT_MARGIN_DB of the ceiling, the peak of its 4x oversampled version through the same
    interpolator libebur128 uses (so the limiter and loudness.py's meter agree). The gain
    (in dB) needed per hop is held over LOOKAHEAD_HOPS future hops (attack ahead of the peak), recovers at
    RELEASE_DB_PER_S (computed as a running minimum, so without a loop over samples or hops), and is
    interpolated linearly between hop boundaries, never above any hop's need. Output lags input by
    (LOOKAHEAD_HOPS + 2) hops; `flush` returns the rest, so total output length equals total input.
    """

    HOP = 256
    LOOKAHEAD_HOPS = 2
    RELEASE_DB_PER_S = 15.0
    HOT_MARGIN_DB = 4.0
    SAFETY_DB = 0.05  # aim a little under the ceiling: the gain ramps between hops move peaks slightly
    _CONTEXT = 16  # samples each side of a hop for the oversampling filter

    def __init__(self, *, sample_rate: int, channels: int, ceiling_db: float) -> None:
        self.channels = channels
        self._ceiling_db = ceiling_db - self.SAFETY_DB
        self._ceiling = db_to_gain(self._ceiling_db)
        self._hot = db_to_gain(self._ceiling_db - self.HOT_MARGIN_DB)
        self._release_db_per_hop = self.RELEASE_DB_PER_S * self.HOP / sample_rate
        self._pending = np.zeros((channels, 0), dtype=np.float32)  # not yet output; starts at hop `_first`
        self._history = np.zeros((channels, self._CONTEXT), dtype=np.float32)  # samples before `_pending`
        self._first = 0  # global hop index of the first pending sample
        self._need_db = np.zeros(0)  # per pending hop already judged
        self._previous_need_db = 0.0  # need of the hop before `_first`
        self._best = np.inf  # running min over judged-and-smoothed hops j of (held_need_db[j] - j*release)
        self._last_gain_db = 0.0  # smoothed gain of the hop before `_first`
        self._total_in = 0
        self._total_out = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.atleast_2d(np.asarray(block, dtype=np.float32))
        self._pending = np.concatenate([self._pending, block], axis=1)
        self._total_in += block.shape[1]
        out = self._emit()
        self._total_out += out.shape[1]
        return out

    def flush(self) -> np.ndarray:
        padding = (self.LOOKAHEAD_HOPS + 3) * self.HOP + self._CONTEXT
        silence = np.zeros((self.channels, padding), np.float32)
        self._pending = np.concatenate([self._pending, silence], axis=1)
        out = self._emit()[:, : self._total_in - self._total_out]
        self._total_out += out.shape[1]
        return out

    def _emit(self) -> np.ndarray:
        hop = self.HOP
        # judge every hop whose samples and right-hand context have arrived
        judged = self._need_db.size
        can_judge = max(0, (self._pending.shape[1] - self._CONTEXT) // hop)
        if can_judge > judged:
            self._need_db = np.concatenate([self._need_db, self._judge(judged, can_judge)])
        # output hops whose gain curve is settled: they need LOOKAHEAD + 1 judged hops after them
        n_out = self._need_db.size - self.LOOKAHEAD_HOPS - 1
        if n_out <= 0:
            return np.zeros((self.channels, 0), dtype=np.float32)
        # hold: each hop takes the deepest need of the hop before it, itself and the next LOOKAHEAD hops,
        # so the gain is already flat across a loud hop and its neighbours (a gain ramp right beside a
        # peak would let the interpolated peak of gain x signal slip over the ceiling)
        need = np.concatenate([[self._previous_need_db], self._need_db])
        windows = np.lib.stride_tricks.sliding_window_view(need, self.LOOKAHEAD_HOPS + 2)[: n_out + 1]
        held = windows.min(axis=1)
        self._previous_need_db = float(self._need_db[n_out - 1])
        # release: gain_db[h] = min over j <= h of held[j] + (h - j) * release, capped at 0 dB
        hops = self._first + np.arange(held.size)
        running = np.minimum.accumulate(np.minimum(held - hops * self._release_db_per_hop, self._best))
        gain_db = np.minimum(running + hops * self._release_db_per_hop, 0.0)
        self._best = float(running[n_out - 1])
        # gain at each hop boundary: the lower of the hops on either side, then linear within the hop
        previous = np.concatenate([[self._last_gain_db], gain_db])
        boundary_db = np.minimum(previous[:-1], previous[1:])  # boundaries of hops 0..n_out
        self._last_gain_db = float(gain_db[n_out - 1])
        boundary = db_to_gain(boundary_db)
        within = (np.arange(hop) / hop)[None, :]
        ramps = boundary[:-1, None] + (boundary[1:] - boundary[:-1])[:, None] * within
        gain = ramps.reshape(-1).astype(np.float32)
        out = self._pending[:, : n_out * hop] * gain[None, :]
        self._history = self._pending[:, n_out * hop - self._CONTEXT : n_out * hop]
        self._pending = self._pending[:, n_out * hop :]
        self._need_db = self._need_db[n_out:]
        self._first += n_out
        return out

    def _judge(self, start_hop: int, stop_hop: int) -> np.ndarray:
        """Needed gain (dB, <= 0) of pending hops [start_hop, stop_hop)."""
        hop, context = self.HOP, self._CONTEXT
        audio = np.concatenate([self._history, self._pending], axis=1)  # pending sample i at i + context
        count = stop_hop - start_hop
        body = audio[:, context + start_hop * hop : context + stop_hop * hop]
        peaks = np.abs(body).reshape(self.channels, count, hop).max(axis=(0, 2))
        hot = np.flatnonzero(peaks > self._hot)
        if hot.size:
            first = context + (start_hop + hot) * hop - context  # window start of each hot hop
            index = first[:, None] + np.arange(hop + 2 * context)[None, :]
            windows = audio[:, index]  # (channels, n_hot, hop + 2*context)
            upsampled = signal.upfirdn(_TRUE_PEAK_FIR, windows, up=4, axis=2)
            delay = (_TRUE_PEAK_FIR.size - 1) // 2  # input sample i sits at upsampled index 4*i + delay
            centre = upsampled[:, :, 4 * context + delay : 4 * (context + hop) + delay]
            peaks[hot] = np.maximum(peaks[hot], np.abs(centre).max(axis=(0, 2)))
        with np.errstate(divide="ignore"):
            peak_db = 20 * np.log10(np.maximum(peaks, 1e-12))
        return np.minimum(self._ceiling_db - peak_db, 0.0)


@dataclass(frozen=True)
class _Source:
    frames: int  # length at the mix's sample rate
    channels: int
    sample_rate: int


class _Reader:
    """Sequential reader of one item at the mix's rate and in stereo, returning exactly the samples asked
    for (zeros past the end)."""

    def __init__(self, path: str | os.PathLike, source: _Source, sample_rate: int, block_s: float) -> None:
        resample_to = sample_rate if source.sample_rate != sample_rate else None
        self._blocks: Iterator[np.ndarray] = audio_io.iter_blocks(path, block_s, sample_rate=resample_to)
        self._buffer = np.zeros((2, 0), dtype=np.float32)
        self.position = 0  # item samples already returned

    def read(self, n: int) -> np.ndarray:
        while self._buffer.shape[1] < n:
            block = next(self._blocks, None)
            if block is None:
                break
            self._buffer = np.concatenate([self._buffer, _stereo(block)], axis=1)
        out = self._buffer[:, :n]
        self._buffer = self._buffer[:, n:]
        if out.shape[1] < n:
            out = np.concatenate([out, np.zeros((2, n - out.shape[1]), dtype=np.float32)], axis=1)
        self.position += n
        return out


def _add_item(
    mix: np.ndarray,
    readers: dict[int, _Reader],
    index: int,
    position: int,
    start: int,
    frames: int,
    fade_in: int,
    fade_out: int,
    gain_db: float,
) -> None:
    """Add the part of item `index` that falls into the output block starting at `position`."""
    n = mix.shape[1]
    lo, hi = max(position, start), min(position + n, start + frames)
    if hi <= lo:
        return
    reader = readers[index]
    offset = lo - start  # first item sample needed
    if offset > reader.position:
        reader.read(offset - reader.position)
    piece = reader.read(hi - lo)
    gain = np.float32(db_to_gain(gain_db))
    if offset >= fade_in and offset + piece.shape[1] <= frames - fade_out:
        piece *= gain  # the common case: no fade in this block
    else:
        t = np.arange(offset, offset + piece.shape[1], dtype=np.float64)
        envelope = np.full(t.size, float(gain))
        if fade_in:
            envelope *= np.sin(0.5 * np.pi * np.clip(t / fade_in, 0.0, 1.0))
        if fade_out:
            envelope *= np.cos(0.5 * np.pi * np.clip((t - (frames - fade_out)) / fade_out, 0.0, 1.0))
        piece *= envelope.astype(np.float32)
    mix[:, lo - position : hi - position] += piece
    if hi == start + frames:
        del readers[index]


def _probe(item: MixItem, sample_rate: int) -> _Source:
    info = audio_io.probe(item.path)
    frames = math.ceil(info.frames * sample_rate / info.sample_rate)
    return _Source(frames=frames, channels=info.channels, sample_rate=info.sample_rate)


def _gain_db(item: MixItem, music_lufs: float, cache: dict[str, float]) -> float:
    if item.gain_db is not None:
        return float(item.gain_db)
    lufs = item.loudness_lufs
    if lufs is None:
        key = os.fspath(item.path)
        if key not in cache:  # a long mix may play the same file more than once: measure it once
            info = audio_io.probe(item.path)
            cache[key] = measure_blocks(
                audio_io.iter_blocks(item.path, _BLOCK_S), channels=info.channels, sample_rate=info.sample_rate
            ).integrated_lufs
        lufs = cache[key]
    return float(min(music_lufs - lufs, MAX_GAIN_DB))


def _timeline(items: Sequence[MixItem], frames: list[int], sample_rate: int) -> tuple[list[int], list[int]]:
    """Start sample of each item and the crossfade length (samples) *into* each item (fades[0] = 0)."""
    fades = [0]
    for index in range(1, len(items)):
        wanted = int(items[index - 1].crossfade_s * sample_rate)
        fades.append(max(0, min(wanted, frames[index - 1] // 2, frames[index] // 2)))
    starts = [0]
    for index in range(1, len(items)):
        starts.append(starts[-1] + frames[index - 1] - fades[index])
    return starts, fades


def _bed_loudness(bed: BedBlocks | None, gain_db: float, sample_rate: int) -> float | None:
    if bed is None:
        return None
    probe = (db_to_gain(gain_db) * bed(int(BED_PROBE_S * sample_rate), 0)).astype(np.float32)
    return measure_blocks([probe], channels=2, sample_rate=sample_rate).integrated_lufs


def _music_level(target_lufs: float, bed_lufs: float | None) -> float:
    """Level for the music so that music plus bed (powers add) reach the target."""
    if bed_lufs is None or bed_lufs <= -69.0:
        return target_lufs
    remaining = 10 ** (target_lufs / 10) - 10 ** (bed_lufs / 10)
    if remaining <= 10 ** ((target_lufs - 20) / 10):
        raise ValueError(
            f"the ambience bed alone ({bed_lufs:.1f} LUFS) is about as loud as the target "
            f"({target_lufs:.1f} LUFS); lower ambience_gain_db"
        )
    return 10 * math.log10(remaining)


def _stereo(block: np.ndarray) -> np.ndarray:
    if block.shape[0] == 2:
        return block
    if block.shape[0] == 1:
        return np.repeat(block, 2, axis=0)
    return block[:2]


def _write(out: _Writer, meter: _OutputMeter, block: np.ndarray) -> None:
    if block.shape[1]:
        frames = np.ascontiguousarray(block.T)  # (n, 2) interleaved: what the file and the meter take
        out.write(frames)
        meter.add(block, frames)


class _Writer:
    """Writes (n, 2) blocks to a sound file on a background thread (libsndfile releases the GIL while
    encoding, so encoding overlaps the next block's mixing). At most one block waits, so memory stays
    at two blocks."""

    def __init__(self, path: str | os.PathLike, *, sample_rate: int, subtype: str) -> None:
        self._file = soundfile.SoundFile(str(path), "w", samplerate=sample_rate, channels=2, subtype=subtype)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future | None = None

    def write(self, frames: np.ndarray) -> None:
        if self._pending is not None:
            self._pending.result()  # re-raises a failed write here
        self._pending = self._pool.submit(self._file.write, frames)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._pending is not None:
                self._pending.result()
        finally:
            self._pool.shutdown(wait=True)
            self._file.close()


class _OutputMeter:
    """Integrated loudness and LRA (libebur128) plus true peak (libebur128's interpolator), streamed."""

    def __init__(self, *, sample_rate: int) -> None:
        modes = pyebur128.MeasurementMode.MODE_I | pyebur128.MeasurementMode.MODE_LRA
        self._state = pyebur128.R128State(2, sample_rate, modes)
        self._tracker = _TruePeakTracker(channels=2)
        self._frames = 0

    def add(self, block: np.ndarray, interleaved: np.ndarray) -> None:
        self._state.add_frames(interleaved.reshape(-1), block.shape[1])
        self._tracker.add(block)
        self._frames += block.shape[1]

    def result(self) -> tuple[float, float, float]:
        """(integrated_lufs, loudness_range_lu, true_peak_dbtp), clamped like loudness.py."""
        if self._frames == 0:
            return SILENCE_LUFS, 0.0, -200.0
        integrated = pyebur128.get_loudness_global(self._state)
        integrated = float(max(integrated, SILENCE_LUFS)) if np.isfinite(integrated) else SILENCE_LUFS
        try:
            lra = float(pyebur128.get_loudness_range(self._state))
        except Exception:  # libebur128 refuses LRA on very short input, as in loudness.py
            lra = 0.0
        return integrated, lra if np.isfinite(lra) else 0.0, self._tracker.true_peak_dbtp()


class _TruePeakTracker:
    """Running true peak (dBTP) of a stream: the 4x interpolated peak of every hop that could hold it.

    A hop whose sample peak is more than HOT_MARGIN_DB under the running maximum cannot overshoot it
    (music's inter-sample peaks stay well within that), so only the others are interpolated."""

    HOP = 256
    HOT_MARGIN_DB = 4.0
    _CONTEXT = 16

    def __init__(self, *, channels: int) -> None:
        # left context (zeros before the stream, like a fresh filter) followed by samples not yet judged
        self._buffer = np.zeros((channels, self._CONTEXT), dtype=np.float32)
        self._peak = 0.0

    def add(self, block: np.ndarray) -> None:
        audio = np.concatenate([self._buffer, block], axis=1)
        count = (audio.shape[1] - 2 * self._CONTEXT) // self.HOP  # whole hops with context on both sides
        if count <= 0:
            self._buffer = audio
            return
        self._buffer = audio[:, count * self.HOP :]
        body = audio[:, self._CONTEXT : self._CONTEXT + count * self.HOP]
        sample_peaks = np.abs(body).reshape(body.shape[0], count, self.HOP).max(axis=(0, 2))
        self._peak = max(self._peak, float(sample_peaks.max()))
        hot = np.flatnonzero(sample_peaks > self._peak * db_to_gain(-self.HOT_MARGIN_DB))
        if hot.size == 0:
            return
        index = (hot * self.HOP)[:, None] + np.arange(self.HOP + 2 * self._CONTEXT)[None, :]
        windows = audio[:, index]  # (channels, n_hot, hop + 2 * context)
        upsampled = signal.upfirdn(_TRUE_PEAK_FIR, windows, up=4, axis=2)
        delay = (_TRUE_PEAK_FIR.size - 1) // 2
        centre = upsampled[:, :, 4 * self._CONTEXT + delay : 4 * (self._CONTEXT + self.HOP) + delay]
        self._peak = max(self._peak, float(np.abs(centre).max()))

    def true_peak_dbtp(self) -> float:
        """The true peak so far, judging the samples still waiting for right-hand context as if the
        stream ended there (call once, at the end)."""
        self.add(np.zeros((self._buffer.shape[0], self.HOP + self._CONTEXT), dtype=np.float32))
        return float(20 * np.log10(max(self._peak, 1e-10)))
