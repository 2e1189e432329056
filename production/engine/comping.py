"""Harmony parts: electric piano comping, piano stabs / broken chords, pads, and plucked arpeggios or
finger-picking. All of them play voice-led voicings of the chord spans."""

from __future__ import annotations

import dataclasses

import numpy as np

from .arrangement import Context, NoteEvent, clamp
from .theory import chord_scale_for_melody, voice_chord

_COMP_CELLS = (
    ((0, 4), (6, 2), (10, 4)),
    ((2, 4), (10, 6)),
    ((0, 6), (14, 2)),
    ((3, 3), (8, 4), (14, 2)),
    ((0, 2), (6, 4), (12, 4)),
)
_STAB_CELLS = (((6, 1),), ((14, 1),), ((3, 1), (10, 2)), ((6, 1), (14, 1)), ((0, 2), (10, 1)))


class _Player:
    def __init__(self, ctx: Context, rng: np.random.Generator) -> None:
        self.ctx, self.rng = ctx, rng
        self.late_s = ctx.preset.humanize_ms / 1000.0
        self.events: list[NoteEvent] = []

    def chord(
        self,
        bar: int,
        step: float,
        dur: float,
        pitches,
        velocity: float,
        *,
        strum_ms: float = 8.0,
        hold_to_end: bool = False,
    ) -> None:
        """Strike `pitches` bottom-up with a small strum; each note is humanised late, never early."""
        tl = self.ctx.timeline
        onset = tl.time(bar, step) + float(self.rng.uniform(0, self.late_s))
        end = self.ctx.duration_s if hold_to_end else tl.time(bar, step + dur) - 0.03
        spread = float(self.rng.uniform(0.4, 1.0)) * strum_ms / 1000.0
        top = max(pitches)
        touch = velocity + dynamics(self.ctx, bar, step) + self.rng.normal(0, 6)  # one hand, one weight
        for j, pitch in enumerate(sorted(pitches)):
            start = onset + j * spread
            # the top voice sings over the others, the inner voices sit back
            vel = touch + (8 if pitch == top else -4 if j else 0) + self.rng.normal(0, 3)
            self.note(start, max(end, start + 0.05), pitch, vel)

    def answer(self, bar: int, span_index: int, velocity: float) -> bool:
        """A short reply in the melody's rest: two or three notes of the voicing's upper voices from beat 3,
        when the melody plays this bar and has stopped by then. Returns whether it played."""
        hook = self.ctx.hook
        if hook is None or hook.bars[bar] is None or hook.rest_from(bar) > 10:
            return False
        span = self.ctx.spans[span_index]
        if span.end_step <= 10 or span.start_step > 10:
            return False
        voicing = sorted(self.ctx.voicings[span_index])
        upper = voicing[-3:] if len(voicing) >= 3 else voicing
        figure = [upper[-1], upper[-2], upper[-1]] if self.rng.random() < 0.5 else [upper[0], upper[1], upper[-1]]
        steps = (10, 12, 14) if span.end_step >= 16 else (10, 12)
        tl = self.ctx.timeline
        for step, pitch in zip(steps, figure, strict=False):
            start = tl.time(bar, step) + float(self.rng.uniform(0, self.late_s))
            end = tl.time(bar, step + 2) - 0.02
            self.note(start, end, pitch + 12 if pitch < 64 else pitch, velocity + self.rng.normal(0, 6))
        return True

    def note(self, start: float, end: float, pitch: int, velocity: float) -> None:
        if start < self.ctx.duration_s - 0.05:
            self.events.append(
                NoteEvent(start, min(end, self.ctx.duration_s), int(pitch), int(clamp(round(velocity), 1, 127)))
            )

    def sorted_events(self) -> list[NoteEvent]:
        return sorted(self.events, key=lambda e: (e.start_s, e.pitch))


def dynamics(ctx: Context, bar: int, step: float) -> float:
    """Velocity offset of a comping hit: a player leans on the downbeat and pulls back off the beat,
    swells through a four-bar loop and plays each section at its own level."""
    section, i = ctx.section_of(bar)
    offset = {"intro": -5, "A": 0, "B": 4, "A'": 3, "outro": -6}.get(section.name, 0)
    if section.treatment in ("breakdown", "keys", "pickup"):
        offset -= 5
    offset += (0, 3, 6, -3)[i % 4]
    step = step % 16
    offset += 6 if step == 0 else 2 if step == 8 else -4 if step % 4 else 0
    return float(offset)


