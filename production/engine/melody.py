"""The melody: a hook a listener can hum.

A one-bar motif is stated, answered, restated and brought to a cadence in four-bar phrases (two-bar
phrases in short sections): statement, answer (the motif displaced, mirrored or sequenced), the statement
again (note for note: the hook), and a cadence that lands on a chord tone and leaves a rest. B has a motif
of its own; later phrases vary the restatement (ornament, displacement, sequence). Phrases stay inside a
window of an octave and a third (15 semitones), non-chord tones on strong beats are appoggiaturas that
resolve by step, and the melody leaves the second half of its answer and cadence bars to the comping
(`rest_from`), which answers there.

The rhythm plan (`Hook`) is drawn from its own random stream, so the comping knows where the melody rests
whether or not the melody layer plays.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .arrangement import Context, NoteEvent, clamp
from .lines import _in_register, _nearest, _Planned, _scale_lookup, _settle_approaches
from .theory import chord_scale_for_melody

MELODY_REGISTER = {
    "vibes": (65, 86),
    "lead": (67, 88),
    "piano": (64, 84),
    "guitar": (59, 81),
    "koto": (62, 86),
    "epiano": (62, 84),
    "pad": (60, 79),
    "upright_bass": (43, 60),
    "sub_bass": (40, 55),
}
WINDOW = 15  # semitones a phrase may span (the limit is an octave and a fourth, 17)

Figure = tuple[tuple[int, int, int], ...]  # (step, duration in steps, move in scale steps from the previous note)
ROLES = ("statement", "answer", "restatement", "cadence", "light")
# A player leans into the hook and answers it more softly; phrase endings fall away.
_ROLE_DYNAMICS = {"statement": 7, "answer": -6, "restatement": 2, "cadence": -9, "light": -11}


@dataclass(frozen=True)
class Hook:
    """The melody's rhythm plan: the motifs and, per bar, the role and figure the melody plays."""

    figures: dict[str, Figure]  # "A", "A_answer", "A'_answer", "B", "B_answer", "A_cadence", "B_cadence"
    bars: tuple[tuple[str, str, Figure] | None, ...]  # per bar: (material, role, figure), None = rest

    def rest_from(self, bar: int) -> int:
        """The sixteenth step from which the melody is silent in `bar` (16: it plays to the end, 0: all rest)."""
        entry = self.bars[bar] if 0 <= bar < len(self.bars) else None
        if entry is None:
            return 0
        return min(16, max(step + dur for step, dur, _ in entry[2]))


def _motif(rng: np.random.Generator, density: float) -> Figure:
    """A sparse one-bar motif: 2-5 notes, mostly steps with at most one leap, ending by beat 3 or 4."""
    count = int(clamp(round(2 + density * 3.5 + rng.normal(0, 0.7)), 2, 5))
    grid = [0, 2, 3, 4, 6, 7, 8, 10]
    onsets = sorted({0 if rng.random() < 0.7 else 2, *rng.choice(grid[1:], size=count - 1, replace=False)})
    onsets = [int(s) for s in onsets if s <= 10][:count]
    moves = [0]
    leaped = False
    for _ in onsets[1:]:
        if not leaped and rng.random() < 0.25:
            move = int(rng.choice((-3, 2, 3)))
            leaped = True
        elif abs(moves[-1]) >= 2:  # a leap is recovered by a step the other way
            move = -int(np.sign(moves[-1]))
        elif 0 not in moves[1:] and len(onsets) >= 4 and rng.random() < 0.2:
            move = 0  # one repeated note at most, and only in a motif long enough to move elsewhere
        else:
            move = int(rng.choice((-1, 1, -1, 1, 2, -2)))
        moves.append(move)
    return _with_durations(onsets, moves, rng, end=12)


def _with_durations(onsets: list[int], moves: list[int], rng: np.random.Generator, *, end: int) -> Figure:
    notes = []
    for j, step in enumerate(onsets):
        room = (onsets[j + 1] if j + 1 < len(onsets) else end) - step
        dur = room if rng.random() < 0.65 else max(1, room - 1)
        notes.append((step, max(1, dur), moves[j]))
    return tuple(notes)


