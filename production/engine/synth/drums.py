"""A synthesized drum kit and hand percussion, keyed by General MIDI drum note numbers.

Every sound is built from sine sweeps, decaying partials and filtered noise: no samples. Three kits
("dusty", "soft", "punchy") change tuning, decay and attack. Velocity picks a brightness band; a few
noise variants per sound avoid the machine-gun effect of identical repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import sosfilt

from ..dsp import butter_sos
from .additive import partials, t60_to_decay


@dataclass(frozen=True)
class KitTuning:
    kick_start_hz: float
    kick_end_hz: float
    kick_decay_s: float
    kick_click: float
    kick_drive: float
    snare_hz: float
    snare_noise_band: tuple[float, float]
    snare_decay_s: float
    hat_decay_s: float


KITS = {
    "dusty": KitTuning(120, 55, 0.22, 0.15, 1.8, 185, (900, 5500), 0.13, 0.035),
    "soft": KitTuning(105, 52, 0.25, 0.05, 1.2, 175, (700, 4500), 0.17, 0.03),
    "punchy": KitTuning(150, 56, 0.2, 0.30, 2.6, 195, (1200, 7500), 0.11, 0.04),
}


def _env(n: int, tau_s: float, sample_rate: int) -> np.ndarray:
    return np.exp(-np.arange(n, dtype=np.float32) / np.float32(tau_s * sample_rate))


def _band_noise(
    n: int, band: tuple[float, float], sample_rate: int, rng: np.random.Generator, kind: str = "band"
) -> np.ndarray:
    nyquist = sample_rate / 2
    noise = rng.standard_normal(n).astype(np.float32)
    if kind == "high":
        sos = butter_sos(2, float(band[0]), "highpass", sample_rate)
    else:
        sos = butter_sos(2, (float(band[0]), float(min(band[1], 0.99 * nyquist))), "bandpass", sample_rate)
    return sosfilt(sos, noise).astype(np.float32)


def _sweep(n: int, start_hz: float, end_hz: float, tau_s: float, sample_rate: int) -> np.ndarray:
    t = np.arange(n, dtype=np.float64) / sample_rate
    freq = end_hz + (start_hz - end_hz) * np.exp(-t / tau_s)
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    return np.sin(phase).astype(np.float32)


def _norm(x: np.ndarray) -> np.ndarray:
    return (x / (np.max(np.abs(x)) or 1.0)).astype(np.float32)


def kick(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.7 * sr)
    body = _sweep(n, kit.kick_start_hz * (0.9 + 0.2 * bright), kit.kick_end_hz, 0.035, sr) * _env(
        n, kit.kick_decay_s, sr
    )
    click = _band_noise(n, (1500, 6000), sr, rng) * _env(n, 0.003, sr) * kit.kick_click * (0.5 + bright)
    return _norm(np.tanh(kit.kick_drive * (body + click)))


def snare(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.45 * sr)
    tone = partials([kit.snare_hz, kit.snare_hz * 1.78], [1.0, 0.5], t60_to_decay([0.25, 0.15]), n, sr)
    low, high = kit.snare_noise_band
    noise = _band_noise(n, (low, high * (0.8 + 0.4 * bright)), sr, rng) * _env(n, kit.snare_decay_s, sr)
    return _norm(0.6 * tone + (1.4 + bright) * noise / (np.max(np.abs(noise)) or 1.0))


def clap(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.4 * sr)
    noise = _band_noise(n, (800, 3200 + 1500 * bright), sr, rng)
    t = np.arange(n) / sr
    envelope = np.exp(-t / 0.09) * 0.6
    for offset in (0.0, 0.011, 0.022):  # a clap is several hands a few milliseconds apart
        envelope += np.where(t >= offset, np.exp(-(t - offset) / 0.006), 0.0)
    return _norm(noise * envelope.astype(np.float32))


def rim(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.15 * sr)
    body = partials([1700.0, 820.0, 460.0], [1.0, 0.6, 0.4], t60_to_decay([0.08, 0.06, 0.05]), n, sr)
    click = _band_noise(n, (3000, 0), sr, rng, kind="high") * _env(n, 0.0015, sr)
    return _norm(body + (0.5 + 0.5 * bright) * click / (np.max(np.abs(click)) or 1.0))


def _hat(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator, decay_s: float) -> np.ndarray:
    n = int(min(1.5, max(0.15, 7 * decay_s)) * sr)
    noise = _band_noise(n, (6500 - 1500 * bright, 0), sr, rng, kind="high")
    metal = partials(
        [5310.0, 6870.0, 8200.0, 9730.0, 11200.0],
        [0.5, 0.4, 0.35, 0.3, 0.25],
        np.zeros(5),
        n,
        sr,
        phases=rng.uniform(0, 6.28, 5),
    )
    return _norm((noise / (np.max(np.abs(noise)) or 1.0) + 0.5 * metal) * _env(n, decay_s, sr))


def closed_hat(kit, bright, sr, rng):
    return _hat(kit, bright, sr, rng, kit.hat_decay_s)


def pedal_hat(kit, bright, sr, rng):
    return _hat(kit, bright, sr, rng, kit.hat_decay_s * 0.7)


def open_hat(kit, bright, sr, rng):
    return _hat(kit, bright, sr, rng, 0.28)


def crash(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(2.5 * sr)
    noise = _band_noise(n, (3000, 12000), sr, rng)
    body = noise / (np.max(np.abs(noise)) or 1.0) * _env(n, 0.55, sr)
    attack = np.minimum(1.0, np.arange(n) / (0.004 * sr)).astype(np.float32)
    return _norm(body * attack)


def ride(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(1.6 * sr)
    freqs = np.array([780.0, 1430.0, 3110.0, 4320.0, 5290.0, 6880.0])
    bell = partials(freqs, [0.5, 0.4, 0.5, 0.45, 0.35, 0.3], t60_to_decay([1.2, 1.0, 1.4, 1.1, 0.9, 0.8]), n, sr)
    noise = _band_noise(n, (4000, 14000), sr, rng) * _env(n, 0.35, sr)
    return _norm(bell + (0.4 + 0.4 * bright) * noise / (np.max(np.abs(noise)) or 1.0))


def shaker(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.2 * sr)
    t = np.arange(n) / sr
    envelope = (1.0 - np.exp(-t / 0.008)) * np.exp(-t / 0.045)  # beads swing in, then settle
    return _norm(_band_noise(n, (4000, 9500 + 2000 * bright), sr, rng) * envelope.astype(np.float32))


def tambourine(kit: KitTuning, bright: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.4 * sr)
    jingles = partials(
        [7150.0, 8030.0, 9260.0, 10400.0, 11900.0],
        [1.0, 0.8, 0.7, 0.6, 0.4],
        t60_to_decay([0.35, 0.3, 0.3, 0.25, 0.2]),
        n,
        sr,
        phases=rng.uniform(0, 6.28, 5),
    )
    noise = _band_noise(n, (5000, 0), sr, rng, kind="high") * _env(n, 0.06, sr)
    return _norm(jingles + (0.6 + 0.6 * bright) * noise / (np.max(np.abs(noise)) or 1.0))


def _drum_tone(
    f: float, decay_s: float, sr: int, rng: np.random.Generator, bright: float, ratios=(1.0, 1.59, 2.14)
) -> np.ndarray:
    n = int(min(1.0, 5 * decay_s) * sr)
    body = _sweep(n, f * 1.25, f, 0.02, sr) * _env(n, decay_s, sr)
    overtones = partials([f * r for r in ratios[1:]], [0.35, 0.2], t60_to_decay([decay_s * 3, decay_s * 2]), n, sr)
    slap = _band_noise(n, (1500, 7000), sr, rng) * _env(n, 0.004, sr)
    return _norm(body + overtones + (0.2 + 0.4 * bright) * slap / (np.max(np.abs(slap)) or 1.0))


def bongo_high(kit, bright, sr, rng):
    return _drum_tone(420.0, 0.08, sr, rng, bright)


def bongo_low(kit, bright, sr, rng):
    return _drum_tone(300.0, 0.11, sr, rng, bright)


def tom_high(kit, bright, sr, rng):
    return _drum_tone(190.0, 0.22, sr, rng, bright)


def tom_mid(kit, bright, sr, rng):
    return _drum_tone(150.0, 0.25, sr, rng, bright)


def tom_low(kit, bright, sr, rng):
    return _drum_tone(115.0, 0.3, sr, rng, bright)


@dataclass(frozen=True)
class DrumSound:
    render: Callable[[KitTuning, float, int, np.random.Generator], np.ndarray]
    gain_db: float
    pan: float


DRUM_SOUNDS: dict[int, DrumSound] = {
    36: DrumSound(kick, -4.0, 0.0),
    37: DrumSound(rim, -6.0, -0.15),
    38: DrumSound(snare, -6.0, 0.0),
    39: DrumSound(clap, -9.0, 0.05),
    42: DrumSound(closed_hat, -17.0, 0.25),
    44: DrumSound(pedal_hat, -19.0, 0.25),
    46: DrumSound(open_hat, -19.0, 0.25),
    45: DrumSound(tom_low, -9.0, -0.25),
    47: DrumSound(tom_mid, -9.0, 0.0),
    50: DrumSound(tom_high, -9.0, 0.25),
    49: DrumSound(crash, -22.0, -0.3),
    51: DrumSound(ride, -20.0, -0.3),
    54: DrumSound(tambourine, -10.0, -0.35),
    60: DrumSound(bongo_high, -6.0, 0.35),
    61: DrumSound(bongo_low, -6.0, -0.3),
    70: DrumSound(shaker, -8.0, 0.4),
}
