"""Quality control of a finished master: the checks a release must pass, each with a readable reason.

Checks: clipping, silence (lead-in, tail, gaps), stereo phase and mono compatibility, loudness and true
peak against the target, spectral balance per band against the style's expected range, and duration
against the brief. `check` never raises on bad audio: it reports every failure it finds.

Loudness (integrated, LRA) is measured with libebur128's blocks and gates on scipy K-weighting, and the
true peak with master.true_and_sample_peak, which runs libebur128's own 4x interpolator but only where a peak
can be; tests hold all three to loudness.measure (libebur128 itself), which takes several times longer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from production.engine.dsp import SosStream
from production.engine.jsonsafe import json_safe
from production.engine.master import LOUDNESS_TOLERANCE_LU, k_weighting_sos, true_and_sample_peak

DURATION_TOLERANCE = 0.02  # ±2 % of the brief's length
SILENCE_DBFS = -60.0  # a 50 ms frame quieter than this (RMS, loudest channel) counts as silence
SILENCE_FRAME_S = 0.05
MAX_EDGE_SILENCE_S = 2.0
MAX_GAP_S = 1.0
MIN_CORRELATION = 0.2  # below this the channels are close to cancelling
MAX_MONO_LOSS_DB = 3.0  # level lost when L and R are summed to mono (uncorrelated = 3 dB)
_BLOCK = 1 << 16  # samples per block of the whole-track measurements: temporaries stay in cache
_ABSOLUTE_GATE_LUFS = -70.0

BANDS_HZ = {
    "sub": (20.0, 60.0),
    "low": (60.0, 250.0),
    "mid": (250.0, 4000.0),
    "high": (4000.0, 12000.0),
    "air": (12000.0, 20000.0),
}

# Share of the total energy (dB) each band may hold. LoFi is warm and dark: plenty of low and mid, a
# modest high band and little air. Generous on purpose (arrangements differ), but a master with no
# bass, a harsh top, or a low end swallowing everything falls outside.
_GENERIC_RANGES_DB = {
    "sub": (-40.0, -2.0),
    "low": (-16.0, -0.5),
    "mid": (-16.0, -0.5),
    "high": (-40.0, -6.0),
    "air": (-65.0, -14.0),
}
STYLE_BAND_RANGES_DB: dict[str, dict[str, tuple[float, float]]] = {
    "jazz": _GENERIC_RANGES_DB,
    "boom_bap": {**_GENERIC_RANGES_DB, "sub": (-36.0, -1.5), "high": (-42.0, -7.0)},  # sub-heavy by design
    "ambient": {**_GENERIC_RANGES_DB, "low": (-18.0, -0.5), "high": (-45.0, -8.0)},
    "study": _GENERIC_RANGES_DB,
    "rainy_day": {**_GENERIC_RANGES_DB, "high": (-42.0, -6.0)},
    "cafe": {**_GENERIC_RANGES_DB, "high": (-38.0, -5.0)},
    "japanese": {**_GENERIC_RANGES_DB, "high": (-38.0, -5.0), "air": (-65.0, -12.0)},
}


@dataclass
class QCReport:
    """What `check` measured and why it failed. `passed` is True only when `failures` is empty."""

    style: str
    sample_rate: int
    duration_s: float
    expected_duration_s: float
    duration_error_pct: float
    integrated_lufs: float
    target_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    true_peak_ceiling_db: float
    sample_peak_dbfs: float
    clipped_samples: int
    leading_silence_s: float
    trailing_silence_s: float
    longest_gap_s: float
    gaps_s: list[tuple[float, float]]
    phase_correlation: float
    min_window_correlation: float
    mono_loss_db: float
    band_energy_db: dict[str, float]
    band_ranges_db: dict[str, tuple[float, float]]
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        """JSON-safe: plain floats, ints, strings, lists and dicts; no NaN or infinity."""
        data = asdict(self)
        data["passed"] = self.passed
        data["gaps_s"] = [[start, end] for start, end in self.gaps_s]
        data["band_ranges_db"] = {band: [low, high] for band, (low, high) in self.band_ranges_db.items()}
        return json_safe(data, inf_as=1e9)  # -inf LUFS (silence) reads -1e9


def check(
    audio: np.ndarray,
    *,
    sample_rate: int,
    target_lufs: float,
    true_peak_ceiling_db: float,
    expected_duration_s: float,
    style: str,
) -> QCReport:
    """Measure a (2, n) master and judge it against the brief.

    Fails (with one human-readable reason each) on: any sample at or over 0 dBFS; more than 2 s of
    silence at the start or end, or a gap over 1 s inside; phase correlation under 0.2 or more than
    3 dB lost in mono; integrated loudness more than 0.5 LU from target; true peak above the ceiling;
    a frequency band outside the style's range; a duration more than 2 % off the brief.
    A style without its own ranges is judged against the generic LoFi ranges.
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    if audio.shape[0] == 1:
        audio = np.concatenate([audio, audio])
    n = audio.shape[1]
    failures: list[str] = []
    duration_s = n / sample_rate

    flat = np.ascontiguousarray(audio).reshape(-1)
    # NaN and infinity survive a dot product (one pass, no mask); only a non-finite result (or an
    # overflow from absurdly large samples) needs the exact look.
    finite = bool(np.isfinite(np.dot(flat, flat))) or bool(np.isfinite(audio).all())
    if not finite:
        failures.append("audio contains NaN or infinite samples")
        audio = np.nan_to_num(audio, nan=0.0, posinf=1.0, neginf=-1.0)

    true_peak, peak = true_and_sample_peak(audio, sample_rate=sample_rate)
    clipped = _count_at_or_over(audio, 1.0) if peak >= 1.0 else 0
    if clipped:
        failures.append(f"{clipped} samples at or over 0 dBFS (clipping)")

    integrated, lra = _loudness(audio, sample_rate)
    sample_peak = float(20 * np.log10(max(peak, 1e-10)))
    if abs(integrated - target_lufs) > LOUDNESS_TOLERANCE_LU:
        failures.append(
            f"integrated loudness {integrated:.1f} LUFS is off target {target_lufs:.1f} "
            f"by more than {LOUDNESS_TOLERANCE_LU} LU"
        )
    if true_peak > true_peak_ceiling_db:
        failures.append(f"true peak {true_peak:.1f} dBTP above ceiling {true_peak_ceiling_db:.1f}")

    leading_s, trailing_s, gaps = _silences(audio, sample_rate)
    if leading_s > MAX_EDGE_SILENCE_S:
        failures.append(f"{leading_s:.1f} s of silence at the start (max {MAX_EDGE_SILENCE_S:.0f} s)")
    if trailing_s > MAX_EDGE_SILENCE_S:
        failures.append(f"{trailing_s:.1f} s of silence at the end (max {MAX_EDGE_SILENCE_S:.0f} s)")
    for start, end in gaps:
        failures.append(f"{end - start:.1f} s gap of silence at {start:.1f} s (max {MAX_GAP_S:.0f} s)")

    correlation, min_window, mono_loss = _stereo(audio, sample_rate)
    if correlation < MIN_CORRELATION:
        failures.append(f"stereo phase correlation {correlation:.2f} below {MIN_CORRELATION} (channels out of phase)")
    if mono_loss > MAX_MONO_LOSS_DB:
        failures.append(f"{mono_loss:.1f} dB lost when summed to mono (max {MAX_MONO_LOSS_DB:.0f} dB)")

    ranges = STYLE_BAND_RANGES_DB.get(style, _GENERIC_RANGES_DB)
    bands = band_energy_db(audio, sample_rate=sample_rate)
    for band, value in bands.items():
        low, high = ranges[band]
        if not low <= value <= high:
            side = "below" if value < low else "above"
            failures.append(
                f"{band} band holds {value:.1f} dB of the energy, {side} the {style} range {low:.0f}..{high:.0f} dB"
            )

    error_pct = 100.0 * (duration_s - expected_duration_s) / expected_duration_s if expected_duration_s > 0 else 0.0
    if abs(error_pct) > 100 * DURATION_TOLERANCE:
        failures.append(
            f"duration {duration_s:.1f} s is {error_pct:+.1f} % off the brief's "
            f"{expected_duration_s:.1f} s (max ±{100 * DURATION_TOLERANCE:.0f} %)"
        )

    return QCReport(
        style=style,
        sample_rate=sample_rate,
        duration_s=duration_s,
        expected_duration_s=expected_duration_s,
        duration_error_pct=error_pct,
        integrated_lufs=integrated,
        target_lufs=target_lufs,
        loudness_range_lu=lra,
        true_peak_dbtp=true_peak,
        true_peak_ceiling_db=true_peak_ceiling_db,
        sample_peak_dbfs=sample_peak,
        clipped_samples=clipped,
        leading_silence_s=leading_s,
        trailing_silence_s=trailing_s,
        longest_gap_s=max((end - start for start, end in gaps), default=0.0),
        gaps_s=gaps,
        phase_correlation=correlation,
        min_window_correlation=min_window,
        mono_loss_db=mono_loss,
        band_energy_db=bands,
        band_ranges_db=dict(ranges),
        failures=failures,
    )


