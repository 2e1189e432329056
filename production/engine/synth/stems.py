"""Render a composed score to one stereo stem per part.

Each note is rendered once into a buffer and added at its sample offset (onset = round(start * rate),
so timing is sample-accurate). The expensive part of a note, its "core" (pitch x velocity band), is
rendered once per render at the longest length any note needs and shared by every note of that pitch
and band; identical notes (pitch, velocity band, length) also share their release tail. Notes are added
into the stereo stem in place with their gain and pan (BLAS axpy), so no note allocates a buffer of
its own length and nothing allocates a full-length buffer per note.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pretty_midi
from scipy.linalg.blas import saxpy
from threadpoolctl import threadpool_limits

from .. import instruments as library
from ..brief import PARTS
from ..dsp import db_to_gain, peak_abs, shelf_sos, sosfilt_blocks, zeros_prefaulted
from ..instruments import PRESENCE_HZ, Source
from . import sampled
from .additive import sine_lfo
from .drums import DRUM_SOUNDS, KITS
from .instruments import VOICES, Voice

VELOCITY_BANDS = 4  # timbre changes in four velocity bands; level follows the exact velocity
NOTE_CACHE_BYTES = 24 * 2**20  # finished-note cache per part
OFF_QUANTUM_S = 0.005  # note-offs are rounded to 5 ms so repeated notes share a buffer
STEM_PEAK_LIMIT = db_to_gain(-3)  # stems are scaled down if a peak would pass -3 dBFS
_CHUNK = 1 << 16  # samples per block of stem-wide processing
PART_GAIN_DB = {
    "drums": 0.0,
    "perc": 6.0,
    "bass": 0.0,
    "keys": -1.0,
    "piano": -2.0,
    "pad": -3.0,
    "pluck": -3.0,
    "melody": -1.0,
}
# RMS (dBFS) of each part's reference sound as the built-in voices play it (a velocity-100 C4 held 1 s;
# E2 for the bass; kick, snare and hat for the drums): sampled voices are levelled to the same figure, so
# the mix balance does not depend on how loud a SoundFont happens to be.
REFERENCE_DB = {
    "drums": -16.5,
    "perc": -28.0,
    "bass": -22.5,
    "keys": -23.0,
    "piano": -25.0,
    "pad": -30.0,
    "pluck": -27.0,
    "melody": -23.0,
}


def _band(velocity: int) -> int:
    return min(VELOCITY_BANDS - 1, int(velocity) * VELOCITY_BANDS // 128)


def _brightness(band: int) -> float:
    return (band + 0.5) / VELOCITY_BANDS


def velocity_gain(velocity: int) -> float:
    """Level of a note relative to full velocity (about 9 dB down at velocity 64)."""
    return float((max(int(velocity), 1) / 127.0) ** 1.5)


def _pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law, pan in -1 (left) .. 1 (right); centre gives 0.707 per side."""
    angle = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4  # scalars: math, not numpy (per note)
    return math.cos(angle), math.sin(angle)


class _NoteCache:
    """Finished note buffers keyed by what makes them identical, within a byte budget."""

    def __init__(self, budget_bytes: int) -> None:
        self.items: dict[tuple, np.ndarray] = {}
        self.budget = budget_bytes

    def get(self, key: tuple) -> np.ndarray | None:
        return self.items.get(key)

    def put(self, key: tuple, value: np.ndarray) -> None:
        """Keep `value` (the caller hands over a buffer it will not change) while the budget lasts."""
        if value.nbytes <= self.budget:
            self.items[key] = value
            self.budget -= value.nbytes


def _silence(n: int) -> np.ndarray:
    """A zeroed (2, n) float32 stem with its pages mapped up front (dsp.zeros_prefaulted): zeros from
    calloc are mapped lazily, and the first read-modify-write of each page by the note adds would then
    fault twice (read, then copy)."""
    return zeros_prefaulted((2, n))


def _axpy(x: np.ndarray, y: np.ndarray, a: float) -> None:
    """y += a * x in place, in one pass (y is a contiguous float32 slice of a stem)."""
    if x.shape[0]:
        saxpy(x, y, a=a)


def _note_samples(note: pretty_midi.Note, sample_rate: int) -> tuple[int, int]:
    onset = round(note.start * sample_rate)
    quantum = int(OFF_QUANTUM_S * sample_rate)
    held = max(quantum, round((note.end - note.start) * sample_rate / quantum) * quantum)
    return onset, held


def _pitched_pan(voice: Voice, pitch: int) -> float:
    """Low notes lean one way, high notes the other, around the part's place in the stereo field."""
    return float(voice.pan + voice.width * min(max((pitch - 62) / 18.0, -1.0), 1.0))


