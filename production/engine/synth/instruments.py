"""Pitched instruments, built from decaying partials (additive) or Karplus-Strong strings.

Each voice renders a note's "core": the sound from key-down for n samples at a given brightness
(0-1, from velocity), peak around 1. Note-off, velocity gain and placement happen in stems.py, so one
core serves every note of that pitch and velocity band.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import sosfilt

from ..dsp import butter_sos
from .additive import attack_ramp, block_times, partials, t60_to_decay
from .strings import karplus_strong

CoreFn = Callable[[int, float, int, int, np.random.Generator], np.ndarray]


def midi_to_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def _warm(freqs: np.ndarray, corner_hz: float) -> np.ndarray:
    """Gentle 2nd-order lowpass weights: the instruments should sound warm before the LoFi chain."""
    return 1.0 / np.sqrt(1.0 + (freqs / corner_hz) ** 4)


def _noise_burst(
    n: int, length_s: float, tau_s: float, band_hz: tuple[float, float], sample_rate: int, rng: np.random.Generator
) -> np.ndarray:
    """A short filtered noise transient (hammer, thump, breath) padded to n samples."""
    count = min(n, max(8, int(length_s * sample_rate)))
    noise = rng.standard_normal(count)
    low, high = band_hz
    sos = butter_sos(2, (float(low), float(min(high, 0.99 * sample_rate / 2))), "bandpass", sample_rate)
    burst = sosfilt(sos, noise) * np.exp(-np.arange(count) / (tau_s * sample_rate))
    out = np.zeros(n, dtype=np.float32)
    out[:count] = burst / (np.max(np.abs(burst)) or 1.0)
    return out


def epiano(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Rhodes-like electric piano: strong fundamental, a bark of low harmonics that grows with velocity,
    and a short inharmonic tine ping. Tremolo is added to the whole stem."""
    f = midi_to_hz(pitch)
    t60 = float(np.clip(7.0 * (261.6 / f) ** 0.45, 1.5, 10.0))
    freqs = np.array([f, f * 1.0009, 2 * f, 3 * f, 4 * f, 7.05 * f, 16.3 * f])
    amps = np.array(
        [
            1.0,
            0.12,
            0.2 + 0.3 * bright,
            0.05 + 0.14 * bright,
            0.02 + 0.08 * bright**2,
            0.08 + 0.22 * bright,
            0.03 * bright,
        ]
    )
    t60s = np.array([t60, 0.8 * t60, 0.45 * t60, 0.25 * t60, 0.15 * t60, 0.14, 0.05])
    out = partials(
        freqs, amps * _warm(freqs, 3500 + 2500 * bright), t60_to_decay(t60s), n, sample_rate, phases=np.zeros(7)
    )
    return attack_ramp(out, 0.002, sample_rate)