def _answer(motif: Figure, rng: np.random.Generator) -> Figure:
    """The motif answered: displaced by an eighth, mirrored (inverted contour) or sequenced a step down, and
    ending on a longer note by beat 3 so the comping can answer back."""
    kind = int(rng.integers(3))
    onsets = [s for s, _, _ in motif]
    moves = [m for _, _, m in motif]
    if kind == 0:
        onsets = [min(s + 2, 10) for s in onsets]
        onsets = sorted(set(onsets))
        moves = moves[: len(onsets)]
    elif kind == 1:
        moves = [0] + [-m for m in moves[1:]]
    else:
        moves = [-1, *moves[1:]]  # a sequence: the same shape a step lower (the first move is from the hook)
    return _with_durations(onsets, moves, rng, end=10)


def _cadence(rng: np.random.Generator) -> Figure:
    """A phrase ending: a pickup or two into a long note, then rest."""
    if rng.random() < 0.5:
        return ((0, 6, -1), (6, 2, -1), (8, 6, -1))
    return ((0, 2, 1), (2, 10, -1))


def _ornament(figure: Figure, rng: np.random.Generator) -> Figure:
    """A restatement varied: a neighbour-note ornament before a note, or the figure displaced by a sixteenth."""
    if rng.random() < 0.5 and len(figure) >= 2:
        j = int(rng.integers(1, len(figure)))
        step, dur, move = figure[j]
        prev_step = figure[j - 1][0]
        if step - prev_step >= 2:
            grace = (step - 1, 1, move + 1)
            shortened = [
                (s, min(d, step - 1 - s), m) if k == j - 1 else (s, d, m) for k, (s, d, m) in enumerate(figure)
            ]
            return (*shortened[:j], grace, (step, dur, -1), *figure[j + 1 :])
    shifted = [(min(s + 1, 14), d, m) for s, d, m in figure]
    return tuple(
        (s, max(1, min(d, (shifted[k + 1][0] if k + 1 < len(shifted) else 16) - s)), m)
        for k, (s, d, m) in enumerate(shifted)
    )