def _render_pitched(
    notes: list[pretty_midi.Note],
    voice: Voice,
    n: int,
    sample_rate: int,
    rng: np.random.Generator,
    *,
    part_gain_db: float = 0.0,
    tone: np.ndarray | None = None,
) -> np.ndarray:
    """The stem of one pitched part; with `tone` (an SOS cascade) the stem comes out filtered by it."""
    release_len = int(6.9 * voice.release_s * sample_rate)  # the fade reaches -60 dB
    release = np.exp(-np.arange(release_len, dtype=np.float32) / np.float32(voice.release_s * sample_rate))
    plans: list[tuple[int, int, int, int, int, tuple[int, int]]] = []
    needed: dict[tuple[int, int], int] = {}
    for note in notes:
        onset, held = _note_samples(note, sample_rate)
        if onset >= n:
            continue
        length = min(held + release_len, n - onset)
        key = (note.pitch, _band(note.velocity))
        needed[key] = max(needed.get(key, 0), length)
        plans.append((onset, min(held, length), length, note.pitch, int(note.velocity), key))
    # A linear filter can run on each shared core instead of on the stem (the stem is a sum of scaled,
    # shifted cores): the same sound, and much less to filter when the cores are shorter than the stem.
    filter_cores = tone is not None and sum(needed.values()) < 2 * n
    out = _silence(n)
    cores: dict[tuple, np.ndarray] = {}
    tails = _NoteCache(NOTE_CACHE_BYTES)
    level = db_to_gain(voice.gain_db + part_gain_db)  # applied per note: no extra pass over the stem
    for onset, held, length, pitch, velocity, key in plans:
        core = cores.get(key)
        if core is None:
            core = cores[key] = voice.render(pitch, _brightness(key[1]), needed[key], sample_rate, rng)
            if filter_cores and tone is not None:
                core = np.ascontiguousarray(core, dtype=np.float32)
                core = cores[key] = sosfilt_blocks(tone, core, out=core)
        gain = level * velocity_gain(velocity)
        left, right = _pan_gains(_pitched_pan(voice, pitch))
        # the held part is the shared core itself, added in place with its gain (BLAS axpy: no temporary)
        _axpy(core[:held], out[0, onset : onset + held], gain * left)
        _axpy(core[:held], out[1, onset : onset + held], gain * right)
        if length > held:  # the release tail of identical notes (pitch, velocity band, length) is shared
            tail_key = (key, held, length)
            tail = tails.get(tail_key)
            if tail is None:
                tail = core[held:length] * release[: length - held]
                tails.put(tail_key, tail)
            _axpy(tail, out[0, onset + held : onset + length], gain * left)
            _axpy(tail, out[1, onset + held : onset + length], gain * right)
    if voice.stem_effect == "autopan":  # Suitcase Rhodes: the tremolo swings between the speakers
        _modulate(out, rate_hz=4.2, depth=0.22, sample_rate=sample_rate, opposite=True)
    elif voice.stem_effect == "tremolo":  # vibraphone motor
        _modulate(out, rate_hz=5.5, depth=0.12, sample_rate=sample_rate, opposite=False)
    if tone is not None and not filter_cores:
        sosfilt_blocks(tone, out, out=out)
    return out


def _modulate(stem: np.ndarray, *, rate_hz: float, depth: float, sample_rate: int, opposite: bool) -> None:
    """Amplitude modulation in place, chunk by chunk (no full-length LFO buffer).

    opposite=True: left gets 1 + depth*sin, right 1 - depth*sin (auto-pan); otherwise both channels get
    1 - depth + depth*sin (a tremolo that never boosts)."""
    n = stem.shape[1]
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        lfo = sine_lfo(stop - start, rate_hz, sample_rate, phase=2 * np.pi * rate_hz * start / sample_rate)
        lfo *= np.float32(depth)
        if opposite:
            stem[0, start:stop] *= 1 + lfo
            stem[1, start:stop] *= 1 - lfo
        else:
            lfo += np.float32(1 - depth)
            stem[:, start:stop] *= lfo


def _render_drums(
    notes: list[pretty_midi.Note],
    kit_name: str,
    n: int,
    sample_rate: int,
    rng: np.random.Generator,
    *,
    part_gain_db: float = 0.0,
) -> np.ndarray:
    kit = KITS[kit_name]
    hits = sorted(
        (round(note.start * sample_rate), note.pitch, int(note.velocity)) for note in notes if note.pitch in DRUM_SOUNDS
    )
    hat_onsets = np.array([h[0] for h in hits if h[1] in (42, 44, 46)], dtype=np.int64)
    out = _silence(n)
    cores: dict[tuple, np.ndarray] = {}
    strikes: dict[int, int] = defaultdict(int)
    choke = int(0.012 * sample_rate)
    for onset, pitch, velocity in hits:
        if onset >= n:
            continue
        sound = DRUM_SOUNDS[pitch]
        variant = strikes[pitch] % 3  # round-robin noise variants
        strikes[pitch] += 1
        key = (pitch, _band(velocity), variant)
        core = cores.get(key)
        if core is None:
            core = cores[key] = sound.render(kit, _brightness(key[1]), sample_rate, rng)
        length = min(core.shape[0], n - onset)
        if pitch == 46:  # the next closed or pedal hat chokes an open hat
            later = hat_onsets[hat_onsets > onset]
            if later.size and later[0] - onset < length:
                length = int(later[0] - onset)
                fade = min(choke, length)
                core = core[:length].copy()
                core[length - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        gain = db_to_gain(sound.gain_db + part_gain_db) * velocity_gain(velocity)
        left, right = _pan_gains(sound.pan)
        _axpy(core[:length], out[0, onset : onset + length], gain * left)
        _axpy(core[:length], out[1, onset : onset + length], gain * right)
    return out


def _fade_edges(stem: np.ndarray, sample_rate: int, duration_s: float) -> None:
    start = min(stem.shape[1], int(0.003 * sample_rate))
    stem[:, :start] *= np.linspace(0.0, 1.0, start, dtype=np.float32)
    tail = min(stem.shape[1], int(min(3.0, 0.08 * duration_s) * sample_rate))
    if tail > 0:
        stem[:, -tail:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, tail))).astype(np.float32)


