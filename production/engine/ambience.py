"""Procedural ambience beds (rain, cafe murmur, nature, vinyl surface) and the vinyl noise generator.

Everything is generated from `numpy.random.default_rng(seed)`: the same seed gives the same bed, bit for
bit. No recordings are shipped or downloaded; every bed is noise shaped by filters and envelopes, plus
short synthesised events (rain drops, cup clinks, bird chirps, record pops). Events are placed with
vectorised index arithmetic; loops run over a few event *kinds* or over short events, never over samples.

Beds come back at a nominal level (about -24 dBFS RMS); the effects chain sets the level in the mix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal

from production.engine.dsp import butter_sos, db_to_gain, mean_square, sosfilt_blocks, upsample_linear

KINDS = ("none", "rain", "cafe", "nature", "vinyl")
BED_RMS_DBFS = -24.0  # nominal level of every bed; fx.process scales it against the music


def bed(kind: str, *, n_samples: int, sample_rate: int, seed: int) -> np.ndarray:
    """A stereo ambience bed of `kind` (one of KINDS), shape (2, n_samples), float32.

    Guarantees: deterministic from `seed`; RMS about BED_RMS_DBFS (silence for "none"); the two channels
    are decorrelated so the bed sits around the music rather than on top of it.
    """
    out = np.zeros((2, max(n_samples, 0)), dtype=np.float32)
    return add_bed(out, kind, sample_rate=sample_rate, seed=seed, rms=db_to_gain(BED_RMS_DBFS))


def add_bed(target: np.ndarray, kind: str, *, sample_rate: int, seed: int, rms: float) -> np.ndarray:
    """Add the bed that `bed` makes, at the given RMS, straight into `target` (2, n); returns target.

    The bed is built from parts made at reduced rates, short events and clicks; its level is set from
    their energies before anything is added, so no full-length copy of the bed is ever made.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown ambience {kind!r}; use one of {', '.join(KINDS)}")
    n = target.shape[1]
    if kind == "none" or n == 0:
        return target
    rng = np.random.default_rng(seed)
    maker = {"rain": _rain, "cafe": _cafe, "nature": _nature, "vinyl": _vinyl_bed}[kind]
    layers = maker(rng, n, sample_rate)
    layers.add_into(target, rms=rms)
    return target


def vinyl_noise(
    n_samples: int,
    *,
    sample_rate: int,
    seed: int,
    crackle_per_s: float = 12.0,
    pops_per_s: float = 0.25,
    surface_db: float = -12.0,
) -> np.ndarray:
    """Record-surface noise: fine crackle, occasional pops and a soft band-limited hiss. (2, n) float32.

    The crackle clicks peak near 1.0 (pops a little higher); `surface_db` is the hiss level relative to
    the clicks. Deterministic from `seed`.
    """
    out = np.zeros((2, max(n_samples, 0)), dtype=np.float32)
    if n_samples:
        _vinyl_layers(
            np.random.default_rng(seed),
            n_samples,
            sample_rate,
            crackle_per_s=crackle_per_s,
            pops_per_s=pops_per_s,
            surface_db=surface_db,
        ).add_into(out, gain=1.0)
    return out


def add_vinyl_noise(
    target: np.ndarray,
    *,
    sample_rate: int,
    seed: int,
    rms: float,
    crackle_per_s: float = 12.0,
    pops_per_s: float = 0.25,
) -> np.ndarray:
    """Add `vinyl_noise` (same seed, same noise) at the given RMS straight into `target`; returns it."""
    if target.shape[1]:
        _vinyl_layers(
            np.random.default_rng(seed),
            target.shape[1],
            sample_rate,
            crackle_per_s=crackle_per_s,
            pops_per_s=pops_per_s,
            surface_db=-12.0,
        ).add_into(target, rms=rms)
    return target