def piano(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Felt-soft acoustic piano: stretched (inharmonic) partials, two-stage decay from detuned unison
    strings, and a little hammer noise."""
    f = midi_to_hz(pitch)
    k = np.arange(1, 11, dtype=np.float64)
    stretch = np.sqrt(1.0 + 0.00012 * (f / 261.6) * k**2)
    freqs = k * f * stretch
    amps = (1.0 / k ** (1.7 - 0.6 * bright)) * _warm(freqs, 1800 + 3200 * bright)
    t60_1 = float(np.clip(9.0 * (261.6 / f) ** 0.55, 1.2, 14.0))
    t60s = t60_1 / (1.0 + 0.35 * (k - 1))
    # prompt and aftersound: the first three partials again, slightly detuned, decaying three times slower
    freqs = np.concatenate([freqs, freqs[:3] + 0.3])
    amps = np.concatenate([amps * np.where(k <= 3, 0.6, 1.0), amps[:3] * 0.4])
    t60s = np.concatenate([np.where(k <= 3, t60s / 3, t60s), t60s[:3]])
    out = partials(freqs, amps, t60_to_decay(t60s), n, sample_rate)
    out += (0.03 + 0.05 * bright) * _noise_burst(n, 0.012, 0.004, (200, 3000), sample_rate, rng)
    return attack_ramp(out, 0.001, sample_rate)


def upright_bass(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Plucked upright bass: round low harmonics, the upper ones dying fast, a finger thump."""
    f = midi_to_hz(pitch)
    k = np.arange(1, 9, dtype=np.float64)
    amps = np.array([1.0, 0.7, 0.45, 0.3, 0.18, 0.1, 0.06, 0.04]) * np.where(k >= 3, 0.5 + bright, 1.0)
    t60s = 2.4 / (1.0 + 0.6 * (k - 1))
    out = partials(k * f, amps * _warm(k * f, 900 + 900 * bright), t60_to_decay(t60s), n, sample_rate)
    out += 0.25 * _noise_burst(n, 0.03, 0.008, (60, 400), sample_rate, rng)
    return attack_ramp(out, 0.004, sample_rate)


def sub_bass(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Sine sub bass with a touch of second and third harmonic so it reads on small speakers."""
    f = midi_to_hz(pitch)
    out = partials(
        [f, 2 * f, 3 * f],
        [1.0, 0.2 + 0.1 * bright, 0.05 + 0.05 * bright],
        t60_to_decay([30.0, 12.0, 6.0]),
        n,
        sample_rate,
    )
    return attack_ramp(out, 0.01, sample_rate)


def pad(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Warm pad: two detuned saw-like partial series under a lowpass that opens and closes slowly
    (per-block gains on each partial), with a slow attack."""
    f = midi_to_hz(pitch)
    k = np.arange(1, 7, dtype=np.float64)
    freqs = np.concatenate([k * f * 0.9965, k * f * 1.0035])
    amps = np.concatenate([1.0 / k, 1.0 / k]) * 0.5
    times = block_times(n, sample_rate)[:, None]
    cutoff = (550 + 400 * bright) * 2.0 ** (1.6 * (0.5 - 0.5 * np.cos(2 * np.pi * times / 7.0)))
    gains = 1.0 / np.sqrt(1.0 + (freqs[None, :] / cutoff) ** 4)
    gains *= 0.5 - 0.5 * np.cos(np.pi * np.clip(times / 0.9, 0.0, 1.0))  # slow attack
    phases = rng.uniform(0, 2 * np.pi, freqs.size)
    return partials(freqs, amps, np.zeros(freqs.size), n, sample_rate, phases=phases, block_gain=gains)


def guitar(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Nylon-string guitar pluck (Karplus-Strong)."""
    f = midi_to_hz(pitch)
    t60 = float(np.clip(2.6 * (110.0 / f) ** 0.35, 1.0, 3.5))
    return karplus_strong(
        f,
        n,
        sample_rate,
        rng,
        t60_s=t60,
        damping=0.5,
        pick_position=0.18,
        excitation_lowpass=0.8 - 0.3 * bright,
        noise=0.35,
    )


def koto(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Koto-like pluck: a bright, plucked-near-the-bridge string with a shorter ring (Karplus-Strong)."""
    f = midi_to_hz(pitch)
    t60 = float(np.clip(2.2 * (220.0 / f) ** 0.3, 0.8, 3.0))
    return karplus_strong(
        f,
        n,
        sample_rate,
        rng,
        t60_s=t60,
        damping=0.22,
        pick_position=0.1,
        excitation_lowpass=0.45 - 0.3 * bright,
        noise=0.8,
    )


def lead(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Soft flute-like lead: near-sine tone with a slow beating partial and a breathy onset."""
    f = midi_to_hz(pitch)
    out = partials(
        [f, 2 * f, 3 * f, f * 1.004],
        [1.0, 0.14 + 0.08 * bright, 0.05 + 0.04 * bright, 0.16],
        t60_to_decay([25.0, 18.0, 12.0, 25.0]),
        n,
        sample_rate,
    )
    out += (0.05 + 0.04 * bright) * _noise_burst(n, 0.25, 0.07, (1200, 4500), sample_rate, rng)
    return attack_ramp(out, 0.045, sample_rate)


def vibes(pitch: int, bright: float, n: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Vibraphone: bar modes at 1, 4 and 10 times the fundamental and a soft mallet click. The motor
    tremolo is added to the whole stem."""
    f = midi_to_hz(pitch)
    t60 = float(np.clip(5.0 * (261.6 / f) ** 0.4, 1.5, 7.0))
    freqs = np.array([f, 3.99 * f, 9.95 * f])
    amps = np.array([1.0, 0.1 + 0.3 * bright, 0.03 + 0.1 * bright]) * _warm(freqs, 5000)
    out = partials(freqs, amps, t60_to_decay([t60, 0.9, 0.25]), n, sample_rate)
    out += 0.04 * _noise_burst(n, 0.004, 0.001, (2000, 9000), sample_rate, rng)
    return attack_ramp(out, 0.001, sample_rate)


@dataclass(frozen=True)
class Voice:
    """How a synth instrument sounds and sits in the mix."""

    render: CoreFn
    release_s: float  # time constant of the fade after note-off
    gain_db: float  # level of a full-velocity note before the stem gain
    pan: float  # centre of the part in the stereo field, -1..1
    width: float  # how far low and high notes spread from the centre
    stem_effect: str | None = None  # "autopan" (Rhodes tremolo) or "tremolo" (vibraphone motor)


VOICES: dict[str, Voice] = {
    "epiano": Voice(epiano, 0.12, -9.5, 0.0, 0.35, "autopan"),
    "piano": Voice(piano, 0.16, -10.5, 0.05, 0.4),
    "upright_bass": Voice(upright_bass, 0.07, -9.0, 0.0, 0.0),
    "sub_bass": Voice(sub_bass, 0.08, -12.0, 0.0, 0.0),
    "pad": Voice(pad, 0.55, -14.0, 0.0, 0.6),
    "guitar": Voice(guitar, 0.06, -1.5, -0.2, 0.3),
    "koto": Voice(koto, 0.08, 0.5, 0.2, 0.35),
    "lead": Voice(lead, 0.1, -11.5, 0.1, 0.0),
    "vibes": Voice(vibes, 0.3, -7.0, 0.1, 0.2, "tremolo"),
}
