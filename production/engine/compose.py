"""Compose a LoFi track from a brief: form, harmony, and every part as a pretty_midi score.

Same brief (including seed) and preset give an identical score. Every part draws from its own random
stream derived from the seed, so switching a layer off leaves the other parts unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pretty_midi

from .arrangement import (
    HARMONY_PARTS,
    VOICE_FAMILY,
    ArrangementEvent,
    ChordSpan,
    Context,
    NoteEvent,
    Section,
    Timeline,
    keys_voicings,
    plan_harmony,
)
from .brief import PARTS, Brief, Key
from .comping import keys, pad, piano, pluck, section_pattern
from .form import Form, plan_form
from .groove import KICK, drums, perc
from .instruments import DRUM_PARTS, choose, palette
from .instruments import VOICES as LIBRARY
from .lines import bass
from .melody import melody, plan_hook
from .moods import Mood, mood_profile
from .styles import StylePreset
from .theory import Chord

# General MIDI programs, so the score also renders through a SoundFont.
GM_PROGRAMS = {
    "epiano": 4,
    "piano": 0,
    "upright_bass": 32,
    "sub_bass": 38,
    "pad": 89,
    "guitar": 24,
    "koto": 107,
    "lead": 73,
    "vibes": 11,
    "kit": 0,
}


@dataclass
class Score:
    """The composed track. `midi` holds one Instrument per playing part, named after the part."""

    midi: pretty_midi.PrettyMIDI
    sections: tuple[Section, ...]
    chords: tuple[ChordSpan, ...]
    kick_times_s: np.ndarray
    approach_notes: dict[str, tuple[tuple[float, int], ...]]  # part -> (onset_s, pitch) of approach notes
    voices: dict[str, str]  # part -> voice id the seed chose from the style's palette (instruments.VOICES)
    kit: str
    style: str
    key: Key
    key_mode: str  # harmony mode actually used (e.g. "dorian" for a minor key in the jazz style)
    bpm: float
    swing: float
    swing_unit: int
    duration_s: float
    total_bars: int
    keys_voicings: tuple[tuple[int, ...], ...] = field(default_factory=tuple)  # per chord span
    # Effects the arrangement asks the mix for (filter sweeps, tape stops; dropouts are already left out).
    events: tuple[ArrangementEvent, ...] = ()
    # part -> one flag per bar: does the part play in that bar (the arrangement grid seeds are compared on)
    part_bars: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    form: Form | None = None  # the arrangement plan (form.Form): treatments, levels, drum modes per bar

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(inst.name for inst in self.midi.instruments)

    def part(self, name: str) -> pretty_midi.Instrument | None:
        return next((inst for inst in self.midi.instruments if inst.name == name), None)

    @property
    def bar_chords(self) -> list[list[Chord]]:
        """Chords of every bar (one or two per bar)."""
        bars: list[list[Chord]] = [[] for _ in range(self.total_bars)]
        for span in self.chords:
            bars[span.bar].append(span.chord)
        return bars

    def chord_at(self, time_s: float) -> ChordSpan:
        """The chord span sounding at `time_s` (the last one after the end)."""
        for span in self.chords:
            if span.start_s <= time_s < span.end_s:
                return span
        return self.chords[-1] if time_s >= self.chords[-1].start_s else self.chords[0]


def _pentatonic(preset: StylePreset, mode: str) -> str | None:
    if preset.melody_scale == "pentatonic":
        return "major_pentatonic" if mode == "major" else "minor_pentatonic"
    if preset.melody_scale == "yo_in":
        return "yo" if mode == "major" else "in"
    return None


_Generator = Callable[[Context, np.random.Generator], object]
_GENERATORS: dict[str, _Generator] = {
    "drums": drums,
    "perc": perc,
    "bass": bass,
    "keys": keys,
    "piano": piano,
    "pad": pad,
    "pluck": pluck,
    "melody": melody,
}


def compose(brief: Brief, preset: StylePreset) -> Score:
    """Compose the track the brief asks for with the given style preset.

    Guarantees: parts are the preset's parts minus those switched off in `brief.layers`; no note starts
    after `brief.duration_s`; chords and pitched notes come from the chord scales (chromatic notes are
    listed in `approach_notes`); identical input gives an identical score. The brief's mood leans the
    preset (moods.Mood.preset), the choice of progressions and every note's velocity its way.
    """
    mood = mood_profile(brief.mood)
    preset = mood.preset(preset)
    timeline = Timeline(bpm=brief.bpm, swing=preset.swing, swing_unit=preset.swing_unit)
    total_bars = max(1, round(brief.duration_s / timeline.bar_s))
    playing = [p for p in PARTS if p in preset.parts and brief.layer_on(p)]
    main_harmony = next((p for p in HARMONY_PARTS if p in playing), None)
    form = plan_form(
        total_bars,
        timeline,
        np.random.default_rng([brief.seed, 100, zlib.crc32(preset.name.encode())]),  # styles differ too
        main_harmony=main_harmony,
        comping=tuple(p for p in HARMONY_PARTS if p in playing and p != "pad"),
        style_parts=tuple(preset.parts),
    )
    sections = list(form.sections)
    key_mode = "ionian" if brief.key.mode == "major" else preset.minor_mode
    form_rng = np.random.default_rng([brief.seed, 0])
    spans, bar_spans = plan_harmony(brief, preset, sections, timeline, form_rng, key_mode, mood=mood)
    ctx = Context(
        brief=brief,
        preset=preset,
        timeline=timeline,
        sections=sections,
        spans=spans,
        bar_spans=bar_spans,
        total_bars=total_bars,
        duration_s=brief.duration_s,
        tonic_pc=brief.key.pitch_class,
        key_mode=key_mode,
        pentatonic=_pentatonic(preset, brief.key.mode),
        main_harmony=main_harmony,
        register_shift=mood.register,
        form=form,
    )
    # one voice per part from the style's palette, drawn from the seed (instruments.choose)
    ctx.voices = {part: choose(preset.name, part, brief.seed, preset.palette) for part in playing}
    _distinct_lead(ctx, preset)
    ctx.voicings = keys_voicings(ctx)
    ctx.hook = plan_hook(ctx, np.random.default_rng([brief.seed, 200]))

    midi = pretty_midi.PrettyMIDI(initial_tempo=float(brief.bpm))
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    key_number = brief.key.pitch_class + (12 if brief.key.mode == "minor" else 0)
    midi.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0.0))
    approaches: dict[str, tuple[tuple[float, int], ...]] = {}
    voices: dict[str, str] = {}
    for part in playing:
        rng = np.random.default_rng([brief.seed, 1 + PARTS.index(part)])
        result = _GENERATORS[part](ctx, rng)
        if isinstance(result, tuple):
            events, approaches[part] = result
        else:
            events = result
        voice = ctx.voices[part]
        voices[part] = voice
        instrument = pretty_midi.Instrument(
            program=_gm_program(voice, preset.instruments[part]), is_drum=part in DRUM_PARTS, name=part
        )
        instrument.notes = [_midi_note(e, mood) for e in events]
        if part in PEDAL_PARTS and ctx.family(part) in ("piano", "epiano"):
            instrument.control_changes = _sustain_pedal(ctx, part)
        midi.instruments.append(instrument)
    drum_part = next((inst for inst in midi.instruments if inst.name == "drums"), None)
    kicks = sorted(n.start for n in drum_part.notes if n.pitch == KICK) if drum_part else []
    return Score(
        midi=midi,
        sections=tuple(sections),
        chords=tuple(spans),
        kick_times_s=np.asarray(kicks, dtype=np.float64),
        approach_notes=approaches,
        voices=voices,
        kit=preset.kit,
        style=preset.name,
        key=brief.key,
        key_mode=key_mode,
        bpm=float(brief.bpm),
        swing=preset.swing,
        swing_unit=preset.swing_unit,
        duration_s=float(brief.duration_s),
        total_bars=total_bars,
        keys_voicings=tuple(ctx.voicings[i] for i in range(len(spans))),
        part_bars=part_bar_grid(midi, total_bars, timeline.bar_s),
        events=_playing_events(form.events, playing),
        form=form,
    )


def part_bar_grid(midi: pretty_midi.PrettyMIDI, total_bars: int, bar_s: float) -> dict[str, tuple[bool, ...]]:
    """part -> for every bar, whether the part sounds in it (a note sounding at least 50 ms inside the bar)."""
    grid = {}
    for instrument in midi.instruments:
        cells = np.zeros(total_bars, dtype=bool)
        for note in instrument.notes:
            # a hit humanised a few ms ahead of a bar line belongs to the bar it was written in
            first = int((note.start + 0.05) // bar_s)
            last = max(int((note.end - 0.05) // bar_s), first)
            cells[max(first, 0) : min(last, total_bars - 1) + 1] = True
        grid[instrument.name] = tuple(bool(c) for c in cells)
    return grid


def _playing_events(events: tuple[ArrangementEvent, ...], playing: list[str]) -> tuple[ArrangementEvent, ...]:
    """The form's events about the parts that play (a dropout of a part the style has not got is none)."""
    kept = []
    for event in events:
        if event.kind == "dropout":
            parts = tuple(p for p in event.parts if p in playing)
            if not parts:
                continue
            event = ArrangementEvent(event.kind, event.start_s, event.end_s, parts, event.direction)
        kept.append(event)
    return tuple(kept)