class _Layers:
    """The parts of a bed: reduced-rate signals, click events and short sounds, each added into a
    full-rate target with one gain. Their energies are known up front (exactly for the interpolated
    signals, and up to the rare overlaps for events), so a bed can be set to an RMS before it exists."""

    def __init__(self, n_samples: int) -> None:
        self.n = n_samples
        self._energy = 0.0
        self._adders: list[Callable[[np.ndarray, float], None]] = []

    def low_rate(self, audio: np.ndarray, hop: int) -> None:
        """A (2, m) signal at sample_rate / hop, interpolated up when added."""
        self._energy += _interpolated_energy(audio, hop, self.n)

        def add(target: np.ndarray, gain: float) -> None:
            np.multiply(audio, np.float32(gain), out=audio)  # the layer is ours: scale it where it is
            upsample_linear(audio, hop=hop, n_samples=self.n, add_to=target)

        self._adders.append(add)

    def events(self, events: _Events) -> None:
        self._energy += events.energy()
        self._adders.append(events.add_into)

    def sound(self, start: int, audio: np.ndarray) -> None:
        """A short (2, k) full-rate sound starting at sample `start`."""
        audio = audio[:, : max(self.n - start, 0)]
        self._energy += float(np.sum(np.square(audio, dtype=np.float64)))

        def add(target: np.ndarray, gain: float) -> None:
            target[:, start : start + audio.shape[1]] += audio * np.float32(gain)

        self._adders.append(add)

    def add_into(self, target: np.ndarray, *, rms: float | None = None, gain: float | None = None) -> None:
        if gain is None:
            mean_square = self._energy / (2 * self.n)
            gain = rms / np.sqrt(mean_square) if mean_square > 0 else 0.0
        for add in self._adders:
            add(target, gain)


def _interpolated_energy(audio: np.ndarray, hop: int, n: int) -> float:
    """Sum of squares of upsample_linear(audio, hop, n), from dot products at the low rate."""
    t = np.arange(hop) / hop
    s0, s1, s2 = np.sum((1 - t) ** 2), np.sum(t * (1 - t)), np.sum(t * t)
    segments = n // hop  # whole segments; the partial last one is left out (at most hop samples)
    total = 0.0
    for channel in audio:
        a, b = channel[:segments], channel[1 : segments + 1]
        total += s0 * float(np.dot(a, a)) + 2 * s1 * float(np.dot(a, b)) + s2 * float(np.dot(b, b))
    return total


# --- the beds -------------------------------------------------------------------------------------


def _rain(rng: np.random.Generator, n: int, sr: int) -> _Layers:
    # A steady wash (hiss of many distant drops), a low roof rumble, gusts, and near drops ticking.
    # Rain has little above 10 kHz, so the whole bed is made at half rate and upsampled once. The near
    # drops are impulses fed through the wash's own band-pass: each comes out as a short tick.
    rate, m = sr / 2, _reduced_length(n, 2)
    noise = _uniform_noise(rng, 2, m)
    drops = _plan_events(
        rng,
        n=m,
        rate_per_s=45.0,
        duration_s=m / rate,
        kernel=np.ones(1, dtype=np.float32),
        amplitude=lambda k: np.minimum(rng.exponential(1.0, k), 3.0),
        spread=0.9,
    )
    drops.add_into(noise, 3.0)  # a near drop stands a little out of the wash, it does not crack
    wash = _band_filter(noise, rate, low_hz=250.0, high_hz=8000.0)
    rumble = _band_noise(rng, _reduced_length(m, 8), rate / 8, low_hz=60.0, high_hz=400.0)
    audio = _to_rms(wash, -26.0)
    audio *= _slow_envelope(rng, m, rate, period_s=4.0, low=0.6, high=1.0)  # gusts
    upsample_linear(_to_rms(rumble, -32.0), hop=8, n_samples=m, add_to=audio)
    layers = _Layers(n)
    layers.low_rate(audio, 2)
    return layers