def _cells(ctx: Context, rng: np.random.Generator, bar: int, start_step: int, choices: tuple, cache: dict) -> tuple:
    """The comping cell of a chord: chosen once per section and place in the loop, so the figure returns
    with the loop like a player's (a new section may get a new one)."""
    section, i = ctx.section_of(bar)
    key = (section.name, i % 4, start_step)
    if key not in cache:
        cache[key] = choices[int(rng.integers(len(choices)))]
    return cache[key]


def section_pattern(ctx: Context, patterns: tuple[str, ...], bar: int) -> str:
    section, _ = ctx.section_of(bar)
    index = {"intro": 0, "A": 0, "B": 1, "A'": 2, "outro": 0}.get(section.name, 0)
    return patterns[index % len(patterns)]


def keys(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Electric piano: held chords, Charleston figures or comping cells, swells in light passages; as the
    main harmony it answers the melody in its rests."""
    player = _Player(ctx, rng)
    cells_of: dict = {}
    last = len(ctx.spans) - 1
    for index, span in enumerate(ctx.spans):
        level = ctx.part_level("keys", span.bar)
        if level == 0:
            continue
        voicing = ctx.voicings[index]
        length = span.end_step - span.start_step
        pattern = section_pattern(ctx, ctx.preset.keys_patterns, span.bar) if level == 2 else "swells"
        if index == last:
            player.chord(span.bar, span.start_step, length, voicing, 54, strum_ms=25, hold_to_end=True)
            continue
        if pattern in ("sustain", "swells"):
            velocity = 60 if pattern == "sustain" else 48
            player.chord(
                span.bar, span.start_step, length, voicing, velocity, strum_ms=10 if pattern == "sustain" else 45
            )
            if ctx.main_harmony == "keys":
                player.answer(span.bar, index, velocity + 4)
            continue
        cells = (
            ((0, 3), (6, 10))
            if pattern == "charleston"
            else _cells(ctx, rng, span.bar, span.start_step, _COMP_CELLS, cells_of)
        )
        replied = ctx.main_harmony == "keys" and player.answer(span.bar, index, 58)
        for step, dur in cells:
            if step >= length or (replied and span.start_step + step >= 10):
                continue
            player.chord(span.bar, span.start_step + step, min(dur, length - step), voicing, 64 if step == 0 else 56)
    return player.sorted_events()


def piano(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Piano: short syncopated stabs, broken (arpeggiated, pedalled) chords, or block chords; as the main
    harmony it answers the melody in its rests."""
    player = _Player(ctx, rng)
    cells_of: dict = {}
    last = len(ctx.spans) - 1
    for index, span in enumerate(ctx.spans):
        level = ctx.part_level("piano", span.bar)
        if level == 0:
            continue
        voicing = ctx.voicings[index]
        up = tuple(p + 12 for p in voicing) if max(voicing) <= 72 else voicing
        length = span.end_step - span.start_step
        bar, s0 = span.bar, span.start_step
        pattern = section_pattern(ctx, ctx.preset.piano_patterns, span.bar) if level == 2 else "block"
        if index == last:
            player.chord(bar, s0, length, voicing, 56, strum_ms=30, hold_to_end=True)
        elif pattern == "stabs":
            if ctx.main_harmony == "piano":
                player.answer(bar, index, 62)
            for step, dur in _cells(ctx, rng, bar, s0, _STAB_CELLS, cells_of):
                if step < length:
                    player.chord(bar, s0 + step, dur, up, 66, strum_ms=4)
        elif pattern == "broken":
            low_root = min(p for p in range(43, 56) if p % 12 == span.chord.root_pc)
            sequence = [low_root, *voicing, voicing[-2]] if len(voicing) > 2 else [low_root, *voicing]
            tl = ctx.timeline
            end = tl.time(bar, s0 + length) - 0.02
            for j, pitch in enumerate(sequence):
                step = s0 + 2 * j
                if step >= s0 + length:
                    break
                start = tl.time(bar, step) + float(rng.uniform(0, player.late_s))
                player.note(start, end, pitch, 60 + (6 if j == 0 else 0) + rng.normal(0, 4))
        else:  # block
            if ctx.main_harmony == "piano":
                player.answer(bar, index, 60)
            for step in range(0, length, 8):
                player.chord(bar, s0 + step, min(6, length - step), voicing, 58 if step else 64)
    return player.sorted_events()


def pad(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Pad: wide voice-led chords; tones common to consecutive chords are tied over instead of re-struck."""
    player = _Player(ctx, rng)
    previous = None
    open_notes: dict[int, list] = {}  # pitch -> [start, end, velocity]
    for index, span in enumerate(ctx.spans):
        level = ctx.part_level("pad", span.bar)
        if level == 0:
            for pitch, (start, end, vel) in open_notes.items():
                player.note(start, end, pitch, vel)
            open_notes, previous = {}, None
            continue
        home = span.chord.root_pc == ctx.tonic_pc
        if home:
            # a pad holds the home chord long and loud: plain (root, third, fifth, seventh) over its root,
            # the root doubled above. Its ninth would make Gm9 a Bbmaj7 over G and Gbmaj9 a Bbm7 over Gb,
            # and a listener would hear the relative key
            plain = dataclasses.replace(span.chord, intervals=span.chord.intervals[:4])
            voicing = voice_chord(
                plain, previous=previous, size=4, low=45, high=79, rootless=False, max_span=28, root_lowest=True
            )
            if voicing[0] % 12 == plain.root_pc and voicing[0] + 12 <= 79 and voicing[0] + 12 not in voicing:
                voicing = tuple(sorted((*voicing, voicing[0] + 12)))
        else:
            voicing = voice_chord(span.chord, previous=previous, size=5, low=45, high=79, rootless=False, max_span=28)
        previous = voicing
        end = ctx.duration_s if index == len(ctx.spans) - 1 else span.end_s + 0.02
        velocity = 52 if level == 2 else 42
        for pitch in list(open_notes):
            if pitch not in voicing:
                start, old_end, vel = open_notes.pop(pitch)
                player.note(start, old_end, pitch, vel)
        for pitch in voicing:
            if pitch in open_notes:
                open_notes[pitch][1] = end
            else:
                open_notes[pitch] = [span.start_s + float(rng.uniform(0, 0.03)), end, velocity + rng.normal(0, 3)]
    for pitch, (start, end, vel) in open_notes.items():
        player.note(start, end, pitch, vel)
    return player.sorted_events()


def pluck(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Plucked strings: arpeggios (up, up-down), finger-picking (thumb on the beat, fingers between),
    or koto figures on the pentatonic chord tones."""
    player = _Player(ctx, rng)
    tl = ctx.timeline
    for index, span in enumerate(ctx.spans):
        level = ctx.part_level("pluck", span.bar)
        if level == 0:
            continue
        voicing = ctx.voicings[index]
        high = tuple(p + 12 if p < 58 else p for p in voicing)
        length = span.end_step - span.start_step
        bar, s0 = span.bar, span.start_step
        pattern = section_pattern(ctx, ctx.preset.pluck_patterns, span.bar)
        limit = length if level == 2 else min(length, 8)
        hits: list[tuple[int, int, int, float]] = []  # step, pitch, ring steps, velocity
        if pattern in ("arp_up", "arp_updown"):
            order = sorted(high)
            if pattern == "arp_updown":
                order = order + order[-2:0:-1]
            for j, step in enumerate(range(0, limit, 2)):
                hits.append((step, order[j % len(order)], 4, 58 + (8 if step % 4 == 0 else 0)))
        elif pattern == "fingerpick":
            root = min(p for p in range(40, 53) if p % 12 == span.chord.root_pc)
            fifth = root + next((i for i in span.chord.intervals if i in (6, 7, 8)), 7)
            upper = sorted(high)[-2:]
            for step in range(0, limit, 4):
                hits.append((step, root if step % 8 == 0 else fifth, 7, 68))
                hits.append((step + 2, upper[(step // 4) % len(upper)], 3, 56))
        else:  # koto_arp
            pcs = set(chord_scale_for_melody(span.chord, tonic_pc=ctx.tonic_pc, pentatonic=ctx.pentatonic))
            tones = [p for p in range(62, 87) if p % 12 in span.chord.pitch_classes and p % 12 in pcs]
            tones = tones or [p for p in range(62, 87) if p % 12 in span.chord.pitch_classes]
            first = int(rng.integers(0, max(1, len(tones) - 4)))
            figure = tones[first : first + 4]
            for j, pitch in enumerate(figure[:3]):
                hits.append((j, pitch, 3, 70 + 4 * j))
            hits.append((4, figure[-1], 4, 80))
            if limit > 8:
                for j, pitch in enumerate(reversed(figure[:3])):
                    hits.append((8 + j, pitch, 3, 66))
                hits.append((12, figure[0], 4, 72))
        for step, pitch, ring, velocity in hits:
            if step >= limit:
                continue
            start = tl.time(bar, s0 + step) + float(rng.uniform(0, player.late_s))
            end = tl.time(bar, s0 + min(step + ring, length)) - 0.01
            player.note(start, max(end, start + 0.08), pitch, velocity - (10 if level == 1 else 0) + rng.normal(0, 4))
    return player.sorted_events()
