"""Synthetic test material with a known truth: drum loops at a known tempo, chord progressions in a known
key, sines at a known level, and small "LoFi-like" tracks that combine them.

Used by the tests and the benchmarks of the analysis, fingerprint and mix engines. Everything is
deterministic for a given seed. The drum kit is the same for every seed on purpose: two tracks made with
different seeds share drum sounds and tempo but not their music, the hardest case for duplicate detection.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import signal

from production.engine.brief import Key
from production.engine.dsp import db_to_gain

# Scale degrees (semitones above the tonic) of the chords in each progression; the bass plays the first.
_MAJOR_PROGRESSIONS = (
    ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)),  # I  vi  IV V
    ((0, 4, 7, 11), (5, 9, 12, 16), (7, 11, 14, 17), (0, 4, 7)),  # Imaj7 IVmaj7 V7 I
    ((2, 5, 9, 12), (7, 11, 14, 17), (0, 4, 7, 11), (0, 4, 7)),  # ii7 V7 Imaj7 I
    ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)),  # I  V  vi IV
)
_MINOR_PROGRESSIONS = (
    ((0, 3, 7), (8, 12, 15), (3, 7, 10), (7, 11, 14)),  # i  VI III V (harmonic-minor dominant)
    ((0, 3, 7, 10), (5, 8, 12), (7, 11, 14), (0, 3, 7)),  # i7 iv V i
    ((0, 3, 7), (10, 14, 17), (8, 12, 15), (7, 11, 14)),  # i  VII VI V
    ((0, 3, 7, 10), (8, 12, 15, 19), (5, 8, 12, 15), (7, 11, 14)),  # i7 VImaj7 iv7 V
)


@dataclass(frozen=True)
class TestTrack:
    """A synthetic track and the truth it was made from."""

    audio: np.ndarray  # (2, n) float32
    sample_rate: int
    bpm: float
    key: Key


def sine(
    freq_hz: float, *, level_dbfs: float, duration_s: float, sample_rate: int = 44100, channels: int = 2
) -> np.ndarray:
    """A sine whose peak sits at `level_dbfs` in every channel, shape (channels, n) float32."""
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    tone = db_to_gain(level_dbfs) * np.sin(2.0 * np.pi * freq_hz * t)
    return np.tile(tone.astype(np.float32), (channels, 1))


def add_noise(audio: np.ndarray, *, snr_db: float, seed: int) -> np.ndarray:
    """`audio` plus white noise whose power sits `snr_db` below the signal's mean power."""
    rng = np.random.default_rng(seed)
    power = float(np.mean(np.square(audio, dtype=np.float64)))
    noise = rng.standard_normal(audio.shape) * np.sqrt(power / 10.0 ** (snr_db / 10.0))
    return (audio + noise).astype(np.float32)


def drum_loop(
    *,
    bpm: float,
    duration_s: float,
    sample_rate: int = 44100,
    seed: int = 0,
    swing: float = 0.0,
    hats: bool = True,
    hat_gain: float = 1.0,
) -> np.ndarray:
    """A drum loop (kick on beats 1 and 3, snare on 2 and 4, eighth-note hats), shape (2, n) float32.

    `swing` (0-0.5) delays every off-beat eighth by that fraction of an eighth note. The seed varies the
    velocities and adds the odd ghost kick, never the tempo. `hat_gain` scales the hi-hats.
    """
    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate)
    out = np.zeros(n, dtype=np.float64)
    kit = _drum_kit(sample_rate)
    beat_s = 60.0 / bpm
    n_beats = int(np.ceil(duration_s / beat_s)) + 1
    for beat in range(n_beats):
        t0 = beat * beat_s
        if beat % 2 == 0:
            _place(out, kit["kick"], t0, sample_rate, 0.9 + 0.1 * rng.random())
        else:
            _place(out, kit["snare"], t0, sample_rate, 0.7 + 0.1 * rng.random())
        if beat % 4 == 3 and rng.random() < 0.5:  # ghost kick on the "and" of 4
            _place(out, kit["kick"], t0 + beat_s * (0.5 + swing / 2), sample_rate, 0.5)
        if hats:
            _place(out, kit["hat"], t0, sample_rate, hat_gain * (0.35 + 0.05 * rng.random()))
            _place(
                out, kit["hat"], t0 + beat_s * (0.5 + swing / 2), sample_rate, hat_gain * (0.2 + 0.05 * rng.random())
            )
    return _stereo(out, width=0.0)


def chord_progression(
    *,
    key: Key,
    bpm: float,
    duration_s: float,
    sample_rate: int = 44100,
    seed: int = 0,
    beats_per_chord: int = 4,
    end_on_tonic: bool = True,
) -> np.ndarray:
    """A looping four-chord progression in `key` (keys plus a bass on the chord root), (2, n) float32.

    Which of four typical progressions is used depends on the seed; all of them start on the tonic. With
    `end_on_tonic` the last chord length of the track is a held tonic chord, the cadence songs end on.
    """
    rng = np.random.default_rng(seed)
    progressions = _MAJOR_PROGRESSIONS if key.mode == "major" else _MINOR_PROGRESSIONS
    progression = progressions[int(rng.integers(len(progressions)))]
    n = round(duration_s * sample_rate)
    keys = np.zeros(n)
    bass = np.zeros(n)
    chord_s = beats_per_chord * 60.0 / bpm
    tonic_midi = 48 + key.pitch_class  # C3..B3
    tonic_chord = (0, 4, 7) if key.mode == "major" else (0, 3, 7)
    loop_end_s = duration_s - chord_s if end_on_tonic and duration_s > 2 * chord_s else duration_s
    starts = [index * chord_s for index in range(int(np.ceil(loop_end_s / chord_s)))]
    chords = [progression[index % len(progression)] for index in range(len(starts))]
    if loop_end_s < duration_s:
        starts.append(loop_end_s)
        chords.append(tonic_chord)
    ends = [*starts[1:], duration_s]
    for t0, t1, degrees in zip(starts, ends, chords, strict=True):  # one iteration per chord
        length_s = max(min(t1, t0 + chord_s) - t0, 0.05)
        for degree in degrees:
            _place(
                keys,
                _tone(_midi_hz(tonic_midi + degree), length_s * 0.95, sample_rate, brightness=0.5),
                t0,
                sample_rate,
                0.18,
            )
        root = tonic_midi - 12 + degrees[0] % 12
        for beat in range(int(np.ceil(length_s * bpm / 60.0))):
            note = _tone(_midi_hz(root), 60.0 / bpm * 0.9, sample_rate, brightness=0.2)
            _place(bass, note, t0 + beat * 60.0 / bpm, sample_rate, 0.35)
    return _stereo(keys + bass, width=0.15)