def _cafe(rng: np.random.Generator, n: int, sr: int) -> _Layers:
    # Murmur: a few "tables" of speech-band noise, each gated at syllable and phrase rate, placed across
    # the room; heard through the room, so dull. Plus room tone and the odd cup or spoon clink.
    # The murmur lives below 4 kHz: it is made at a quarter rate; the clinks are added at full rate.
    rate, m = sr / 4, _reduced_length(n, 4)
    audio = np.zeros((2, m), dtype=np.float32)
    for centre_hz, position, level in ((350.0, -0.6, 1.0), (600.0, 0.4, 0.8), (950.0, -0.1, 0.6)):
        voice = _band_noise(rng, m, rate, low_hz=centre_hz * 0.6, high_hz=centre_hz * 1.8, channels=1)[0]
        # Syllables come and go (squared: real gaps between them), phrases start and stop.
        syllables = _slow_envelope(rng, m, rate, period_s=0.2, low=0.0, high=1.0) ** 2
        phrases = _slow_envelope(rng, m, rate, period_s=2.0, low=0.0, high=1.0) ** 2
        voice *= syllables * phrases * np.float32(level)
        left, right = _pan_gains(position)
        audio[0] += voice * left
        audio[1] += voice * right
    audio = sosfilt_blocks(butter_sos(2, 2500.0, "lowpass", rate), audio, out=audio)
    audio = _to_rms(audio, -27.0)
    audio += _to_rms(_band_noise(rng, m, rate, low_hz=80.0, high_hz=1200.0), -36.0)  # room tone
    layers = _Layers(n)
    layers.low_rate(audio, 4)
    duration_s = n / sr
    for start in np.sort(rng.uniform(0.0, duration_s, rng.poisson(0.15 * duration_s))):
        layers.sound(int(start * sr), _clink(rng, sr=sr))
    return layers


def _nature(rng: np.random.Generator, n: int, sr: int) -> _Layers:
    # Wind in leaves (modulated band noise), rustling leaves, and birds chirping now and then.
    rate, m = sr / 2, _reduced_length(n, 2)
    wind = _band_noise(rng, m, rate, low_hz=150.0, high_hz=1500.0)
    wind *= _slow_envelope(rng, m, rate, period_s=6.0, low=0.3, high=1.0)
    leaves = _band_noise(rng, m, rate, low_hz=2000.0, high_hz=7000.0)
    leaves *= _slow_envelope(rng, m, rate, period_s=1.5, low=0.2, high=1.0)
    audio = _to_rms(wind, -27.0)
    audio += _to_rms(leaves, -40.0)
    duration_s = m / rate
    for start in np.sort(rng.uniform(0.0, duration_s, rng.poisson(0.5 * duration_s))):
        _add_bird_call(audio, rng, start_s=float(start), sr=rate)
    layers = _Layers(n)
    layers.low_rate(audio, 2)
    return layers


def _vinyl_bed(rng: np.random.Generator, n: int, sr: int) -> _Layers:
    seed = int(rng.integers(2**31))
    return _vinyl_layers(np.random.default_rng(seed), n, sr, crackle_per_s=30.0, pops_per_s=0.6, surface_db=-6.0)


def _vinyl_layers(
    rng: np.random.Generator, n: int, sr: int, *, crackle_per_s: float, pops_per_s: float, surface_db: float
) -> _Layers:
    layers = _Layers(n)
    duration_s = n / sr
    # Crackle: many tiny, bright clicks (a few samples long), each a little off-centre in the stereo field.
    crackle = _click_kernel(sr, highpass_hz=2500.0, length_s=0.0015)
    layers.events(
        _plan_events(
            rng,
            n=n,
            rate_per_s=crackle_per_s,
            duration_s=duration_s,
            kernel=crackle,
            amplitude=lambda k: rng.lognormal(-1.2, 0.6, k),
            spread=0.5,
        )
    )
    # Pops: rare, louder and duller (a dust grain thumping the stylus).
    pop = _click_kernel(sr, highpass_hz=300.0, lowpass_hz=3000.0, length_s=0.008)
    layers.events(
        _plan_events(
            rng,
            n=n,
            rate_per_s=pops_per_s,
            duration_s=duration_s,
            kernel=pop,
            amplitude=lambda k: rng.uniform(0.8, 1.6, k),
            spread=0.2,
        )
    )
    # Surface hiss, band-limited like a worn groove: made at a quarter rate, it only needs the low band.
    hiss = _band_noise(rng, _reduced_length(n, 4), sr / 4, low_hz=400.0, high_hz=4500.0)
    layers.low_rate(_to_rms(hiss, surface_db - 20.0), 4)
    return layers