def _limit_peak(stem: np.ndarray) -> None:
    peak = peak_abs(stem) if stem.size else 0.0
    if peak > STEM_PEAK_LIMIT:
        stem *= np.float32(STEM_PEAK_LIMIT / peak)


def render_stems(
    score,
    *,
    sample_rate: int,
    seed: int,
    sources: Mapping[str, Source] | None = None,
    part_filters: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Render every part of `score` (a compose.Score) to a stereo stem.

    Returns part -> float32 array of shape (2, round(duration_s * sample_rate)), all the same length,
    in PARTS order, each peaking at or below -3 dBFS. Same score, sources and seed give bit-identical stems.
    `sources` (part -> instruments.Source, see instruments.resolve) says what plays each part: a SoundFont
    preset (sampled.py) or a built-in voice; a part without a source plays `score.voices[part]`: a library
    voice id (instruments.VOICES, resolved without a label folder) or a built-in voice name ("kit": drums).
    `part_filters` (part -> SOS cascade, e.g. fx.insert_filters) are applied to those parts' stems; the
    built-in synth filters each shared note core instead of the whole stem where that is less work.
    """
    # The matrix products here are small; BLAS threads only contend for the cores (several times slower
    # on a busy machine), so this render keeps BLAS to one thread.
    with threadpool_limits(limits=1, user_api="blas"):
        return _render(score, sample_rate=sample_rate, seed=seed, sources=sources or {}, filters=part_filters or {})


def _render(
    score, *, sample_rate: int, seed: int, sources: Mapping[str, Source], filters: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    n = round(score.duration_s * sample_rate)
    stems: dict[str, np.ndarray] = {}
    by_name = {inst.name: inst for inst in score.midi.instruments}
    for part in PARTS:
        instrument = by_name.get(part)
        if instrument is None:
            continue
        source = sources.get(part)
        if source is None and score.voices.get(part) in library.VOICES:  # a library voice id: play it
            source = library.resolve(score.voices[part], part)
        tone = filters.get(part)
        if source is not None and source.kind == "soundfont" and source.presence_db:
            # the voice's presence shelf (a dark sample's 1-5 kHz brought forward) ahead of the part's tone
            presence = shelf_sos(sample_rate, kind="high", freq_hz=PRESENCE_HZ, gain_db=source.presence_db)
            tone = presence if tone is None else np.concatenate([presence, tone])
        if source is not None and source.kind == "soundfont":
            gain = sampled.gain_for(source, part, sample_rate, REFERENCE_DB[part])
            if source.drums:
                stem = sampled.render_drums(instrument, source, n, sample_rate, gain=gain, seed=seed, tone=tone)
            else:
                stem = sampled.render_pitched(instrument, source, n, sample_rate, part=part, gain=gain, tone=tone)
        else:
            rng = np.random.default_rng([seed, 7919, PARTS.index(part)])
            notes = sorted(instrument.notes, key=lambda note: (note.start, note.pitch))
            if source is not None:
                voice_name = source.synth
            else:
                voice_name = score.voices.get(part, "kit" if instrument.is_drum else "epiano")
                if voice_name != "kit" and voice_name not in VOICES:
                    raise ValueError(
                        f"{part}: voice {voice_name!r} is neither a library voice (instruments.VOICES) nor a"
                        f" built-in one ({', '.join(sorted(VOICES))}, kit); pass sources= for label voices"
                    )
            part_gain = PART_GAIN_DB.get(part, 0.0)
            if voice_name == "kit":
                stem = _render_drums(notes, score.kit, n, sample_rate, rng, part_gain_db=part_gain)
                if tone is not None:
                    sosfilt_blocks(tone, stem, out=stem)
            else:
                stem = _render_pitched(
                    notes, VOICES[voice_name], n, sample_rate, rng, part_gain_db=part_gain, tone=tone
                )
        _fade_edges(stem, sample_rate, score.duration_s)
        _limit_peak(stem)
        stems[part] = stem
    return stems
