"""The drums' own room: a short, dark set of early reflections on the drum bus (not the shared long reverb).

A kit recorded in a small room is heard through its first reflections, 5-70 ms after each hit, from walls
at different distances on each side. Here they are fourteen taps of the dry kit's mono sum, seven per side
at prime-ish, different delays (so the two sides are decorrelated and the kit sounds wide, not doubled),
falling off with distance, then high-passed (the kick's low end stays dry and tight) and low-passed (walls
absorb the top: no ringing, no metallic comb on the hats). The taps are a fixed FIR filter, run block by
block with the history it needs, so the result does not depend on the block size and costs a few passes
over the stem instead of a reverb plugin's per-sample work.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import saxpy

from production.engine.dsp import SosStream, blocks, db_to_gain, tone_sos

# (delay ms, gain) per side: reflections from walls 1-11 m away, about 5 dB per doubling of the path
ROOM_TAPS_MS = (
    ((7.1, 0.62), (13.3, 0.47), (19.7, 0.37), (27.9, 0.28), (36.1, 0.21), (47.3, 0.15), (61.9, 0.10)),
    ((8.9, 0.60), (15.1, 0.45), (22.3, 0.35), (30.7, 0.26), (39.7, 0.19), (52.1, 0.13), (67.3, 0.09)),
)
ROOM_HIGHPASS_HZ = 220.0
ROOM_LOWPASS_HZ = 5500.0


def drum_room(audio: np.ndarray, *, sample_rate: float, level_db: float) -> np.ndarray:
    """Add the room to a float32 (2, n) drum stem in place, at `level_db` against the dry kit; returns it."""
    if audio.ndim != 2 or audio.shape[0] != 2:
        raise ValueError("drum_room needs a (2, n) signal")
    if level_db <= -120.0:
        return audio
    taps = [[(round(ms * sample_rate / 1000), gain) for ms, gain in side] for side in ROOM_TAPS_MS]
    reach = max(delay for side in taps for delay, _ in side)
    level = db_to_gain(level_db)
    # The room's tone runs on the mono sum before the taps (all linear: the same sound, half the filtering).
    shape = SosStream(tone_sos(sample_rate, highpass_hz=ROOM_HIGHPASS_HZ, lowpass_hz=ROOM_LOWPASS_HZ), 1)
    history = np.zeros(reach, dtype=np.float32)  # the shaped mono sum just before the current block
    for start, stop in blocks(audio.shape[1]):
        length = stop - start
        mono = np.add(audio[0, start:stop], audio[1, start:stop]).reshape(1, length)
        mono *= np.float32(0.5 * level)
        dry = np.concatenate([history, shape.process(mono)[0]])
        history = dry[-reach:].copy()
        for channel, side in enumerate(taps):
            row = audio[channel, start:stop]
            for delay, gain in side:
                saxpy(dry[reach - delay : reach - delay + length], row, a=gain)
    return audio