# --- events ---------------------------------------------------------------------------------------


def _clink(rng: np.random.Generator, *, sr: float) -> np.ndarray:
    """A cup or spoon: a few inharmonic partials with a fast decay. (2, k) float32."""
    length = int(0.35 * sr)
    t = np.arange(length, dtype=np.float32) / sr
    base_hz = rng.uniform(1800.0, 3200.0)
    tone = np.zeros(length, dtype=np.float32)
    for ratio, gain, decay_s in ((1.0, 1.0, 0.08), (2.76, 0.5, 0.05), (5.4, 0.25, 0.03)):
        if base_hz * ratio > 0.45 * sr:  # a partial above the band would alias
            continue
        tone += gain * np.exp(-t / decay_s) * np.sin(2 * np.pi * base_hz * ratio * t)
    level = db_to_gain(rng.uniform(-38.0, -30.0))
    left, right = _pan_gains(rng.uniform(-0.8, 0.8))
    return np.stack([tone * np.float32(level * left), tone * np.float32(level * right)])


def _add_bird_call(audio: np.ndarray, rng: np.random.Generator, *, start_s: float, sr: float) -> None:
    """A call of a few chirps: short sine sweeps with a raised-cosine envelope."""
    notes = int(rng.integers(2, 6))
    chirp_s = rng.uniform(0.05, 0.12)
    gap_s = rng.uniform(0.03, 0.1)
    f_start, f_end = rng.uniform(2500.0, 4500.0), rng.uniform(3000.0, 6500.0)
    level = db_to_gain(rng.uniform(-26.0, -18.0))
    gains = _pan_gains(rng.uniform(-0.9, 0.9))
    length = int(chirp_s * sr)
    t = np.arange(length, dtype=np.float32) / sr
    sweep_hz = f_start + (f_end - f_start) * t / chirp_s
    chirp = np.sin(2 * np.pi * np.cumsum(sweep_hz) / sr) * np.sin(np.pi * t / chirp_s) ** 2
    chirp = chirp.astype(np.float32) * level
    for note in range(notes):
        start = int((start_s + note * (chirp_s + gap_s)) * sr)
        end = min(start + length, audio.shape[1])
        if end <= start:
            return
        audio[0, start:end] += gains[0] * chirp[: end - start]
        audio[1, start:end] += gains[1] * chirp[: end - start]


class _Events:
    """Copies of one short kernel at given starts with per-channel weights (2, count)."""

    def __init__(self, starts: np.ndarray, weights: np.ndarray, kernel: np.ndarray) -> None:
        self.starts, self.weights, self.kernel = starts, weights, kernel

    def energy(self) -> float:
        """Sum of squares over both channels (exact unless events overlap, which is rare)."""
        return float(np.sum(self.weights**2) * np.sum(self.kernel.astype(np.float64) ** 2))

    def add_into(self, target: np.ndarray, gain: float) -> None:
        """Add the events times `gain` into `target` (2, n), in place, vectorised."""
        n = target.shape[1]
        if self.starts.size == 0:
            return
        starts = np.minimum(self.starts, max(n - self.kernel.size, 0))  # never run past the end
        if starts.size < 256:  # few events: np.add.at over their samples is cheapest
            idx = (starts[:, None] + np.arange(self.kernel.size)[None, :]).ravel()
            for channel in (0, 1):
                values = ((self.weights[channel] * gain)[:, None] * self.kernel[None, :]).ravel()
                np.add.at(target[channel], idx, values.astype(np.float32))
            return
        # Many events: merge those that start on the same sample, so within one kernel tap no index
        # repeats and a plain fancy-index add is exact; one small vectorised add per tap.
        starts, merged = np.unique(starts, return_inverse=True)
        for channel in (0, 1):
            weights = np.bincount(merged, weights=self.weights[channel] * gain, minlength=starts.size)
            row = target[channel]
            for tap, value in enumerate(self.kernel):
                row[starts + tap] += (weights * value).astype(np.float32)