def _distinct_lead(ctx: Context, preset: StylePreset) -> None:
    """The melody never doubles a comping part's voice or, where its palette allows, its instrument family
    (an electric-piano lead over electric-piano chords is one blurred sound): it takes the next voice of
    its palette that stands apart."""
    lead = ctx.voices.get("melody")
    taken = {ctx.voices[p] for p in HARMONY_PARTS if p in ctx.voices}
    families = {VOICE_FAMILY.get(v, v) for v in taken}
    if lead is None or (lead not in taken and VOICE_FAMILY.get(lead, lead) not in families):
        return
    choices = palette(preset.name, "melody", preset.palette)
    start = choices.index(lead) if lead in choices else 0
    others = [choices[(start + k) % len(choices)] for k in range(1, len(choices))]
    # another family if the palette has one (a vibraphone over the electric piano), else another voice
    for candidate in sorted(others, key=lambda v: (VOICE_FAMILY.get(v, v) in families, v in taken)):
        if candidate not in taken:
            ctx.voices["melody"] = candidate
            return


PEDAL_PARTS = ("keys", "piano")  # the comping parts a pianist pedals


def _sustain_pedal(ctx: Context, part: str) -> list[pretty_midi.ControlChange]:
    """Legato (syncopated) pedalling (CC64) for a piano part: the pedal comes up as the next chord is struck
    and goes down again just after it, so the harmony rings, chords never smear into each other and the old
    chord's release falls under the new chord's attack."""
    changes: list[pretty_midi.ControlChange] = []
    down = False
    for span in ctx.spans:
        plays = ctx.part_level(part, span.bar) > 0
        if part == "piano" and section_pattern(ctx, ctx.preset.piano_patterns, span.bar) == "stabs":
            plays = False  # stabs are short on purpose
        if down:
            changes.append(pretty_midi.ControlChange(64, 0, float(span.start_s) + 0.002))
            down = False
        if plays and span.start_s < ctx.duration_s - 0.1:
            changes.append(pretty_midi.ControlChange(64, 100, float(span.start_s) + 0.06))
            down = True
    if down:
        changes.append(pretty_midi.ControlChange(64, 0, float(ctx.duration_s) - 0.02))
    return changes


def _gm_program(voice: str, builtin: str) -> int:
    """The General MIDI program of a voice, so the score file also plays in any GM SoundFont player."""
    if voice in LIBRARY:
        return LIBRARY[voice].gm[1]
    if voice.startswith("label:"):
        return int(voice.rsplit(":", 1)[1]) % 128
    return GM_PROGRAMS.get(builtin, 0)


def _midi_note(event: NoteEvent, mood: Mood) -> pretty_midi.Note:
    return pretty_midi.Note(
        velocity=mood.scale_velocity(int(event.velocity)),
        pitch=int(event.pitch),
        start=float(event.start_s),
        end=float(event.end_s),
    )
