"""Mastering: EQ, glue compression, an oversampled true-peak limiter and loudness normalisation.

Guarantee (see `master`): for any non-silent input, the returned audio has integrated loudness within
±0.5 LU of the target (in practice within ±0.1) and a true peak at or below the ceiling, both as
loudness.measure (libebur128, BS.1770-4 with 4x oversampled true peak) reads them. If the input cannot
be brought there (silence, or a signal so sparse that no gain reaches the target under the ceiling),
`MasteringError` is raised rather than a master that misses its numbers.

How: the true-peak detector uses the same 49-tap, 4-phase interpolator as libebur128, evaluated exactly
only where a sample-peak bound says a peak could come near the ceiling. The limiter's gain is computed at
a control rate (one value per 16 samples) from that true-peak envelope: a centred maximum filter
(look-ahead), a hold and an exponential release (scipy lfilter), then a centred moving average that can
never undercut what the peaks need. Loudness is computed the BS.1770 way (K-weighting, 400 ms blocks,
absolute and relative gates) from K-weighted power per control block of the EQ'd audio times the square
of the gain applied there, so the gain search and the final figure cost no extra passes over the audio.
Every gain after the EQ (level, glue compression, make-up, limiter) is such a control-rate curve, and
they are applied together once at the end: the audio is read three times in all (EQ and measurements,
the true-peak check, the gain). The gains move slowly next to the K-weighting filter's memory, which
keeps that figure within a few hundredths of a LU of libebur128 on the output (tests hold it to 0.05 LU);
the search stops within ±0.1 LU of the target, well inside the ±0.5 LU guarantee. The true peak is
measured on exactly the output samples, before the gain is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

from production.engine.dsp import CHUNK, SosStream, blocks, db_to_gain, tone_sos, upsample_linear

PLATFORM_TARGETS = {"youtube": -14.0, "spotify": -14.0, "apple_music": -16.0}
LOUDNESS_TOLERANCE_LU = 0.5
_AIM_LU = 0.1  # the search stops inside this, leaving most of the tolerance unused
_HOP = 16  # control rate of the dynamics: one gain value per 16 samples
_ABSOLUTE_GATE_LUFS = -70.0


class MasteringError(ValueError):
    """The input cannot be mastered to the requested loudness and ceiling."""


@dataclass(frozen=True)
class MasterSettings:
    """The mastering chain's knobs. The defaults suit LoFi: clean low end, a touch of warmth and air."""

    highpass_hz: float = 25.0
    low_shelf_hz: float = 110.0
    low_shelf_db: float = 1.0
    high_shelf_hz: float = 9000.0
    high_shelf_db: float = 1.0
    glue_threshold_db: float = 3.0  # above the target loudness (the loud passages get glued)
    glue_ratio: float = 2.0
    glue_knee_db: float = 6.0
    glue_detector_s: float = 0.05  # RMS window of the detector
    glue_smoothing_s: float = 0.15
    limiter_lookahead_s: float = 0.003
    limiter_hold_s: float = 0.01
    limiter_release_db_per_s: float = 60.0
    ceiling_margin_db: float = 0.1  # aim this far under the ceiling; the exact check decides


@dataclass(frozen=True)
class MasterResult:
    audio: np.ndarray  # (2, n) float32
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float  # total make-up gain applied before the limiter
    limiter_reduction_db: float = 0.0  # deepest gain reduction the limiter applied
    passes: int = 1  # limiter passes the search needed


