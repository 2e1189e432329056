"""Parts played from SoundFonts through tinysoundfont, note by note.

Every note is rendered on its own (key down for its held length, key up, then the release until the voice
is silent) and added into the stem at its sample offset, so:
- a release tail always plays out: nothing is cut at a fixed length (a kick rings for its 1-2 s), and the
  last 10 ms of every rendered note are faded to zero, so a sample whose recording stops early (a
  truncated tail) ends without a click;
- a preset whose release falls fast (an electric piano, a bass, a jazz guitar) has that release applied per
  sample at its own measured rate, not in tinysoundfont's 64-frame steps, which buzz (see Player.note);
- identical notes (pitch, velocity, held length, drum variant) share one render;
- velocity changes the timbre continuously on top of the SoundFont's own velocity layers: each note goes
  into a bright and a dark copy of the stem in proportion to its velocity, and the dark copy is low-passed
  once (a linear filter: the same as filtering every note, at the cost of one pass per part);
- the sustain pedal (control change 64 in the score) holds a note until the pedal lifts, unless the same
  key is struck again;
- drum hits rotate through variants (a different velocity layer step, micro-tuning, sample offset and
  tone tilt), so no two consecutive hits of one drum piece are the same waveform.

Each SoundFont file is loaded once per process (an sf3 takes seconds to decompress); tinysoundfont's
output for a note depends only on that note, so cached synths give bit-identical renders.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
import pretty_midi
import tinysoundfont
from scipy.linalg.blas import saxpy

from ..dsp import blocks, db_to_gain, sosfilt_blocks, zeros_prefaulted
from ..instruments import Source

_CHANNEL = 0
_BLOCK = 4096  # frames rendered per call while a release rings out
_SILENT = 1e-6  # the note ends after its last sample above this (-120 dBFS)
_TAIL_FLOOR_DB = -90.0
_TAIL_FLOOR = db_to_gain(_TAIL_FLOOR_DB)  # a release block this far under the note's peak ends the note (faded)
_VELOCITY_STEP = 16  # notes render once per velocity bucket; the exact velocity sets level and tone
_QUIET_FRAMES = 32  # a block ending in this many exact zeros: the voice has ended
_MAX_TAIL_S = 8.0  # a release still sounding after this long is faded out
_END_FADE_S = 0.010  # every note's last 10 ms fade to zero (truncated sample tails end without a click)
_OFF_QUANTUM_S = 0.005  # note lengths round to 5 ms so repeated notes share a render
_PEDAL = 64
_DRUM_VARIANTS = 4
# Per drum variant: velocity step, tuning (semitones), sample offset (frames), tone tilt (share of the
# high band added or removed). Small enough to stay the same drum, large enough to be another waveform.
_VARIANTS = ((0, 0.0, 0, 0.0), (-4, 0.06, 5, -0.12), (3, -0.05, 2, 0.08), (-2, 0.03, 9, -0.06))
_DARK_HZ = {"bass": 300.0, "pad": 700.0}  # the velocity filter's corner for soft notes; others 700 Hz
# tinysoundfont steps a voice's envelope once per 64 frames. A release falling faster than ~0.25 dB a step (a
# Rhodes, an electric bass or a jazz guitar in FluidR3 falls 0.6-1.5 dB) makes each step a small click: a buzz
# at the end of every note. Such presets get their release applied per sample instead (Player.note).
_TSF_BLOCK = 64
_ZIPPER_RATE_DB_PER_S = 170.0
_PROBE_PITCH, _PROBE_VELOCITY = 60, 90
_release_rates: dict[tuple[str, int, int, int], float] = {}
_lock = threading.Lock()  # a cached synth plays one note at a time


@lru_cache(maxsize=16)
def _loaded(path: str, sample_rate: int, size: int, mtime_ns: int) -> tuple[tinysoundfont.Synth, Any]:
    synth = tinysoundfont.Synth(samplerate=sample_rate)
    sfid = synth.sfload(path)
    return synth, synth.soundfonts[sfid]


def load(path: str, sample_rate: int) -> tuple[tinysoundfont.Synth, Any]:
    """(Synth, its SoundFont) for `path`, loaded once per process per file version and sample rate."""
    import os

    stat = os.stat(path)
    return _loaded(path, sample_rate, stat.st_size, stat.st_mtime_ns)


def release_fonts() -> None:
    """Forget the loaded SoundFonts (their samples live decoded in memory: FluidR3 alone holds ~285 MB).
    The next note loads its file again (~0.3 s for FluidR3) and plays bit-identically."""
    with _lock:
        _loaded.cache_clear()


def preset_names(path: str) -> dict[tuple[int, int], str]:
    """(bank, preset) -> name of every preset in a SoundFont file."""
    _synth, font = load(path, 44100)
    names = {}
    for bank in (*range(0, 17), 128):
        for preset in range(128):
            name = font.get_preset_name(bank, preset)
            if name != "<None>":
                names[(bank, preset)] = name
    return names


class Player:
    """Renders single notes of one SoundFont preset."""

    def __init__(self, source: Source, sample_rate: int) -> None:
        self.source = source
        self.sample_rate = sample_rate
        self.synth, self.font = load(source.path, sample_rate)
        self.fade = np.float32(0.5) + np.float32(0.5) * np.cos(
            np.linspace(0.0, np.pi, int(_END_FADE_S * sample_rate), dtype=np.float32)
        )

    def _select(self, tuning: float) -> None:
        font = self.font
        font.channel_set_bank(_CHANNEL, self.source.bank)
        font.channel_set_preset_number(_CHANNEL, self.source.preset, self.source.drums and self.source.bank == 128)
        font.channel_midi_control(_CHANNEL, 121, 0)  # reset controllers: every note starts from the same state
        font.channel_set_tuning(_CHANNEL, tuning)

    def note(self, pitch: int, velocity: int, held: int | None, *, tuning: float = 0.0) -> np.ndarray:
        """An interleaved (frames, 2) float32 render of one note: `held` frames of key down (None: never released, a
        drum hit), then the release until the voice has ended, the last 10 ms faded to zero."""
        held = held or 0
        rate_db_per_s = self.release_rate_db_per_s() if held else 0.0
        if rate_db_per_s < _ZIPPER_RATE_DB_PER_S:
            return self._faded(self._render(pitch, velocity, held, tuning, key_up=True))
        # A fast release (see _ZIPPER_RATE_DB_PER_S): keep the key down through it and apply the preset's own
        # release rate per sample instead of in tinysoundfont's 64-frame steps.
        release = int(-_TAIL_FLOOR_DB / rate_db_per_s * self.sample_rate) + 1
        audio = self._render(pitch, velocity, held + release, tuning, key_up=False)
        if audio.shape[0] > held:
            seconds = np.arange(audio.shape[0] - held, dtype=np.float32) / np.float32(self.sample_rate)
            audio[held:] *= np.power(np.float32(10.0), seconds * np.float32(-rate_db_per_s / 20.0))[:, None]
        return self._faded(audio)

    def release_rate_db_per_s(self) -> float:
        """How fast this preset's release falls (dB per second), measured once per preset and process: a note
        rendered with its key released, against the same note held, compared block by block."""
        key = (self.source.path, self.source.bank, self.source.preset, self.sample_rate)
        rate = _release_rates.get(key)
        if rate is None:
            rate = _release_rates[key] = self._measure_release()
        return rate

    def _measure_release(self) -> float:
        held = self.sample_rate // 4
        released = self._render(_PROBE_PITCH, _PROBE_VELOCITY, held, 0.0, key_up=True).mean(axis=1)
        span = min(released.shape[0] - held, self.sample_rate // 4) // _TSF_BLOCK * _TSF_BLOCK
        if span < 4 * _TSF_BLOCK:  # the voice ended before its key was released: nothing to measure
            return 0.0
        sustained = self._render(_PROBE_PITCH, _PROBE_VELOCITY, held + span, 0.0, key_up=False).mean(axis=1)
        if sustained.shape[0] < held + span:
            return 0.0
        x = released[held : held + span].reshape(-1, _TSF_BLOCK).astype(np.float64)
        y = sustained[held : held + span].reshape(-1, _TSF_BLOCK).astype(np.float64)
        energy = (y * y).sum(axis=1)
        usable = energy > 1e-9
        ratio = (x * y).sum(axis=1)[usable] / energy[usable]  # the release's gain in each block
        ratio = ratio[ratio > 1e-4]
        if ratio.shape[0] < 4:
            return 0.0
        blocks_s = np.flatnonzero(usable)[: ratio.shape[0]] * _TSF_BLOCK / self.sample_rate
        slope = np.polyfit(blocks_s, 20 * np.log10(ratio), 1)[0]
        return float(max(-slope, 0.0))

    def _render(self, pitch: int, velocity: int, held: int, tuning: float, *, key_up: bool) -> np.ndarray:
        """Interleaved frames of one note until its voice has ended: `held` frames of key down, then (key_up) the
        release; trailing silence removed."""
        buffer = np.empty((held + 4 * _BLOCK, 2), dtype=np.float32)  # interleaved, as tinysoundfont writes
        limit = held + int(_MAX_TAIL_S * self.sample_rate) if key_up else held
        with _lock:
            self._select(tuning)
            self.font.channel_note_on(_CHANNEL, int(pitch), max(1, min(127, int(velocity))) / 127.0)
            if held:
                self._render_into(buffer[:held])
                if key_up:
                    self.font.channel_note_off(_CHANNEL, int(pitch))
            end = held
            peak = _peak(buffer[:held]) if held else 0.0
            while end < limit:
                if end + _BLOCK > buffer.shape[0]:
                    grown = np.empty((2 * buffer.shape[0], 2), dtype=np.float32)
                    grown[:end] = buffer[:end]
                    buffer = grown
                block = buffer[end : end + _BLOCK]
                self._render_into(block)
                end += _BLOCK
                # tinysoundfont writes exact zeros once a voice has ended (or fallen under its floor);
                # a release still going 90 dB under the note's peak is inaudible: end it there (faded)
                loudest = _peak(block)
                peak = max(peak, loudest)
                if not block[-_QUIET_FRAMES:].any() or loudest < peak * _TAIL_FLOOR:
                    break
            self.font.channel_midi_control(_CHANNEL, 120, 0)  # all sound off: a quick release
            drain = np.empty((256, 2), dtype=np.float32)
            for _ in range(64):  # until the voice is gone: the next note must start from silence
                self._render_into(drain)
                if not drain.any():
                    break
        start = max(0, end - _BLOCK)
        sounding = np.flatnonzero(np.abs(buffer[start:end]).max(axis=1) >= _SILENT)
        if not sounding.size:  # the voice ended early (a sample that stops): look back through the whole note
            start = 0
            sounding = np.flatnonzero(np.abs(buffer[:end]).max(axis=1) >= _SILENT)
        return buffer[: start + int(sounding[-1]) + 1 if sounding.size else 1]

    def _faded(self, audio: np.ndarray) -> np.ndarray:
        end = audio.shape[0]
        fade = min(end, self.fade.shape[0])
        audio[end - fade :] *= self.fade[self.fade.shape[0] - fade :, None]
        return audio

    def _render_into(self, frames: np.ndarray) -> None:
        # numpy's stubs declare the buffer protocol (__buffer__) only for Python 3.12+
        self.font.render(memoryview(frames).cast("B"), False)  # type: ignore[arg-type]


def _peak(audio: np.ndarray) -> float:
    """Largest |sample| without an |audio| temporary."""
    return max(float(audio.max()), -float(audio.min()))


def held_frames(seconds: float, sample_rate: int, quantum_s: float = _OFF_QUANTUM_S) -> int:
    """A held length in frames, rounded so repeated notes share a render: to 5 ms up to 0.8 s, then to a
    step that doubles with each doubling of the length (at most 1/80 of it: 10 ms from 0.8 s, 20 ms from
    1.6 s), far under what a listener hears in when a sustained note lets go."""
    quantum = int(quantum_s * sample_rate)
    frames = seconds * sample_rate
    step = quantum
    while frames >= 80 * step * 2:
        step *= 2
    return max(quantum, round(frames / step) * step)


def _pedal_ups(instrument: pretty_midi.Instrument) -> list[tuple[float, float]]:
    """(down_s, up_s) spans of the sustain pedal."""
    spans, down = [], None
    for change in sorted(instrument.control_changes, key=lambda c: c.time):
        if change.number != _PEDAL:
            continue
        if change.value >= 64 and down is None:
            down = change.time
        elif change.value < 64 and down is not None:
            spans.append((down, change.time))
            down = None
    if down is not None:
        spans.append((down, math.inf))
    return spans


def note_ends(notes: list[pretty_midi.Note], instrument: pretty_midi.Instrument) -> list[float]:
    """When each note's key is really released: its note-off, held on by the sustain pedal until the pedal
    lifts, but never past the next strike of the same key."""
    spans = _pedal_ups(instrument)
    next_strike: dict[int, float] = {}
    ends = [0.0] * len(notes)
    for index in range(len(notes) - 1, -1, -1):
        note = notes[index]
        end = note.end
        for down, up in spans:
            if down <= end < up:
                end = up
                break
        later = next_strike.get(note.pitch)
        if later is not None and later > note.start:
            end = min(end, later)
        ends[index] = max(end, note.start)
        next_strike[note.pitch] = note.start
    return ends


def _velocity_weight(velocity: int) -> float:
    """Share of a note in the bright stem: full at 127, 0.86 at 115, a sixth at 40 (soft notes darker)."""
    return min(1.0, max(0.0, (int(velocity) - 1) / 126.0)) ** 1.5


def _bucket(velocity: int) -> int:
    """The velocity a note is rendered at: the middle of its _VELOCITY_STEP-wide bucket (1..127)."""
    velocity = max(1, min(127, int(velocity)))
    return min(127, (velocity - 1) // _VELOCITY_STEP * _VELOCITY_STEP + _VELOCITY_STEP // 2)


def _add(out: np.ndarray, note: np.ndarray, onset: int, gain: float) -> None:
    """out[:, onset:] += gain * note for a planar (2, frames) note and a (2, n) stem, in place (one BLAS
    axpy per channel, no temporary)."""
    length = min(note.shape[1], out.shape[1] - onset)
    if length > 0 and gain != 0.0:  # slices, not saxpy's offx/offy: those take a slow path in scipy
        saxpy(note[0, :length], out[0, onset : onset + length], a=gain)
        saxpy(note[1, :length], out[1, onset : onset + length], a=gain)


def _planar(audio: np.ndarray) -> np.ndarray:
    """A (2, frames) contiguous copy of an interleaved (frames, 2) render."""
    return np.ascontiguousarray(audio.T)


def _one_pole_sos(corner_hz: float, sample_rate: int) -> np.ndarray:
    """A 6 dB/octave low-pass as one second-order section."""
    pole = math.exp(-2 * math.pi * corner_hz / sample_rate)
    return np.array([[1 - pole, 0.0, 0.0, 1.0, -pole, 0.0]])


def _one_pole(audio: np.ndarray, corner_hz: float, sample_rate: int) -> np.ndarray:
    """A planar note through a 6 dB/octave low-pass (a new array; the compiled in-place SOS kernel)."""
    return sosfilt_blocks(_one_pole_sos(corner_hz, sample_rate), audio)


def render_pitched(
    instrument: pretty_midi.Instrument,
    source: Source,
    n: int,
    sample_rate: int,
    *,
    part: str,
    gain: float,
    tone: np.ndarray | None = None,
) -> np.ndarray:
    """The (2, n) stem of a pitched part played from `source`, filtered by `tone` (an SOS cascade) when
    given.

    A note is rendered once per (pitch, velocity bucket, held length) together with its low-passed copy;
    each note then adds the two in the mix its exact velocity asks for (level in proportion to the
    velocity, as tinysoundfont's own gain is; brightness by _velocity_weight), so repeats at other
    velocities still differ in level and tone at the cost of two additions. A render is dropped after
    the last note that uses it. The filters (soft copy, `tone`) run on each render where the renders are
    shorter in all than the stem, else on the stem (linear filters: the same sound either way)."""
    player = Player(source, sample_rate)
    notes = sorted(instrument.notes, key=lambda note: (note.start, note.pitch))
    ends = note_ends(notes, instrument)
    quantum = int(_OFF_QUANTUM_S * sample_rate)
    plan = []  # (onset, velocity, key) per note that starts inside the track
    for note, end in zip(notes, ends, strict=True):
        onset = round(note.start * sample_rate)
        if onset < n:
            held = min(held_frames(end - note.start, sample_rate), n - onset + quantum)
            plan.append((onset, max(1, min(127, int(note.velocity))), (note.pitch, _bucket(note.velocity), held)))
    last_use = {key: index for index, (_, _, key) in enumerate(plan)}
    # Filters cost about the same per sample whatever their order: run them where there are fewer
    # samples. On each render (the soft copy, and the tone) when the renders are shorter in all than the
    # stem (a release rings about half a second on average: a rough measure of what is to come), else
    # on the stem: the notes' bright and soft shares go into two stems, the soft one low-passed once.
    per_note = sum(key[2] for key in last_use) + sample_rate // 2 * len(last_use) < n
    corner_hz = _DARK_HZ.get(part, 700.0)
    stem = zeros_prefaulted((2, n))
    soft_stem = stem if per_note else zeros_prefaulted((2, n))
    cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
    for index, (onset, velocity, key) in enumerate(plan):
        pitch, rendered_at, held = key
        pair = cache.get(key)
        if pair is None:
            audio = _planar(player.note(pitch, rendered_at, held))
            if per_note and tone is not None:
                sosfilt_blocks(tone, audio, out=audio)
            pair = cache[key] = (audio, _one_pole(audio, corner_hz, sample_rate) if per_note else audio)
        level = gain * velocity / rendered_at
        weight = _velocity_weight(velocity)
        _add(stem, pair[0], onset, level * weight)
        _add(soft_stem, pair[1], onset, level * (1 - weight))
        if last_use[key] == index:
            del cache[key]
    if not per_note:
        sosfilt_blocks(_one_pole_sos(corner_hz, sample_rate), soft_stem, out=soft_stem)
        for first, last in blocks(n):
            stem[:, first:last] += soft_stem[:, first:last]
        del soft_stem
        if tone is not None:
            sosfilt_blocks(tone, stem, out=stem)
    return stem


def render_drums(
    instrument: pretty_midi.Instrument,
    source: Source,
    n: int,
    sample_rate: int,
    *,
    gain: float,
    seed: int = 0,
    tone: np.ndarray | None = None,
) -> np.ndarray:
    """The (2, n) stem of a drum part played from `source`: each hit rings out fully (an open hat is
    choked by the next closed or pedal hat), consecutive hits of one piece are different variants (where
    each piece's rotation starts comes from the seed).

    A hit is rendered once per (piece, velocity bucket, variant) with its top band (above 2.5 kHz) split
    off; each hit adds them at its exact velocity's level and brightness. `tone` (an SOS cascade) runs on
    each rendered hit (a linear filter: the same sound as on the stem, and a kit has few distinct hits)."""
    player = Player(source, sample_rate)
    hits = sorted((round(note.start * sample_rate), note.pitch, int(note.velocity)) for note in instrument.notes)
    hat_onsets = np.array([h[0] for h in hits if h[1] in (42, 44, 46)], dtype=np.int64)
    out = zeros_prefaulted((2, n))
    starts = np.random.default_rng([int(seed), 8191]).integers(0, _DRUM_VARIANTS, 128)
    strikes: dict[int, int] = defaultdict(int)
    cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
    choke = int(0.012 * sample_rate)
    for onset, pitch, velocity in hits:
        if onset >= n:
            continue
        velocity = max(1, min(127, velocity))
        variant = int(starts[pitch] + strikes[pitch]) % _DRUM_VARIANTS
        strikes[pitch] += 1
        step, _tuning, _offset, tilt = _VARIANTS[variant]
        struck = max(1, min(127, velocity + step))
        rendered_at = _bucket(struck)
        key = (pitch, rendered_at, variant)
        pair = cache.get(key)
        if pair is None:
            pair = cache[key] = _drum_hit(player, pitch, rendered_at, variant, sample_rate, tone)
        audio, top = pair
        if pitch == 46:
            later = hat_onsets[hat_onsets > onset]
            if later.size and later[0] - onset < audio.shape[1]:
                length = int(later[0] - onset)
                fade = min(choke, length)
                ramp = np.linspace(1.0, 0.0, fade, dtype=np.float32)
                audio, top = audio[:, :length].copy(), top[:, :length].copy()
                audio[:, length - fade :] *= ramp
                top[:, length - fade :] *= ramp
        # Velocity and the variant tilt the tone: soft hits lose top, each variant sits a little apart.
        brightness = tilt + 0.35 * (velocity / 127.0 - 0.75)
        level = gain * struck / rendered_at
        _add(out, audio, onset, level)
        _add(out, top, onset, level * brightness)
    return out


def _drum_hit(
    player: Player, pitch: int, velocity: int, variant: int, sample_rate: int, tone: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(hit, its band above 2.5 kHz) of one drum variant, planar (2, frames)."""
    _step, tuning, offset, _tilt = _VARIANTS[variant]
    audio = player.note(pitch, velocity, None, tuning=tuning)
    audio = _planar(audio[offset:] if audio.shape[0] > offset + 16 else audio)
    if tone is not None:
        sosfilt_blocks(tone, audio, out=audio)
    top = _one_pole(audio, 2500.0, sample_rate)
    np.subtract(audio, top, out=top)
    return audio, top


def reference_level_db(source: Source, part: str, sample_rate: int) -> float:
    """RMS (dBFS) of the voice's reference sound: what stems.py levels the voice by, so any SoundFont, the
    label's own included, sits in the mix where the built-in voice for that part would."""
    return _reference_level_db(source, part, sample_rate)


@lru_cache(maxsize=64)
def _reference_level_db(source: Source, part: str, sample_rate: int) -> float:
    player = Player(source, sample_rate)
    if part in ("drums", "perc"):
        pitches = (36, 38, 42) if part == "drums" else (37, 54, 70)
        sounds = [player.note(p, 100, None) for p in pitches]
        sounds = [s[: sample_rate // 2] for s in sounds if s.shape[0] > 16]
    else:
        pitch = 40 if part == "bass" else 60
        sounds = [player.note(pitch, 100, sample_rate)[:sample_rate]]
    energies = [float(np.mean(np.square(s, dtype=np.float64))) for s in sounds if s.size]
    level = max(energies) if energies else 0.0
    return 10 * math.log10(level) if level > 0 else -120.0


def gain_for(source: Source, part: str, sample_rate: int, target_db: float) -> float:
    """Linear gain that brings the voice's reference sound to `target_db` (plus the voice's trim)."""
    return db_to_gain(target_db - reference_level_db(source, part, sample_rate) + source.gain_db)