def _plan_events(
    rng: np.random.Generator,
    *,
    n: int,
    rate_per_s: float,
    duration_s: float,
    kernel: np.ndarray,
    amplitude,
    spread: float,
) -> _Events:
    """Poisson-distributed events over n samples: `amplitude(k)` draws k amplitudes, random polarity,
    panned up to `spread` (0..1) from the centre."""
    count = int(rng.poisson(max(rate_per_s, 0.0) * duration_s)) if n else 0
    starts = rng.integers(0, max(n, 1), count)
    amps = amplitude(count) * rng.choice(np.array([-1.0, 1.0]), count)
    left, right = _pan_gains(rng.uniform(-spread, spread, count))
    return _Events(starts, np.stack([amps * left, amps * right]) * np.sqrt(2), kernel)


def _pan_gains(position):
    """Constant-power gains (left, right) for position -1 (left) .. 1 (right); 1/sqrt(2) each at centre."""
    angle = (np.asarray(position) + 1) * np.pi / 4
    return np.cos(angle), np.sin(angle)


def _click_kernel(sr: float, *, highpass_hz: float, length_s: float, lowpass_hz: float | None = None) -> np.ndarray:
    """Impulse response of the filter that shapes one click, normalised to a peak of 1."""
    length = max(int(length_s * sr), 4)
    impulse = np.zeros(length)
    impulse[0] = 1.0
    if lowpass_hz is None:
        sos = signal.butter(2, min(highpass_hz, 0.45 * sr), "highpass", fs=sr, output="sos")
    else:
        sos = signal.butter(2, [highpass_hz, min(lowpass_hz, 0.45 * sr)], "bandpass", fs=sr, output="sos")
    kernel = signal.sosfilt(sos, impulse)
    kernel *= np.hanning(2 * length)[length:]  # fade the tail so truncation does not click
    kernel /= np.max(np.abs(kernel))
    audible = np.flatnonzero(np.abs(kernel) > 1e-3)  # drop the inaudible tail: fewer taps to place
    return kernel[: audible[-1] + 1].astype(np.float32)


# --- noise and envelopes --------------------------------------------------------------------------


def _uniform_noise(rng: np.random.Generator, channels: int, n: int) -> np.ndarray:
    """Zero-mean uniform noise (cheaper to draw than Gaussian; band-passed it sounds the same)."""
    noise = rng.random((channels, n), dtype=np.float32)
    noise -= np.float32(0.5)
    return noise


def _band_filter(audio: np.ndarray, rate: float, *, low_hz: float, high_hz: float) -> np.ndarray:
    """Band-pass `audio` in place (2nd-order Butterworth)."""
    sos = butter_sos(2, (float(low_hz), float(min(high_hz, 0.45 * rate))), "bandpass", rate)
    return sosfilt_blocks(sos, audio, out=audio)


def _band_noise(
    rng: np.random.Generator, n: int, rate: float, *, low_hz: float, high_hz: float, channels: int = 2
) -> np.ndarray:
    """Band-limited noise (channels, n) at `rate`."""
    return _band_filter(_uniform_noise(rng, channels, n), rate, low_hz=low_hz, high_hz=high_hz)


def _reduced_length(n: int, hop: int) -> int:
    """Samples needed at rate sr/hop to upsample back to n samples (one extra for interpolation)."""
    return -(-n // hop) + 1


def _slow_envelope(
    rng: np.random.Generator, n: int, sr: float, *, period_s: float, low: float, high: float
) -> np.ndarray:
    """A smooth random envelope between `low` and `high`, changing about every `period_s`. (n,) float32.

    Random points joined by straight lines: at these periods the corners are inaudible.
    """
    hop = max(int(period_s * sr), 1)
    points = rng.uniform(low, high, -(-n // hop) + 1).astype(np.float32)
    return upsample_linear(points, hop=hop, n_samples=n)


def _to_rms(audio: np.ndarray, rms_dbfs: float) -> np.ndarray:
    """Scale `audio` (a float32 buffer of our own) in place to the given RMS."""
    rms = np.sqrt(mean_square(audio))
    if rms > 1e-12:
        audio *= np.float32(db_to_gain(rms_dbfs) / rms)
    return audio