def melody(*, key: Key, bpm: float, duration_s: float, sample_rate: int = 44100, seed: int = 0) -> np.ndarray:
    """A random eighth-note melody on the scale of `key` (with rests), (2, n) float32. Differs per seed."""
    rng = np.random.default_rng(seed + 1000)
    scale = (0, 2, 4, 5, 7, 9, 11) if key.mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    n = round(duration_s * sample_rate)
    out = np.zeros(n)
    step_s = 30.0 / bpm
    base = 60 + key.pitch_class
    for step in range(int(duration_s / step_s)):
        if rng.random() < 0.4:
            continue
        degree = scale[int(rng.integers(len(scale)))] + 12 * int(rng.integers(0, 2))
        _place(
            out,
            _tone(_midi_hz(base + degree), step_s * 1.5, sample_rate, brightness=0.7),
            step * step_s,
            sample_rate,
            0.12,
        )
    return _stereo(out, width=0.3)


def lofi_track(*, bpm: float, key: Key | str, duration_s: float, sample_rate: int = 44100, seed: int = 0) -> TestTrack:
    """Drums, chords, bass and a melody at a known tempo and key, peak-normalised to -1 dBFS."""
    key = Key.parse(key) if isinstance(key, str) else key
    swing = 0.1 * (seed % 3)
    mix = (
        drum_loop(bpm=bpm, duration_s=duration_s, sample_rate=sample_rate, seed=seed, swing=swing)
        + chord_progression(key=key, bpm=bpm, duration_s=duration_s, sample_rate=sample_rate, seed=seed)
        + melody(key=key, bpm=bpm, duration_s=duration_s, sample_rate=sample_rate, seed=seed)
    )
    mix *= db_to_gain(-1.0) / max(float(np.max(np.abs(mix))), 1e-9)
    return TestTrack(audio=mix.astype(np.float32), sample_rate=sample_rate, bpm=bpm, key=key)


def _drum_kit(sample_rate: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(12345)  # fixed: the same kit for every seed
    t = np.arange(int(0.4 * sample_rate)) / sample_rate
    sweep_hz = 45.0 + 90.0 * np.exp(-t / 0.03)
    kick = np.sin(2 * np.pi * np.cumsum(sweep_hz) / sample_rate) * np.exp(-t / 0.12)
    kick[: int(0.002 * sample_rate)] += 0.5  # beater click
    ts = t[: int(0.25 * sample_rate)]
    sos_snare = signal.butter(2, [900, 6000], btype="bandpass", fs=sample_rate, output="sos")
    snare = signal.sosfilt(sos_snare, rng.standard_normal(ts.size)) * np.exp(-ts / 0.06) + 0.5 * np.sin(
        2 * np.pi * 185 * ts
    ) * np.exp(-ts / 0.05)
    th = t[: int(0.08 * sample_rate)]
    sos_hat = signal.butter(4, min(7000, sample_rate * 0.4), btype="highpass", fs=sample_rate, output="sos")
    hat = signal.sosfilt(sos_hat, rng.standard_normal(th.size)) * np.exp(-th / 0.015)
    return {"kick": kick, "snare": snare / np.max(np.abs(snare)), "hat": hat / np.max(np.abs(hat))}


@functools.lru_cache(maxsize=128)
def _tone(freq_hz: float, duration_s: float, sample_rate: int, *, brightness: float) -> np.ndarray:
    """A soft electric-piano-like tone: a few decaying harmonics with a short attack. Cached (loops repeat
    the same notes), so the returned array is read-only."""
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    harmonics = np.arange(1, 7)
    amps = brightness ** (harmonics - 1) / harmonics
    amps[freq_hz * harmonics > sample_rate * 0.45] = 0.0
    phases = 2 * np.pi * freq_hz * np.outer(harmonics, t)
    tone = amps @ np.sin(phases)
    envelope = np.minimum(t / 0.01, 1.0) * np.exp(-t / max(duration_s * 0.6, 0.05))
    release = np.minimum((duration_s - t) / 0.02, 1.0)
    out = (tone * envelope * release).astype(np.float32)
    out.flags.writeable = False
    return out


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def _place(out: np.ndarray, sound: np.ndarray, start_s: float, sample_rate: int, gain: float) -> None:
    start = round(start_s * sample_rate)
    if start >= out.size:
        return
    end = min(out.size, start + sound.size)
    out[start:end] += gain * sound[: end - start]


def _stereo(mono: np.ndarray, *, width: float) -> np.ndarray:
    """Two channels from one: `width` delays the right channel by up to 0.6 ms for some stereo image."""
    delay = int(width * 26)
    right = np.concatenate([np.zeros(delay), mono[: mono.size - delay]]) if delay else mono
    return np.stack([mono, right]).astype(np.float32)
