"""The bass line (root-following, walking, syncopated, sub) and the helpers single lines share (the
melody lives in melody.py).

Chromatic notes appear only as approach notes: a note one semitone from the next note of the same part,
which is a chord-scale tone. Every approach note is returned so callers (and tests) can tell intended
approaches from mistakes; a planned approach whose resolution did not happen is turned into a chord tone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrangement import STEPS_PER_BAR, ChordSpan, Context, NoteEvent, clamp
from .theory import chord_scale_for_melody

BASS_REGISTER = {"upright_bass": (33, 52, 40), "sub_bass": (28, 45, 35)}  # low, high, centre


@dataclass
class _Planned:
    start_s: float
    end_s: float
    pitch: int
    velocity: int
    approach: bool = False


def _nearest(pitches: list[int], target: float) -> int:
    return min(pitches, key=lambda p: (abs(p - target), p))


def _in_register(pcs, low: int, high: int) -> list[int]:
    pcs = set(pcs)
    return [p for p in range(low, high + 1) if p % 12 in pcs]


def _settle_approaches(
    ctx: Context, notes: list[_Planned], low: int, high: int, *, scale_of
) -> tuple[list[NoteEvent], tuple[tuple[float, int], ...]]:
    """Keep an approach only if the next note is a semitone away and in its chord scale; otherwise
    turn it into the nearest chord tone. Returns the events and the kept approaches."""
    notes.sort(key=lambda n: n.start_s)
    kept = []
    for index, note in enumerate(notes):
        if not note.approach:
            continue
        nxt = notes[index + 1] if index + 1 < len(notes) else None
        resolves = (
            nxt is not None
            and abs(nxt.pitch - note.pitch) == 1
            and nxt.pitch % 12 in scale_of(nxt.start_s)
            and nxt.start_s - note.end_s < 0.25
        )
        if resolves:
            kept.append((note.start_s, note.pitch))
        else:
            note.approach = False
            span = ctx.span_at(*_bar_step(ctx, note.start_s))
            note.pitch = _nearest(_in_register(span.chord.pitch_classes, low, high) or [note.pitch], note.pitch)
    events = [NoteEvent(n.start_s, n.end_s, n.pitch, n.velocity) for n in notes]
    return events, tuple(kept)


def _bar_step(ctx: Context, time_s: float) -> tuple[int, float]:
    """The grid position of a time (bar, step) that `span_at` understands; humanised onsets are late,
    never early, so flooring to the sixteenth finds the chord the note was written for."""
    bar = int(time_s // ctx.timeline.bar_s)
    bar = min(bar, ctx.total_bars - 1)
    best = 0
    for step in range(STEPS_PER_BAR):
        if ctx.timeline.time(bar, step) <= time_s + 1e-9:
            best = step
    return bar, best


def _scale_lookup(ctx: Context, pentatonic: str | None):
    def scale_of(time_s: float) -> tuple[int, ...]:
        span = ctx.span_at(*_bar_step(ctx, time_s))
        return chord_scale_for_melody(span.chord, tonic_pc=ctx.tonic_pc, pentatonic=pentatonic)

    return scale_of


# ----------------------------------------------------------------------------------------------- bass


def _phrase_bass_pc(ctx: Context, span: ChordSpan) -> int:
    """The bass note a chord stands on: its root, except where a phrase begins (the first chord of every
    four bars of a section) and the tonic belongs to the chord (IV/I, ii7/I, vi/I, bVII9/I...): there the
    bass holds the tonic, so every phrase starts from home and the key is never in doubt."""
    _, i = ctx.section_of(span.bar)
    if span.start_step != 0 or i % 4 != 0:
        return span.chord.root_pc
    chord = span.chord
    above_root = (ctx.tonic_pc - chord.root_pc) % 12
    fits = ctx.tonic_pc in chord.pitch_classes or above_root == 2 or (above_root == 5 and chord.third == 3)
    return ctx.tonic_pc if fits and ctx.tonic_pc in chord.scale else chord.root_pc


def _root_pitches(ctx: Context, low: int, high: int, centre: int) -> list[int]:
    """Root of each chord span placed near the previous root (root following, no wild octave jumps); where a
    phrase begins, the tonic when the chord allows it (`_phrase_bass_pc`)."""
    roots, previous = [], centre
    for span in ctx.spans:
        options = _in_register([_phrase_bass_pc(ctx, span)], low, high)
        pitch = _nearest(options, 0.7 * previous + 0.3 * centre)
        roots.append(pitch)
        previous = pitch
    return roots


def _chord_tone_near(span: ChordSpan, target: float, low: int, high: int, exclude: int | None = None) -> int:
    core = [i for i in span.chord.intervals if i < 12]  # root, third, fifth, seventh
    options = [p for p in _in_register({(span.chord.root_pc + i) % 12 for i in core}, low, high) if p != exclude]
    return _nearest(options, target)


def bass(ctx: Context, rng: np.random.Generator) -> tuple[list[NoteEvent], tuple[tuple[float, int], ...]]:
    """Bass line per section style: "root" (root-following with fifths/octaves), "walking" (quarter
    notes with chromatic approaches into the next root), "syncopated" (boom-bap pushes), "sub"
    (long sub notes)."""
    instrument = ctx.family("bass") or "upright_bass"
    low, high, centre = BASS_REGISTER.get(instrument, BASS_REGISTER["upright_bass"])
    roots = _root_pitches(ctx, low, high, centre)
    styles = ctx.preset.bass_styles
    section_style = {
        "intro": styles[0],
        "A": styles[0],
        "B": styles[1 % len(styles)],
        "A'": styles[2 % len(styles)],
        "outro": styles[0],
    }
    late_s = ctx.preset.humanize_ms / 1000.0
    timeline = ctx.timeline
    planned: list[_Planned] = []

    def add(bar: int, step: float, dur: float, pitch: int, velocity: float, approach: bool = False) -> None:
        start = timeline.time(bar, step) + float(rng.uniform(0, late_s * 0.6))
        end = timeline.time(bar, step + dur) - 0.03
        if start < ctx.duration_s - 0.05:
            planned.append(
                _Planned(
                    start,
                    min(max(end, start + 0.05), ctx.duration_s),
                    int(pitch),
                    int(clamp(velocity + rng.normal(0, 4), 30, 127)),
                    approach,
                )
            )

    for index, span in enumerate(ctx.spans):
        level = ctx.part_level("bass", span.bar)
        if level == 0:
            continue
        section, _ = ctx.section_of(span.bar)
        style = section_style[section.name] if level == 2 else "root_sparse"
        root = roots[index]
        length = span.end_step - span.start_step
        nxt = ctx.spans[index + 1] if index + 1 < len(ctx.spans) else None
        next_plays = nxt is not None and ctx.part_level("bass", nxt.bar) > 0
        next_root = roots[index + 1] if nxt is not None else root
        is_last = nxt is None
        bar, s0 = span.bar, span.start_step
        if is_last or style == "root_sparse":
            hold = length if not is_last else (ctx.duration_s - span.start_s) / timeline.time(0, 1)
            add(bar, s0, hold, root, 92)
        elif style == "sub":
            add(bar, s0, length - 0.5, root, 96)
        elif style == "root":
            if length >= 8:
                add(bar, s0, length - 5, root, 94)
                other = _chord_tone_near(span, root + 7 if rng.random() < 0.6 else root + 12, low, high, root)
                add(bar, s0 + length - 4, 3, other, 82)
            else:
                add(bar, s0, length - 0.5, root, 94)
        elif style == "walking":
            beats = length // 4
            pitches = [root]
            if beats >= 2 and next_plays:
                if rng.random() < 0.7:
                    approach = next_root + (1 if rng.random() < 0.5 else -1)
                    approach_is_chromatic = True
                else:
                    approach = _chord_tone_near(span, next_root + 2, low, high)
                    approach_is_chromatic = False
                for j in range(1, beats - 1):  # chord tones heading for the approach, never repeated
                    target = root + (approach - root) * j / (beats - 1) + (3 if j % 2 else -2)
                    options = [
                        p
                        for p in _in_register(
                            {(span.chord.root_pc + i) % 12 for i in span.chord.intervals if i < 12}, low, high
                        )
                        if p not in (pitches[-1], approach)
                    ]
                    pitches.append(_nearest(options, target) if options else pitches[-1])
                for j, pitch in enumerate(pitches):
                    add(bar, s0 + 4 * j, 3.6, pitch, 96 if j == 0 else 84)
                add(bar, s0 + 4 * (beats - 1), 3.6, approach, 86, approach=approach_is_chromatic)
            else:
                for j in range(beats):
                    pitch = root if j == 0 else _chord_tone_near(span, root + 3 * j, low, high, root)
                    add(bar, s0 + 4 * j, 3.6, pitch, 92 if j == 0 else 82)
        elif style == "syncopated":
            cells: tuple[tuple[int, int, str], ...] = (
                ((0, 3, "R"), (3, 2, "R"), (6, 3, "O"), (10, 2, "R"), (14, 2, "A"))
                if length >= 16
                else ((0, 3, "R"), (3, 2, "R"), (6, 2, "5"))
            )
            if rng.random() < 0.4 and length >= 16:
                cells = ((0, 5, "R"), (7, 2, "5"), (10, 3, "R"), (13, 2, "O"))
            for step, dur, role in cells:
                if step >= length:
                    continue
                if role == "R":
                    pitch = root
                elif role == "O":
                    pitch = root + 12 if root + 12 <= high else root
                elif role == "5":
                    pitch = _chord_tone_near(span, root + 7, low, high, root)
                else:  # anticipate the next root when it belongs to this chord's scale
                    fits = next_plays and next_root % 12 in span.chord.scale
                    pitch = next_root if fits else _chord_tone_near(span, root + 7, low, high, root)
                add(bar, s0 + step, min(dur, length - step) - 0.3, pitch, 96 if step == 0 else 80)
    scale_of = _scale_lookup(ctx, None)
    return _settle_approaches(ctx, planned, low, high, scale_of=scale_of)