# --- measurements ---------------------------------------------------------------------------------


def _loudness(audio: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(integrated LUFS, loudness range LU) per BS.1770-4 and EBU Tech 3342, computed as libebur128 does.

    Same blocks and gates as libebur128: 400 ms blocks every 100 ms, a -70 LUFS absolute and a -10 LU
    relative gate; the range from 3 s short-term blocks every 1 s, gated at -70 LUFS and -20 LU, 10th to
    95th percentile. Only the K-weighting runs here instead of in libebur128, through scipy's SOS kernel
    block by block: libebur128 filters sample by sample in double precision at a sixth of the speed.
    The tests hold both figures to libebur128's (loudness.measure) within 0.01 LU.
    """
    step = (sample_rate + 5) // 10  # libebur128's samples per 100 ms
    power = _k_weighted_step_power(audio, sample_rate, step)  # K-weighted energy per 100 ms, channels summed
    absolute_gate = 10 ** ((_ABSOLUTE_GATE_LUFS + 0.691) / 10)
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    integrated = _ABSOLUTE_GATE_LUFS
    if power.size >= 4:
        blocks = (cumulative[4:] - cumulative[:-4]) / (4 * step)
        blocks = blocks[blocks >= absolute_gate]
        if blocks.size:
            gated = blocks[blocks >= 0.1 * blocks.mean()]
            integrated = max(-0.691 + 10 * float(np.log10(gated.mean())), _ABSOLUTE_GATE_LUFS)
    lra = 0.0
    if power.size >= 30:
        ends = np.arange(30, power.size + 1, 10)
        short_term = (cumulative[ends] - cumulative[ends - 30]) / (30 * step)
        short_term = np.sort(short_term[short_term >= absolute_gate])
        if short_term.size:
            kept = short_term[short_term >= 0.01 * short_term.mean()]
            if kept.size:
                high = kept[int((kept.size - 1) * 0.95 + 0.5)]
                low = kept[int((kept.size - 1) * 0.1 + 0.5)]
                lra = 10 * float(np.log10(high / low))
    return float(integrated), lra


def _k_weighted_step_power(audio: np.ndarray, sample_rate: int, step: int) -> np.ndarray:
    """Sum over channels of the K-weighted squares in each whole `step` of samples (float64)."""
    channels, n = audio.shape
    steps = n // step
    out = np.zeros(steps, dtype=np.float64)
    stream = SosStream(k_weighting_sos(sample_rate), channels)
    per_block = max(_BLOCK // step, 1)
    scratch = np.empty((channels, per_block * step), dtype=np.float32)
    for first in range(0, steps, per_block):
        count = min(per_block, steps - first)
        block = scratch if count == per_block else np.empty((channels, count * step), dtype=np.float32)
        block[...] = audio[:, first * step : (first + count) * step]
        framed = stream.process(block).reshape(channels, count, step)
        out[first : first + count] = np.einsum("chs,chs->h", framed, framed)  # float32 sums: error ~1e-7
    return out


def _count_at_or_over(audio: np.ndarray, level: float) -> int:
    """How many samples have |x| >= level, block by block."""
    return sum(
        int(np.count_nonzero(np.abs(audio[:, start : start + _BLOCK]) >= level))
        for start in range(0, audio.shape[1], _BLOCK)
    )


def _silences(audio: np.ndarray, sample_rate: int) -> tuple[float, float, list[tuple[float, float]]]:
    """(leading s, trailing s, inner gaps longer than MAX_GAP_S as (start s, end s))."""
    frame = max(int(SILENCE_FRAME_S * sample_rate), 1)
    frames = audio.shape[1] // frame
    if frames == 0:
        return 0.0, 0.0, []
    framed = audio[:, : frames * frame].reshape(2, frames, frame)
    power = np.einsum("cfk,cfk->cf", framed, framed) / frame  # mean square per frame, no temporary
    silent = 10 * np.log10(np.maximum(power.max(axis=0), 1e-20)) < SILENCE_DBFS
    frame_s = frame / sample_rate
    if silent.all():
        total = frames * frame_s
        return total, total, []
    sound = np.flatnonzero(~silent)
    leading = sound[0] * frame_s
    trailing = (frames - 1 - sound[-1]) * frame_s
    inner = silent[sound[0] : sound[-1] + 1].astype(np.int8)
    edges = np.diff(np.concatenate([[0], inner, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    gaps = [
        ((sound[0] + s) * frame_s, (sound[0] + e) * frame_s)
        for s, e in zip(starts, ends, strict=True)
        if (e - s) * frame_s > MAX_GAP_S
    ]
    return float(leading), float(trailing), [(float(s), float(e)) for s, e in gaps]


def _stereo(audio: np.ndarray, sample_rate: int) -> tuple[float, float, float]:
    """(overall phase correlation, worst 1 s window correlation, dB lost summing to mono)."""
    left, right = np.ascontiguousarray(audio[0]), np.ascontiguousarray(audio[1])
    ll, rr, lr = float(np.dot(left, left)), float(np.dot(right, right)), float(np.dot(left, right))
    if ll <= 0 or rr <= 0:
        return 1.0, 1.0, 0.0  # one silent channel cannot cancel the other
    correlation = lr / np.sqrt(ll * rr)
    mono_energy = (ll + rr + 2 * lr) / 4
    stereo_energy = (ll + rr) / 2
    mono_loss = 10 * np.log10(stereo_energy / mono_energy) if mono_energy > 0 else 120.0
    window = int(sample_rate)
    count = audio.shape[1] // window
    min_window = correlation
    if count:
        shaped_l = left[: count * window].reshape(count, window)
        shaped_r = right[: count * window].reshape(count, window)
        wl, wr = np.einsum("ij,ij->i", shaped_l, shaped_l), np.einsum("ij,ij->i", shaped_r, shaped_r)
        wlr = np.einsum("ij,ij->i", shaped_l, shaped_r)
        loud = (wl > 1e-6 * window) & (wr > 1e-6 * window)  # ignore windows that are near silence
        if loud.any():
            min_window = float(np.min(wlr[loud] / np.sqrt(wl[loud] * wr[loud])))
    return float(correlation), float(min_window), float(min(mono_loss, 120.0))


def band_energy_db(
    audio: np.ndarray, *, sample_rate: int, frame: int = 8192, max_frames: int = 160
) -> dict[str, float]:
    """Share of the total energy in each of BANDS_HZ, in dB (0 dB = all of it).

    Averaged over up to `max_frames` Hann-windowed frames spread evenly over the track: a long master
    costs the same as a short one.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.shape[1] < frame:
        audio = np.pad(audio, ((0, 0), (0, frame - audio.shape[1])))
    count = min(max_frames, audio.shape[1] // frame)
    starts = np.linspace(0, audio.shape[1] - frame, count).astype(np.int64)
    index = starts[:, None] + np.arange(frame)[None, :]  # only the frames are read: no full-length mono sum
    frames = np.take(audio[0], index)
    frames += np.take(audio[1], index)
    frames *= (0.5 * np.hanning(frame)).astype(np.float32)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(frame, 1 / sample_rate)
    total = float(power[(freqs >= 20.0) & (freqs < 20000.0)].sum())
    result = {}
    for band, (low, high) in BANDS_HZ.items():
        energy = float(power[(freqs >= low) & (freqs < high)].sum())
        result[band] = float(10 * np.log10(max(energy, 1e-30) / total)) if total > 0 else -120.0
    return {band: max(value, -120.0) for band, value in result.items()}
