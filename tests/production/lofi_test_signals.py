"""Synthetic LoFi-like stems for engine tests and benchmarks (test material, not product audio).

Eight parts at a steady tempo: kick/snare/hat drums, shaker, sine bass, chords, arpeggios, a detuned
stereo pad, plucks and a vibrato lead. Loops run over notes and hits, never over samples.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

CHORDS_HZ = (
    (220.0, 261.63, 329.63, 392.0),
    (174.61, 220.0, 261.63, 329.63),
    (196.0, 246.94, 293.66, 349.23),
    (164.81, 207.65, 246.94, 293.66),
)


PANS = {"drums": 0.0, "perc": 0.4, "bass": 0.0, "keys": -0.35, "piano": 0.25, "pluck": 0.5, "melody": -0.1}


def synthetic_stems(
    *, duration_s: float, sample_rate: int = 44100, bpm: float = 84.0, seed: int = 0, stereo: bool = True
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Returns (stems, kick_times_s): stems keyed by part, each (2, n) float32, peaks around -6 dBFS.

    With `stereo` the parts are panned like a synth renders them (channels differ); without, every part
    but the pad has identical channels.
    """
    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate)
    beat_s = 60.0 / bpm
    beats = np.arange(0.0, duration_s, beat_s)
    kick_times = beats[(np.arange(beats.size) % 4) != 3]  # a boom-bap-ish pattern: skip the 4th beat
    t_note = np.arange(int(0.5 * sample_rate)) / sample_rate

    def mono(length: int = n) -> np.ndarray:
        return np.zeros(length, dtype=np.float32)

    def place(target: np.ndarray, start_s: float, sound: np.ndarray) -> None:
        start = int(start_s * sample_rate)
        end = min(start + sound.size, target.size)
        if end > start:
            target[start:end] += sound[: end - start]

    kick_sound = np.sin(2 * np.pi * (50 * t_note + 60 * (1 - np.exp(-t_note / 0.03)) * 0.03)) * np.exp(-t_note / 0.18)
    noise = rng.standard_normal(t_note.size)
    snare_sound = 0.6 * signal.lfilter([1, -0.7], [1], noise) * np.exp(-t_note / 0.07)
    hat_sound = 0.5 * signal.lfilter([1, -1], [1], noise) * np.exp(-t_note / 0.03)
    drums, perc = mono(), mono()
    for time_s in kick_times:
        place(drums, time_s, kick_sound)
    for index, time_s in enumerate(beats):
        if index % 2 == 1:
            place(drums, time_s, snare_sound)
        for eighth in (0.0, 0.5):
            place(drums, time_s + eighth * beat_s, hat_sound * rng.uniform(0.6, 1.0))
            place(perc, time_s + (eighth + 0.25) * beat_s, 0.5 * hat_sound * rng.uniform(0.3, 1.0))

    bar_s = 4 * beat_s
    bass, keys, piano, pluck, melody = mono(), mono(), mono(), mono(), mono()
    pad = np.zeros((2, n), dtype=np.float32)
    for bar, start_s in enumerate(np.arange(0.0, duration_s, bar_s)):
        chord = CHORDS_HZ[bar % len(CHORDS_HZ)]
        length = int(bar_s * sample_rate)
        t = np.arange(length) / sample_rate
        fade = np.minimum(1.0, np.minimum(t / 0.02, (bar_s - t) / 0.05))
        bass_note = np.sin(2 * np.pi * chord[0] / 2 * t) + 0.3 * np.sin(2 * np.pi * chord[0] * t)
        place(bass, start_s, (0.8 * bass_note * fade).astype(np.float32))
        harmonics = sum(np.sin(2 * np.pi * f * k * t) / k**1.5 for f in chord for k in (1, 2, 3))
        place(keys, start_s, (0.15 * harmonics * fade * np.exp(-t / 3.0)).astype(np.float32))
        for side in (0, 1):
            detune = 1.0 + (0.003 if side else -0.003)
            sawish = sum(np.sin(2 * np.pi * f * detune * k * t + side) / k for f in chord for k in (1, 2, 3, 4))
            start = int(start_s * sample_rate)
            end = min(start + length, n)
            pad[side, start:end] += (0.06 * sawish * fade)[: end - start].astype(np.float32)
        for step in range(8):
            note_hz = chord[step % 4] * (2 if step >= 4 else 1)
            tone = np.sin(2 * np.pi * note_hz * t_note) * np.exp(-t_note / 0.35)
            place(piano, start_s + step * beat_s / 2, (0.3 * tone).astype(np.float32))
            if step % 3 == 0:
                twang = np.sin(2 * np.pi * note_hz * 2 * t_note) * np.exp(-t_note / 0.12)
                place(pluck, start_s + step * beat_s / 2, (0.3 * twang).astype(np.float32))
        lead_t = t[: int(2 * beat_s * sample_rate)]
        vibrato = 0.004 * np.sin(2 * np.pi * 5 * lead_t)
        lead = np.sin(2 * np.pi * chord[2] * 2 * (lead_t + np.cumsum(vibrato) / sample_rate))
        lead *= np.minimum(1.0, np.minimum(lead_t / 0.05, (lead_t[-1] - lead_t) / 0.1))
        place(melody, start_s + beat_s, (0.3 * lead).astype(np.float32))

    stems = {}
    for name, part in (
        ("drums", drums),
        ("perc", perc),
        ("bass", bass),
        ("keys", keys),
        ("piano", piano),
        ("pluck", pluck),
        ("melody", melody),
    ):
        if not stereo:
            stems[name] = np.stack([part, part])
            continue
        angle = (PANS[name] + 1) * np.pi / 4
        right = np.roll(part, 7) if name in ("keys", "piano") else part  # a little spread, as a voice width
        stems[name] = np.stack([part * np.cos(angle), right * np.sin(angle)])
    stems["pad"] = pad
    for name, audio in stems.items():
        peak = float(np.max(np.abs(audio))) or 1.0
        stems[name] = (audio * (0.5 / peak)).astype(np.float32)
    return stems, kick_times