def plan_hook(ctx: Context, rng: np.random.Generator) -> Hook:
    """The rhythm plan of the melody over the whole form (see the module docstring)."""
    density = ctx.preset.melody_density
    motif_a, motif_b = _motif(rng, density), _motif(rng, density)
    figures = {
        "A": motif_a,
        "A_answer": _answer(motif_a, rng),
        "B": motif_b,
        "B_answer": _answer(motif_b, rng),
        "A'_answer": _answer(motif_a, rng),
        "A_cadence": _cadence(rng),
        "B_cadence": _cadence(rng),
    }
    variations = [_ornament(motif_a, rng) for _ in range(3)]
    bars: list[tuple[str, str, Figure] | None] = [None] * ctx.total_bars
    for section in ctx.sections:
        material = "B" if section.name == "B" else "A"
        played = [b for b in range(section.start_bar, section.end_bar) if ctx.part_level("melody", b) > 0]
        if not played:
            continue
        entry = played[0]
        phrase_len = 4 if section.bars >= 4 else 2 if section.bars >= 2 else 1
        for bar in played:
            position = (bar - entry) % phrase_len
            phrase = (bar - entry) // phrase_len
            if ctx.part_level("melody", bar) == 1 or section.name == "outro":
                role = "cadence" if position or phrase_len == 1 else "statement"
            elif phrase_len == 1 or position == 0:
                role = "statement"
            elif position == phrase_len - 1:
                role = "cadence"
            elif position == 1:
                role = "answer"
            else:
                role = "restatement"
            if role == "statement":
                figure = figures[material]
            elif role == "answer":
                figure = figures["A'_answer" if section.name == "A'" else f"{material}_answer"]
            elif role == "cadence":
                figure = figures[f"{material}_cadence"]
            elif phrase % 2 == 0 or material == "B":
                figure = figures[material]  # the hook again, note for note
            else:
                figure = variations[(phrase // 2 + (section.name == "A'")) % len(variations)]
            bars[bar] = (material, role, figure)
    return Hook(figures=figures, bars=tuple(bars))


def melody(ctx: Context, rng: np.random.Generator) -> tuple[list[NoteEvent], tuple[tuple[float, int], ...]]:
    """The melody notes of the hook plan `ctx.hook` (see the module docstring). Every statement of a
    material's motif reuses the pitches of its first statement, so the hook is heard note for note."""
    hook: Hook = ctx.hook
    instrument = ctx.family("melody") or "lead"
    low, high = (p + ctx.register_shift for p in MELODY_REGISTER.get(instrument, (64, 84)))
    centre = (low + high) / 2
    windows = {
        "A": (int(centre - 7), int(centre - 7) + WINDOW),
        "B": (int(min(centre - 4, high - WINDOW)), int(min(centre - 4, high - WINDOW)) + WINDOW),
    }
    late_s = ctx.preset.humanize_ms / 1000.0
    timeline = ctx.timeline
    hook_pitches: dict[str, list[int]] = {}
    planned: list[_Planned] = []
    previous: int | None = None
    for bar, entry in enumerate(hook.bars):
        if entry is None:
            previous = None
            continue
        material, role, figure = entry
        w_low, w_high = windows[material]
        statement = role == "statement" or (role == "restatement" and figure is hook.figures[material])
        if statement and material in hook_pitches:
            pitches = _fit(ctx, bar, figure, hook_pitches[material], w_low, w_high)
        else:
            start = _start_pitch(ctx, bar, figure, role, previous, w_low, w_high, material, hook_pitches)
            pitches = _walk(ctx, bar, figure, start, w_low, w_high)
            if statement:
                hook_pitches[material] = list(pitches)
        phrase_pos = {"statement": 0, "answer": 1, "restatement": 2, "cadence": 3, "light": 3}[role]
        top = max(pitches)
        for j, ((step, dur, _), pitch) in enumerate(zip(figure, pitches, strict=True)):
            strong = step % 8 == 0
            velocity = (
                72
                + _ROLE_DYNAMICS[role]
                + 6 * np.sin(np.pi * (phrase_pos + 0.5) / 4)  # the phrase swells to its middle
                + (9 if strong else 0)
                - (8 if step % 2 else 0)
                + (5 if pitch == top else 0)
                - (10 if ctx.part_level("melody", bar) == 1 else 0)
                - (4 * j if role == "cadence" else 0)
                + rng.normal(0, 8)
            )
            onset = timeline.time(bar, step) + float(rng.uniform(0, late_s))
            end = timeline.time(bar, step + dur) - 0.02
            planned.append(_Planned(onset, max(end, onset + 0.06), int(pitch), int(clamp(velocity, 28, 124))))
        previous = pitches[-1]
    planned = [n for n in planned if n.start_s < ctx.duration_s - 0.05]
    for note in planned:
        note.end_s = min(note.end_s, ctx.duration_s)
    return _settle_approaches(ctx, planned, low - 1, high + 1, scale_of=_scale_lookup(ctx, ctx.pentatonic))


def _allowed(ctx: Context, bar: int, step: int, low: int, high: int) -> tuple[list[int], list[int]]:
    """(scale pitches, chord-tone pitches) the melody may use at a grid position, within [low, high]."""
    span = ctx.span_at(bar, step)
    scale = chord_scale_for_melody(span.chord, tonic_pc=ctx.tonic_pc, pentatonic=ctx.pentatonic)
    allowed = _in_register(scale, low, high)
    tones = [p for p in allowed if p % 12 in span.chord.pitch_classes] or allowed
    return allowed, tones


def _start_pitch(ctx, bar, figure, role, previous, low, high, material, hook_pitches) -> int:
    """First note of a figure: a chord tone near the window's middle for a statement, near the hook's first
    note for an answer and a restatement, the tonic (or another home-chord tone) for a cadence."""
    allowed, tones = _allowed(ctx, bar, figure[0][0], low, high)
    middle = (low + high) / 2
    if role == "cadence":
        home = [p for p in tones if (p - ctx.tonic_pc) % 12 == 0] or tones
        target = previous if previous is not None else middle
        landing = _nearest(home, target)
        # walk back from the landing note so the last note of the cadence is the home tone
        steps = sum(m for _, _, m in figure[1:])
        index = allowed.index(_nearest(allowed, landing)) - steps
        return allowed[int(clamp(index, 0, len(allowed) - 1))]
    if role in ("answer", "restatement") and material in hook_pitches:
        first = hook_pitches[material][0]
        if role == "answer" and figure[0][2] == -1:  # a sequence: one scale step under the hook
            index = allowed.index(_nearest(allowed, first)) - 1
            return allowed[int(clamp(index, 0, len(allowed) - 1))]
        return _nearest(tones, first)
    target = middle + (2 if material == "B" else -1)
    return _nearest(tones, target if previous is None else 0.5 * (target + previous))


def _walk(ctx: Context, bar: int, figure: Figure, start: int, low: int, high: int) -> list[int]:
    """Pitches of a figure from its first note by scale steps; a strong-beat non-chord tone stays only as an
    appoggiatura (the next note resolves it by step), otherwise it moves to the nearest chord tone."""
    pitches = [start]
    for step, _, move in figure[1:]:
        allowed, _tones = _allowed(ctx, bar, step, low, high)
        index = allowed.index(_nearest(allowed, pitches[-1])) + move
        if not 0 <= index < len(allowed):
            index = allowed.index(_nearest(allowed, pitches[-1])) - move  # turn back at the window's edge
        pitches.append(allowed[int(clamp(index, 0, len(allowed) - 1))])
    return _resolve_strong_beats(ctx, bar, figure, pitches, low, high)


def _fit(ctx: Context, bar: int, figure: Figure, pitches: list[int], low: int, high: int) -> list[int]:
    """The hook's pitches over this bar's chords: note for note where they fit the chord scales; over a
    borrowed or secondary chord the nearest exact transposition that fits (a real sequence, same intervals),
    and only when none does, the notes outside the scale move to the nearest scale note."""
    for shift in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5):
        moved = [p + shift for p in pitches]
        fits = all(
            p in _allowed(ctx, bar, step, low - 2, high + 2)[0] for (step, _, _), p in zip(figure, moved, strict=True)
        )
        if fits and _resolve_strong_beats(ctx, bar, figure, moved, low - 2, high + 2, tensions=True) == moved:
            return moved
    out = []
    for (step, _, _), pitch in zip(figure, pitches, strict=True):
        allowed, _ = _allowed(ctx, bar, step, low - 2, high + 2)
        out.append(pitch if pitch in allowed else _nearest(allowed, pitch))
    return _resolve_strong_beats(ctx, bar, figure, out, low - 2, high + 2, tensions=True)


def _resolve_strong_beats(
    ctx: Context, bar: int, figure: Figure, pitches: list[int], low: int, high: int, *, tensions: bool = False
):
    """A non-chord tone on a strong beat (beat 1 or 3) must resolve by step to a chord tone on the next note
    (an appoggiatura or suspension); otherwise it becomes the nearest chord tone. With `tensions` (a hook
    restated over another chord) a colour tone that does not rub a semitone above a chord tone may stay."""
    out = list(pitches)
    for j, (step, _, _) in enumerate(figure):
        if step % 8:
            continue
        _, tones = _allowed(ctx, bar, step, low, high)
        if out[j] in tones:
            continue
        chord_pcs = ctx.span_at(bar, step).chord.pitch_classes
        if tensions and (out[j] - 1) % 12 not in chord_pcs:
            continue
        nxt = out[j + 1] if j + 1 < len(out) else None
        if (
            nxt is not None
            and 1 <= abs(nxt - out[j]) <= 2
            and nxt in _allowed(ctx, bar, figure[j + 1][0], low, high)[1]
        ):
            continue
        out[j] = _nearest(tones, out[j])
    return out


def melody_bar_figures(notes, bar_s: float, step_s: float | None = None) -> list[tuple]:
    """The figure of every bar of a melody: (onset sixteenth, interval from the previous note) of its notes,
    for bars with two notes or more. Used by tests and bench/sound.py to count how often the hook returns."""
    step_s = step_s or bar_s / 16
    by_bar: dict[int, list] = {}
    for note in sorted(notes, key=lambda n: n.start):
        bar = int((note.start + 0.03) // bar_s)
        by_bar.setdefault(bar, []).append(note)
    figures = []
    for bar, bar_notes in sorted(by_bar.items()):
        if len(bar_notes) < 2:
            continue
        # humanised onsets are late, never early: a note up to 70% of a sixteenth late is still on its step
        steps = [int((n.start - bar * bar_s) / step_s + 0.3) for n in bar_notes]
        intervals = [0] + [b.pitch - a.pitch for a, b in itertools.pairwise(bar_notes)]
        figures.append(tuple(zip(steps, intervals, strict=True)))
    return figures


def hook_repeats(notes, bar_s: float) -> int:
    """How many times the most frequent bar figure of a melody is heard (0 without melody)."""
    figures = melody_bar_figures(notes, bar_s)
    if not figures:
        return 0
    _, counts = np.unique(np.array([repr(f) for f in figures]), return_counts=True)
    return int(counts.max())
