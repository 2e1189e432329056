"""Arrangement automation on stems and the mix: filter sweeps, tape stops, and the edge fades.

`apply_part_events` runs the score's events that name parts on those stems (before the effects);
`apply_mix_events` runs the whole-mix ones on the mix after the tape bus. Events come from the composer
(arrangement.ArrangementEvent: kind, start_s, end_s, parts, direction); anything with another kind
("dropout": the composer leaves the notes out) has nothing to do here.

- filter_sweep: a resonant-free 12 dB/octave low-pass whose cut-off moves exponentially between
  SWEEP_CLOSED_HZ and SWEEP_OPEN_HZ over the span ("up" opens, "down" closes); an "up" sweep is closed
  before the span and fully open (filter off) after it, a "down" sweep the other way round. Coefficients
  change every SWEEP_HOP samples with the filter state carried over, so the sweep is smooth.
- tape_stop: the tape slows to a halt over the first TAPE_STOP_MAX_S of the span (the read position
  follows a speed falling linearly from 1 to 0, the level with it) and stays silent until end_s; the
  music after end_s comes back with a 10 ms fade-in.
- edge_fades: silence for the first EDGE_SILENCE_S, a raised-cosine rise to full over EDGE_RISE_S, and a
  raised-cosine fade-out over the track's last `fade_out_s` that reaches zero EDGE_SILENCE_S before the
  end: the first and last 20 ms of a master are silent (under -45 dBFS whatever the gain), and the beds
  (vinyl, ambience) fade with the music.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from .dsp import SosStream, blocks

SWEEP_CLOSED_HZ = 300.0
SWEEP_OPEN_HZ = 18000.0
SWEEP_HOP = 128
TAPE_STOP_MAX_S = 1.5
EDGE_SILENCE_S = 0.025
EDGE_RISE_S = 0.04


def _lowpass_biquad(cutoff_hz: float, sample_rate: int) -> np.ndarray:
    """RBJ low-pass (Q = 1/sqrt 2) as one SOS row: designed in closed form, many times per second."""
    w = 2 * math.pi * min(cutoff_hz, 0.45 * sample_rate) / sample_rate
    alpha = math.sin(w) / math.sqrt(2)
    cos_w = math.cos(w)
    a0 = 1 + alpha
    b0 = (1 - cos_w) / 2 / a0
    return np.array([[b0, 2 * b0, b0, 1.0, -2 * cos_w / a0, (1 - alpha) / a0]])


def filter_sweep(audio: np.ndarray, start: int, stop: int, *, sample_rate: int, direction: str = "up") -> np.ndarray:
    """A low-pass sweep over samples [start, stop) of a float32 (channels, n) array, in place (see the
    module). Hop by hop through one filter state (dsp.SosStream), the coefficients redesigned per hop."""
    n = audio.shape[-1]
    start, stop = max(0, min(start, n)), max(0, min(stop, n))
    closed_side: tuple[int, int] = (0, start) if direction == "up" else (stop, n)  # where the filter stays shut
    stream = SosStream(_lowpass_biquad(SWEEP_CLOSED_HZ, sample_rate), audio.shape[0])
    span = max(stop - start, 1)
    ratio = SWEEP_OPEN_HZ / SWEEP_CLOSED_HZ

    def run(a: int, b: int, cutoff_hz: float) -> None:
        stream.sos = np.ascontiguousarray(_lowpass_biquad(cutoff_hz, sample_rate), dtype=np.float32)
        for first, last in blocks(b - a):  # the kernel filters contiguous rows: a copy per block
            audio[:, a + first : a + last] = stream.process(np.array(audio[:, a + first : a + last], np.float32))

    if direction == "up" and closed_side[1] > closed_side[0]:
        run(*closed_side, SWEEP_CLOSED_HZ)
    for a in range(start, stop, SWEEP_HOP):
        b = min(stop, a + SWEEP_HOP)
        u = (a - start) / span if direction == "up" else 1 - (a - start) / span
        run(a, b, SWEEP_CLOSED_HZ * ratio**u)
    if direction == "down" and closed_side[1] > closed_side[0]:
        run(*closed_side, SWEEP_CLOSED_HZ)
    return audio


def tape_stop(audio: np.ndarray, start: int, stop: int, *, sample_rate: int) -> np.ndarray:
    """The tape slows to a halt from `start`, silent until `stop`, in place (see the module)."""
    n = audio.shape[-1]
    start, stop = max(0, min(start, n)), max(0, min(stop, n))
    ramp = min(stop - start, int(TAPE_STOP_MAX_S * sample_rate))
    if ramp <= 1:
        return audio
    t = np.arange(ramp, dtype=np.float64)
    position = start + t - t * t / (2 * ramp)  # speed 1 - t/ramp: the read head slows to a stop
    index = np.minimum(position.astype(np.int64), n - 2)
    frac = (position - index).astype(np.float32)
    level = (1 - t / ramp).astype(np.float32) ** 2
    slowed = audio[:, index] * (1 - frac) + audio[:, index + 1] * frac
    audio[:, start : start + ramp] = slowed * level
    audio[:, start + ramp : stop] = 0.0
    back = min(int(0.01 * sample_rate), n - stop)
    if back > 0:
        audio[:, stop : stop + back] *= np.linspace(0.0, 1.0, back, dtype=np.float32)
    return audio


def _span(event, sample_rate: int) -> tuple[int, int]:
    return round(float(event.start_s) * sample_rate), round(float(event.end_s) * sample_rate)


def apply_part_events(stems: Mapping[str, np.ndarray], events: Iterable, *, sample_rate: int) -> None:
    """The events that name parts, on those parts' stems, in place."""
    for event in events:
        if event.kind != "filter_sweep" or not event.parts:
            continue
        start, stop = _span(event, sample_rate)
        for part in event.parts:
            if part in stems:
                filter_sweep(stems[part], start, stop, sample_rate=sample_rate, direction=_direction(event))


def apply_mix_events(mix: np.ndarray, events: Iterable, *, sample_rate: int) -> None:
    """The whole-mix events (filter sweeps without parts, tape stops), in place, in time order."""
    for event in sorted(events, key=lambda e: e.start_s):
        start, stop = _span(event, sample_rate)
        if event.kind == "filter_sweep" and not event.parts:
            filter_sweep(mix, start, stop, sample_rate=sample_rate, direction=_direction(event))
        elif event.kind == "tape_stop":
            tape_stop(mix, start, stop, sample_rate=sample_rate)


def _direction(event) -> str:
    return getattr(event, "direction", "up") or "up"


def edge_fades(audio: np.ndarray, *, sample_rate: int, fade_out_s: float) -> np.ndarray:
    """Silence, rise and fade-out at the track's edges, in place (see the module)."""
    n = audio.shape[-1]
    silence = min(n, int(EDGE_SILENCE_S * sample_rate))
    rise = min(n - silence, int(EDGE_RISE_S * sample_rate))
    audio[:, :silence] = 0.0
    audio[:, silence : silence + rise] *= (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, rise))).astype(np.float32)
    fall = min(n - silence - rise, max(int(fade_out_s * sample_rate), int(0.05 * sample_rate)))
    if fall > 0:
        end = n - silence
        curve = (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fall))).astype(np.float32)
        audio[:, end - fall : end] *= curve
        audio[:, end:] = 0.0
    return audio