def master(
    mix: np.ndarray,
    *,
    sample_rate: int,
    target_lufs: float = -14.0,
    true_peak_ceiling_db: float = -1.0,
    settings: MasterSettings | None = None,
    in_place: bool = False,
) -> MasterResult:
    """Master a (2, n) mix to `target_lufs` integrated with true peak <= `true_peak_ceiling_db`.

    Chain: high-pass and shelves -> glue compression -> gain -> look-ahead true-peak limiter.
    Guarantees, as loudness.measure (libebur128) reads the returned audio: integrated loudness within
    ±0.5 LU of target (aimed at ±0.1) and true peak <= ceiling. Raises MasteringError when that is
    impossible (silence; a signal too sparse to reach the target under the ceiling).
    With `in_place` a float32 mix is used as the working buffer (it is overwritten): one full-length
    buffer fewer for a caller that is done with the mix.
    """
    settings = settings or MasterSettings()
    audio = np.asarray(mix, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[0] != 2:
        raise ValueError(f"mix must have shape (2, n), got {audio.shape}")
    flat = np.ascontiguousarray(audio).reshape(-1)
    if not np.isfinite(np.dot(flat, flat)):  # NaN and infinity survive a dot product: one pass, no mask
        raise ValueError("mix contains NaN or infinite samples")
    if audio.shape[1] < int(0.4 * sample_rate):
        raise MasteringError("mix is shorter than one 400 ms loudness block")

    working = audio if in_place and audio is mix and audio.flags.c_contiguous else None
    eq = tone_sos(
        sample_rate,
        highpass_hz=settings.highpass_hz,
        low_shelf=(settings.low_shelf_hz, settings.low_shelf_db),
        high_shelf=(settings.high_shelf_hz, settings.high_shelf_db),
    )
    # One pass over the audio: the EQ, and what every later step needs, measured per hop while each
    # filtered block is in cache. Every gain after the EQ (level, glue, make-up, limiter) is a curve at the
    # control rate, and they are applied together, once, at the end.
    audio, hop_power, k_power, sample_peak = _eq_and_measure(audio, eq, sample_rate=sample_rate, out=working)
    # Rough level first (plain RMS), so the glue compressor's threshold means the same for any input.
    rough_lufs = -0.691 + 10 * np.log10(max(float(hop_power.sum()) / audio.shape[1], 1e-20))
    if rough_lufs <= _ABSOLUTE_GATE_LUFS - 20:
        raise MasteringError("mix is silent: nothing to master")
    pre_gain_db = target_lufs - rough_lufs
    pre_gain = db_to_gain(pre_gain_db)
    glue = pre_gain * _glue_gain(
        hop_power * pre_gain**2, sample_rate=sample_rate, target_lufs=target_lufs, settings=settings
    )

    blocks = _Blocks(audio, sample_rate=sample_rate, k_power=k_power, sample_peak=sample_peak, glue=glue)
    unlimited_lufs = blocks.integrated(np.ones(blocks.hops))
    if unlimited_lufs <= _ABSOLUTE_GATE_LUFS:
        raise MasteringError("mix is silent after gating: nothing to master")
    ceiling_db = true_peak_ceiling_db - settings.ceiling_margin_db
    gain_db = target_lufs - unlimited_lufs
    for attempt in range(1, 5):
        passes = attempt
        gain_db, control, integrated = _search_gain(
            blocks,
            gain_db=gain_db,
            target_lufs=target_lufs,
            ceiling_db=ceiling_db,
            sample_rate=sample_rate,
            settings=settings,
        )
        # Measured on exactly the samples the gain will produce, without making them yet: `audio` (our own
        # buffer since the EQ) only takes the gain once it is known to pass.
        total = (control * glue).astype(np.float32)
        true_peak = _gained_true_peak_dbtp(audio, total, sample_rate=sample_rate)
        if true_peak <= true_peak_ceiling_db:
            break
        ceiling_db -= true_peak - true_peak_ceiling_db + 0.05  # the gain moved between samples: aim lower
    if true_peak > true_peak_ceiling_db or abs(integrated - target_lufs) > LOUDNESS_TOLERANCE_LU - 0.05:
        raise MasteringError(
            f"could not reach {target_lufs:.1f} LUFS under {true_peak_ceiling_db:.1f} dBTP "
            f"(got {integrated:.2f} LUFS, {true_peak:.2f} dBTP): the mix is too sparse or too peaky"
        )
    out = _apply_gain(audio, total, out=audio)
    return MasterResult(
        audio=out,
        integrated_lufs=integrated,
        true_peak_dbtp=true_peak,
        gain_db=float(pre_gain_db + gain_db),
        limiter_reduction_db=float(gain_db - 20 * np.log10(max(np.min(control), 1e-10))),
        passes=passes,
    )


# --- glue compression -----------------------------------------------------------------------------


def _glue_gain(hop_power: np.ndarray, *, sample_rate: int, target_lufs: float, settings: MasterSettings) -> np.ndarray:
    """A gentle stereo-linked RMS compressor as a gain per control point (len(hop_power) + 1 values), from
    the signal's power per hop (both channels summed)."""
    if settings.glue_ratio <= 1.0:
        return np.ones(hop_power.size + 1)
    power = _one_pole(hop_power / (2 * _HOP), time_s=settings.glue_detector_s, rate=sample_rate / _HOP)
    level_db = 10 * np.log10(np.maximum(power, 1e-12))
    over_db = level_db - (target_lufs + settings.glue_threshold_db)
    knee = settings.glue_knee_db
    # Soft knee: quadratic inside +/- knee/2, straight line above it.
    excess = np.where(
        over_db <= -knee / 2, 0.0, np.where(over_db >= knee / 2, over_db, (over_db + knee / 2) ** 2 / (2 * knee))
    )
    reduction_db = excess * (1 - 1 / settings.glue_ratio)
    reduction_db = _one_pole(reduction_db, time_s=settings.glue_smoothing_s, rate=sample_rate / _HOP)
    gain = db_to_gain(-reduction_db)
    return np.append(gain, gain[-1])


# --- limiter and gain search ----------------------------------------------------------------------


class _Blocks:
    """Per-control-block statistics of the limiter's input (the EQ'd audio times the glue curve): its
    K-weighted power and its true-peak envelope.

    The glue curve moves slowly next to a hop (16 samples) and the K-weighting's memory, so the input's
    K-weighted power per hop is the EQ'd audio's times the glue gain squared; its sample peaks are bounded
    by the EQ'd audio's times the larger glue gain at the hop's ends. Where a bound comes near the
    ceiling the true peak is computed exactly, on the glued samples themselves.
    """

    def __init__(
        self, audio: np.ndarray, *, sample_rate: int, k_power: np.ndarray, sample_peak: np.ndarray, glue: np.ndarray
    ) -> None:
        self.audio = audio
        self.sample_rate = sample_rate
        self.hops = -(-audio.shape[1] // _HOP)
        self.glue = np.asarray(glue, dtype=np.float32)
        hop_glue = 0.5 * (glue[:-1] + glue[1:])
        self.k_power = k_power * hop_glue * hop_glue  # summed over both channels
        peak = sample_peak * np.maximum(glue[:-1], glue[1:])
        # The interpolator spans 6 samples each side (< one hop), so neighbours bound a hop's true peak.
        neighbourhood = ndimage.maximum_filter1d(peak, size=3, mode="nearest")
        self.bound = neighbourhood * _INTERPOLATOR.gain_bound
        self.true_peak = self.bound.copy()  # replaced by the exact value where it matters
        self._exact = np.zeros(self.hops, dtype=bool)

    def peaks_for(self, threshold: float) -> np.ndarray:
        """True-peak envelope, exact in every hop whose bound reaches `threshold` (linear)."""
        todo = np.flatnonzero((self.bound >= threshold) & ~self._exact)
        if todo.size:
            self.true_peak[todo] = _hop_true_peaks(self.audio, todo, self.sample_rate, control=self.glue)
            self._exact[todo] = True
        return self.true_peak

    def integrated(self, gain: np.ndarray) -> float:
        """Predicted integrated loudness (BS.1770 gating) of the signal times a per-hop gain."""
        return _gated_loudness(
            self.k_power * gain * gain, hop=_HOP, sample_rate=self.sample_rate, n_samples=self.audio.shape[1]
        )


def _search_gain(
    blocks: _Blocks,
    *,
    gain_db: float,
    target_lufs: float,
    ceiling_db: float,
    sample_rate: int,
    settings: MasterSettings,
) -> tuple[float, np.ndarray, float]:
    """Find the make-up gain whose limited result hits the target.

    Returns (gain_db, gain per control point, predicted integrated LUFS of the result).
    """
    ceiling = db_to_gain(ceiling_db)
    previous: tuple[float, float] | None = None
    best: tuple[float, float, np.ndarray, float] | None = None  # (|error|, gain_db, control, integrated)
    for _ in range(24):
        gain = db_to_gain(gain_db)
        peaks = blocks.peaks_for(ceiling / gain * 0.999)
        limiter = limiter_gain(
            peaks * gain,
            ceiling=ceiling,
            sample_rate=sample_rate,
            hop=_HOP,
            lookahead_s=settings.limiter_lookahead_s,
            hold_s=settings.limiter_hold_s,
            release_db_per_s=settings.limiter_release_db_per_s,
        )
        control = gain * limiter
        hop_gain = 0.5 * (control[:-1] + control[1:])  # a hop's samples sit between two control points
        integrated = blocks.integrated(hop_gain)
        error = target_lufs - integrated
        if best is None or abs(error) < best[0]:
            best = (abs(error), gain_db, control, integrated)
        if abs(error) <= _AIM_LU / 4:
            break
        # Secant step: the harder the limiter works, the less loudness each dB of gain buys.
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = (integrated - previous[1]) / (gain_db - previous[0])
            if slope < 0.02 and abs(error) <= LOUDNESS_TOLERANCE_LU:
                break  # the limiter has flattened everything: more gain buys nothing, take what we have
            slope = min(max(slope, 0.05), 1.0)
        previous = (gain_db, integrated)
        gain_db += float(np.clip(error / slope, -12.0, 12.0))
        if gain_db > 60:
            break  # far past any sane make-up gain: the mix is too sparse
    assert best is not None  # the first pass always records one
    _, gain_db, control, integrated = best
    return gain_db, control, integrated


def limiter_gain(
    peaks: np.ndarray,
    *,
    ceiling: float,
    sample_rate: float,
    hop: int,
    lookahead_s: float,
    hold_s: float,
    release_db_per_s: float,
) -> np.ndarray:
    """Gain per control point (len(peaks) + 1 values, point k at sample k*hop) keeping peaks <= ceiling.

    `peaks[h]` is the (true) peak of hop h. The returned gain, linearly interpolated between points,
    never exceeds ceiling / peaks[h] anywhere in hop h: the needed reduction is spread by a centred
    maximum filter one hop wider than the moving average that later smooths it, so the average cannot
    undercut a peak. After the hold, the reduction recovers at `release_db_per_s`: a running maximum of
    (reduction + rate * time) gives that instant-attack, linear-release curve without a sample loop.
    """
    need_db = np.maximum(20 * np.log10(np.maximum(peaks, 1e-12) / ceiling), 0.0)
    need_db = np.append(need_db, need_db[-1])
    radius = max(int(np.ceil(lookahead_s * sample_rate / hop)), 1)
    covered = ndimage.maximum_filter1d(need_db, size=2 * radius + 3, mode="nearest")
    hold = max(round(hold_s * sample_rate / hop), 1)
    # A trailing window (positive origin shifts it back in time): the reduction holds after the peak.
    held = ndimage.maximum_filter1d(covered, size=hold, origin=(hold - 1) // 2, mode="nearest")
    slope = release_db_per_s * hop / sample_rate * np.arange(held.size)
    released = np.maximum.accumulate(held + slope) - slope
    smoothed = ndimage.uniform_filter1d(released, size=2 * radius + 1, mode="nearest")
    return db_to_gain(-smoothed)


# --- true peak ------------------------------------------------------------------------------------


class _Interpolator:
    """libebur128's true-peak interpolator: a 49-tap Hann-windowed sinc split into polyphase filters."""

    def __init__(self, factor: int, taps: int = 49) -> None:
        self.factor = factor
        j = np.arange(taps)
        m = j - (taps - 1) / 2
        coefficients = np.sinc(m / factor) * 0.5 * (1 - np.cos(2 * np.pi * j / (taps - 1)))
        coefficients[np.abs(coefficients) < 1e-6] = 0.0
        self.phases = [coefficients[k::factor] for k in range(factor)]
        self.delay = (taps - 1) // 2 // factor  # input samples between an input and its output phase 0
        self.gain_bound = max(float(np.sum(np.abs(p))) for p in self.phases)
        self.taps_per_phase = max(p.size for p in self.phases)
        self.filter_matrix = np.stack(
            [np.pad(p, (0, self.taps_per_phase - p.size))[::-1] for p in self.phases], axis=1
        ).astype(np.float32)


def _factor(sample_rate: int) -> int:
    return 4 if sample_rate < 96000 else 2 if sample_rate < 192000 else 1


_INTERPOLATOR = _Interpolator(4)


def true_peak_dbtp(audio: np.ndarray, *, sample_rate: int) -> float:
    """True peak (dBTP) as libebur128 measures it: 4x polyphase interpolation below 96 kHz.

    Exact where it matters and cheap elsewhere: the interpolated values are computed only in blocks whose
    sample-peak bound could exceed the highest sample peak.
    """
    return true_and_sample_peak(audio, sample_rate=sample_rate)[0]


def true_and_sample_peak(audio: np.ndarray, *, sample_rate: int) -> tuple[float, float]:
    """(true peak in dBTP as true_peak_dbtp reads it, largest |sample| as a linear value), in one pass."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    if audio.shape[1] == 0:
        return -200.0, 0.0
    sample_peak = _hop_abs_max(audio, _HOP)
    peak = largest_sample = float(sample_peak.max())
    if _factor(sample_rate) == 1 or peak == 0.0:
        return float(20 * np.log10(max(peak, 1e-10))), largest_sample
    peak = _largest_true_peak(audio, sample_peak, floor=peak, sample_rate=sample_rate)
    return float(20 * np.log10(max(peak, 1e-10))), largest_sample


def _gained_true_peak_dbtp(audio: np.ndarray, control: np.ndarray, *, sample_rate: int) -> float:
    """true_peak_dbtp of `_apply_gain(audio, control)`, computed block by block in a scratch buffer (the
    same float32 products) instead of on a full-length copy."""
    n = audio.shape[1]
    if n == 0:
        return -200.0
    sample_peak = np.empty(-(-n // _HOP), dtype=np.float64)
    scratch = np.empty((audio.shape[0], CHUNK), dtype=np.float32)
    for start, stop in blocks(n):  # CHUNK is a multiple of _HOP: blocks start on a control point
        block = scratch[:, : stop - start]
        curve = upsample_linear(control[start // _HOP :], hop=_HOP, n_samples=stop - start)
        np.multiply(audio[:, start:stop], curve, out=block)
        sample_peak[start // _HOP : -(-stop // _HOP)] = _hop_abs_max(block, _HOP)
    peak = float(sample_peak.max())
    if _factor(sample_rate) == 1 or peak == 0.0:
        return float(20 * np.log10(max(peak, 1e-10)))
    peak = _largest_true_peak(audio, sample_peak, floor=peak, sample_rate=sample_rate, control=control)
    return float(20 * np.log10(max(peak, 1e-10)))


def _largest_true_peak(
    audio: np.ndarray, sample_peak: np.ndarray, *, floor: float, sample_rate: int, control: np.ndarray | None = None
) -> float:
    """The largest interpolated peak (linear), at least `floor`, from the per-hop sample peaks.

    Branch and bound: the hops whose bound (neighbouring sample peaks times the interpolator's gain) could
    beat the best value so far are evaluated exactly, highest bound first, until no remaining bound can:
    the same maximum as evaluating every hop, for a fraction of the work on a limited master.
    """
    bound = ndimage.maximum_filter1d(sample_peak, size=3, mode="nearest") * _interpolator(sample_rate).gain_bound
    candidates = np.flatnonzero(bound > floor)
    candidates = candidates[np.argsort(-bound[candidates], kind="stable")]
    best = floor
    for first in range(0, candidates.size, 1024):
        chunk = candidates[first : first + 1024]
        if bound[chunk[0]] <= best:
            break
        best = max(best, float(_hop_true_peaks(audio, np.sort(chunk), sample_rate, control=control).max()))
    return best


def _interpolator(sample_rate: int) -> _Interpolator:
    factor = _factor(sample_rate)
    return _INTERPOLATOR if factor == 4 else _Interpolator(factor)


def _hop_true_peaks(
    audio: np.ndarray, hops: np.ndarray, sample_rate: int, control: np.ndarray | None = None
) -> np.ndarray:
    """Exact interpolated peak (max over channels, samples and phases) of each listed hop, in chunks.

    With `control` the peaks are those of audio times that gain curve (as _apply_gain computes it)."""
    interpolator = _interpolator(sample_rate)
    taps = interpolator.taps_per_phase
    filters = interpolator.filter_matrix  # (taps, factor): reversed phase filters, one per column
    n = audio.shape[1]
    # The value at time i + k/factor is sum_t phase_k[t] * x[i + delay - t]: a hop starting at s needs
    # inputs s + delay - taps + 1 .. s + HOP - 1 + delay; outside the signal they are zero.
    offsets = np.arange(_HOP + taps - 1) + (interpolator.delay - taps + 1)
    gain_points = None if control is None else np.asarray(control, dtype=np.float32)
    results = np.empty(hops.size, dtype=np.float64)
    for first in range(0, hops.size, 4096):
        chunk = hops[first : first + 4096]
        index = chunk[:, None] * _HOP + offsets[None, :]
        clipped = np.clip(index, 0, n - 1)
        segments = np.take(audio, clipped, axis=1)  # (2, hops, HOP + taps - 1)
        if gain_points is not None:  # the gain at each sample, in upsample_linear's float32 arithmetic
            point, phase = np.divmod(clipped, _HOP)
            gain_at_point = gain_points[point]
            step = (gain_points[point + 1] - gain_at_point) * np.float32(1 / _HOP)
            segments *= gain_at_point + step * phase.astype(np.float32)
        outside = (index < 0) | (index >= n)
        if outside.any():
            segments[:, outside] = 0.0
        windows = sliding_window_view(segments, taps, axis=-1)  # (2, hops, HOP, taps)
        results[first : first + chunk.size] = np.abs(windows @ filters).max(axis=(0, 2, 3))
    return results


# --- loudness -------------------------------------------------------------------------------------


def k_weighting_sos(sample_rate: float) -> np.ndarray:
    """BS.1770 K-weighting (pre-filter shelf + RLB high-pass) for any rate, as libebur128 derives it."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sample_rate)
    vh = db_to_gain(gain_db)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / q + k * k) / a0,
    ]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def _gated_loudness(hop_power: np.ndarray, *, hop: int, sample_rate: int, n_samples: int) -> float:
    """BS.1770 integrated loudness from K-weighted power summed per hop (both channels)."""
    step = round(0.1 * sample_rate)
    count = (n_samples - 4 * step) // step + 1
    if count < 1:
        return _ABSOLUTE_GATE_LUFS
    cumulative = np.concatenate([[0.0], np.cumsum(hop_power, dtype=np.float64)])
    starts = np.arange(count) * step
    first = np.round(starts / hop).astype(np.int64)
    last = np.minimum(np.round((starts + 4 * step) / hop).astype(np.int64), hop_power.size)
    energy = (cumulative[last] - cumulative[first]) / (4 * step)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(energy)
    audible = energy[block_lufs > _ABSOLUTE_GATE_LUFS]
    if audible.size == 0:
        return _ABSOLUTE_GATE_LUFS
    relative_gate = -0.691 + 10 * np.log10(audible.mean()) - 10.0
    gated = audible[-0.691 + 10 * np.log10(audible) > relative_gate]
    return float(-0.691 + 10 * np.log10(gated.mean()))


# --- helpers --------------------------------------------------------------------------------------

_CHUNK = CHUNK  # samples per block in the hop statistics: temporaries stay in cache


def _apply_gain(audio: np.ndarray, control: np.ndarray, *, out: np.ndarray | None) -> np.ndarray:
    """audio times a gain given every _HOP samples (linearly interpolated); `out` may be `audio`."""
    out = np.empty_like(audio) if out is None else out
    for start, stop in blocks(audio.shape[1]):  # CHUNK is a multiple of _HOP: blocks start on a point
        curve = upsample_linear(control[start // _HOP :], hop=_HOP, n_samples=stop - start)
        np.multiply(audio[:, start:stop], curve, out=out[:, start:stop])
    return out


def _eq_and_measure(
    audio: np.ndarray, eq: np.ndarray, *, sample_rate: int, out: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """EQ `audio` into `out` (a new array when None; may be `audio`) and measure, per hop of the result:
    power (both channels summed), K-weighted power (likewise) and the largest |sample|.

    Block by block through one reused scratch buffer: each block is filtered, measured, written out, then
    K-weighted in the scratch and measured again while it is still in cache.
    """
    channels, n = audio.shape
    out = np.empty((channels, n), dtype=np.float32) if out is None else out
    eq_stream = SosStream(eq, channels)
    k_stream = SosStream(k_weighting_sos(sample_rate), channels)
    hops = -(-n // _HOP)
    power, k_power, peak = np.zeros(hops), np.zeros(hops), np.zeros(hops)
    scratch = np.empty((channels, CHUNK), dtype=np.float32)
    for start, stop in blocks(n):  # CHUNK is a multiple of _HOP: blocks start on a hop
        block = scratch if stop - start == CHUNK else np.empty((channels, stop - start), np.float32)
        block[...] = audio[:, start:stop]
        eq_stream.process(block)
        out[:, start:stop] = block
        span = slice(start // _HOP, -(-stop // _HOP))
        power[span] = _hop_power(block, _HOP)
        peak[span] = _hop_abs_max(block, _HOP)
        k_power[span] = _hop_power(k_stream.process(block), _HOP)
    return out, power, k_power, peak


def _hop_power(audio: np.ndarray, hop: int) -> np.ndarray:
    """Sum of squares per hop of `hop` samples, over both channels (float64); last hop zero-padded.

    Each hop's 2 x hop squares are summed in float32 by one einsum (a relative error near 1e-7, far
    below anything a loudness figure shows); the hops are returned as float64 for the running sums."""
    n = audio.shape[1]
    out = np.zeros(-(-n // hop), dtype=np.float64)
    for start in range(0, n, _CHUNK):
        chunk = audio[:, start : start + _CHUNK]
        whole = chunk.shape[1] // hop
        if whole:
            framed = chunk[:, : whole * hop].reshape(chunk.shape[0], whole, hop)
            out[start // hop : start // hop + whole] = np.einsum("chs,chs->h", framed, framed)
        if chunk.shape[1] > whole * hop:  # the last, partial hop
            rest = chunk[:, whole * hop :]
            out[start // hop + whole] = float(np.einsum("cs,cs->", rest, rest))
    return out


def _hop_abs_max(audio: np.ndarray, hop: int) -> np.ndarray:
    """Largest |sample| per hop over both channels (float64); last hop zero-padded."""
    n = audio.shape[1]
    out = np.zeros(-(-n // hop), dtype=np.float64)
    for start in range(0, n, _CHUNK):
        magnitude = np.abs(audio[:, start : start + _CHUNK])
        peak = magnitude.max(axis=0) if magnitude.shape[0] > 2 else np.maximum(magnitude[0], magnitude[-1])
        if peak.size % hop:
            peak = np.pad(peak, (0, hop - peak.size % hop))
        out[start // hop : start // hop + peak.size // hop] = peak.reshape(-1, hop).max(axis=1)
    return out


def _one_pole(values: np.ndarray, *, time_s: float, rate: float) -> np.ndarray:
    """Exponential smoothing with time constant `time_s` at `rate` points per second, starting at x[0]."""
    coefficient = np.exp(-1.0 / max(time_s * rate, 1e-9))
    smoothed, _ = signal.lfilter(
        [1 - coefficient], [1.0, -coefficient], values, zi=[coefficient * values[0]] if values.size else [0.0]
    )
    return smoothed
