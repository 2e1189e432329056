"""Synthetic stems with a known truth: where the downbeats are, which hit is a kick, snare or hat."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal


@dataclass(frozen=True)
class DrumTruth:
    audio: np.ndarray  # (2, n) float32
    sample_rate: int
    bpm: float
    first_downbeat_s: float
    kicks_s: list[float]
    snares_s: list[float]
    hats_s: list[float]


def _kick(sr: int) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    freq = 50 + 90 * np.exp(-t * 40)
    return (np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t * 14)).astype(np.float32)


def _noise_hit(sr: int, rng, low_hz: float, high_hz: float, decay_s: float, length_s: float) -> np.ndarray:
    n = int(length_s * sr)
    sos = signal.butter(4, [low_hz, min(high_hz, sr / 2 * 0.95)], btype="bandpass", fs=sr, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n))
    noise /= np.max(np.abs(noise))
    return (noise * np.exp(-np.arange(n) / sr / decay_s)).astype(np.float32)


def drum_stem(
    *,
    bpm: float = 120.0,
    bars: int = 6,
    sample_rate: int = 22050,
    first_downbeat_s: float = 0.25,
    seed: int = 1,
) -> DrumTruth:
    """Kick on beats 1 and 3, snare on 2 and 4, hats on every eighth, after `first_downbeat_s` of silence."""
    rng = np.random.default_rng(seed)
    beat_s = 60.0 / bpm
    n = int((first_downbeat_s + bars * 4 * beat_s + 0.5) * sample_rate)
    mono = np.zeros(n, dtype=np.float32)
    kick = _kick(sample_rate)
    snare = _noise_hit(sample_rate, rng, 1200, 6000, 0.06, 0.2)
    hat = _noise_hit(sample_rate, rng, 7000, 10500, 0.012, 0.06)
    kicks, snares, hats = [], [], []
    for bar in range(bars):  # a loop over bars and beats, not samples
        for beat in range(4):
            t = first_downbeat_s + (bar * 4 + beat) * beat_s
            (kicks if beat in (0, 2) else snares).append(t)
            for half in (0, 1):
                hats.append(t + half * beat_s / 2)
    for times, hit, gain in ((kicks, kick, 0.9), (snares, snare, 0.6), (hats, hat, 0.25)):
        for t in times:
            start = round(t * sample_rate)
            stop = min(start + hit.size, n)
            mono[start:stop] += gain * hit[: stop - start]
    mono *= 0.8 / np.max(np.abs(mono))
    return DrumTruth(np.vstack([mono, mono]), sample_rate, bpm, first_downbeat_s, kicks, snares, hats)


def chord_stem(
    *, bpm: float = 120.0, bars: int = 6, sample_rate: int = 22050, first_downbeat_s: float = 0.25
) -> np.ndarray:
    """A minor-key chord struck at every bar (A minor, F major, C major, G major), decaying over 1.5 s."""
    beat_s = 60.0 / bpm
    n = int((first_downbeat_s + bars * 4 * beat_s + 0.5) * sample_rate)
    mono = np.zeros(n, dtype=np.float32)
    chords = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))
    t = np.arange(int(1.5 * sample_rate)) / sample_rate
    envelope = np.exp(-t * 3) * np.minimum(t / 0.005, 1)
    for bar in range(bars):
        notes = chords[bar % len(chords)]
        tone = sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t) for m in notes) / len(notes)
        start = round((first_downbeat_s + bar * 4 * beat_s) * sample_rate)
        stop = min(start + t.size, n)
        mono[start:stop] += (tone * envelope)[: stop - start].astype(np.float32)
    mono *= 0.7 / np.max(np.abs(mono))
    return np.vstack([mono, mono])


def midi_bytes(bpm: float = 120.0, parts: tuple[str, ...] = ("keys",)) -> bytes:
    """A short score with one instrument per part, named like the engine names them ("kit" is drums)."""
    import io

    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    for index, part in enumerate(parts):
        instrument = pretty_midi.Instrument(program=0 if part == "kit" else 4 + index, is_drum=part == "kit", name=part)
        pitches = (36, 38, 42, 38) if part == "kit" else (57 - 12 * index, 60 - 12 * index, 64 - 12 * index)
        for i, pitch in enumerate(pitches):
            instrument.notes.append(pretty_midi.Note(velocity=80, pitch=pitch, start=i * 0.5, end=i * 0.5 + 0.45))
        pm.instruments.append(instrument)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()
