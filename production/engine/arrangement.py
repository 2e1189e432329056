"""Form and time for the composer: the swung grid, the section map, the chords of every bar and which
parts play where. The part generators (groove, lines, comping) read a `Context` built here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .brief import Brief
from .moods import Mood
from .styles import StylePreset
from .theory import Chord, progression_chords, voice_chord

STEPS_PER_BAR = 16  # sixteenth notes in a 4/4 bar
HARMONY_PARTS = ("keys", "piano", "pluck", "pad")
DRUM_MODES = ("off", "hats", "nokick", "full")  # drums: silent, hats only, groove without kick, everything


@dataclass(frozen=True)
class Section:
    name: str  # "intro", "A", "B", "A'", "outro"
    start_bar: int
    end_bar: int  # exclusive
    start_s: float
    end_s: float

    @property
    def bars(self) -> int:
        return self.end_bar - self.start_bar


EVENT_KINDS = ("filter_sweep", "tape_stop", "dropout")


@dataclass(frozen=True)
class ArrangementEvent:
    """An effect the arrangement asks the mix for, over [start_s, end_s).

    "filter_sweep": a low-pass sweep over the span; direction "up" opens it (closed, a few hundred Hz, at
    start_s; fully open at end_s: a filtered intro, a breakdown rising into the drop), "down" closes it
    (open at start_s, closed at end_s: an outro). Empty `parts` means the whole mix.
    "tape_stop": the tape slows to a halt over the span and stays silent until end_s (parts empty = whole
    mix); the music after end_s plays normally.
    "dropout": the listed parts are silent over the span. The composer realises it by leaving their notes
    out; the event documents it (the mix has nothing to do).
    """

    kind: str
    start_s: float
    end_s: float
    parts: tuple[str, ...] = ()
    direction: str = "up"  # filter_sweep only: "up" opens the filter over the span, "down" closes it

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown arrangement event {self.kind!r}; use one of {EVENT_KINDS}")
        if not self.end_s > self.start_s >= 0:
            raise ValueError(f"arrangement event {self.kind!r} needs 0 <= start_s < end_s")
        if self.direction not in ("up", "down"):
            raise ValueError("a filter sweep's direction is 'up' (opening) or 'down' (closing)")


@dataclass(frozen=True)
class ChordSpan:
    bar: int
    start_step: int  # within the bar
    end_step: int  # exclusive, <= 16
    start_s: float
    end_s: float
    chord: Chord
    token: str


@dataclass(frozen=True)
class NoteEvent:
    start_s: float
    end_s: float
    pitch: int
    velocity: int


def clamp(value: float, low: float, high: float) -> float:
    """Scalar clip; np.clip costs microseconds per call and the composer clamps thousands of values."""
    return low if value < low else high if value > high else value


class Timeline:
    """Maps (bar, sixteenth step) to seconds with swing applied to the off-beat of each pair."""

    def __init__(self, *, bpm: float, swing: float, swing_unit: int) -> None:
        self.beat_s = 60.0 / bpm
        self.bar_s = 4 * self.beat_s
        if swing_unit == 8:  # swung eighths: the "and" moves to `swing` of the beat, 16ths split evenly
            self._offsets = np.array([0.0, swing / 2, swing, swing + (1 - swing) / 2])
        else:  # swung sixteenths: inside each eighth the second sixteenth moves to `swing` of it
            self._offsets = np.array([0.0, swing / 2, 0.5, 0.5 + swing / 2])

    def time(self, bar: int, step: float) -> float:
        """Seconds at a (possibly fractional or >16) sixteenth step of a bar."""
        bar += int(step // STEPS_PER_BAR)
        step = step % STEPS_PER_BAR
        beat, within = divmod(step, 4)
        whole = int(within)
        frac = within - whole
        nxt = self._offsets[whole + 1] if whole < 3 else 1.0
        offset = self._offsets[whole] + frac * (nxt - self._offsets[whole])
        return bar * self.bar_s + (beat + offset) * self.beat_s


def plan_sections(total_bars: int, timeline: Timeline) -> list[Section]:
    """Intro, A, B, A', outro sized to the track; short tracks keep the middle sections first."""
    if total_bars <= 4:
        names = ["A", "B", "A'", "outro"][:total_bars]
        lengths = [1] * total_bars
    else:
        edge = 1 if total_bars < 12 else 2 if total_bars < 40 else 4
        body = total_bars - 2 * edge
        unit = 4 if body >= 24 else 2 if body >= 9 else 1
        a = max(1, round(body * 0.36 / unit) * unit)
        b = max(1, round(body * 0.3 / unit) * unit)
        a2 = body - a - b
        if a2 < 1:
            a, b = max(1, body // 3), max(1, body // 3)
            a2 = body - a - b
        names = ["intro", "A", "B", "A'", "outro"]
        lengths = [edge, a, b, a2, edge]
    sections, bar = [], 0
    for name, length in zip(names, lengths, strict=True):
        sections.append(Section(name, bar, bar + length, timeline.time(bar, 0), timeline.time(bar + length, 0)))
        bar += length
    return sections


def _turnaround_token(next_degree: str, prob: float, rng: np.random.Generator) -> str | None:
    """A secondary dominant leading into the next section's first chord, when it is a plain degree."""
    if not next_degree.isdigit() or next_degree == "7" or rng.random() >= prob:
        return None
    return f"V/{next_degree}"


def _vary_template(template: tuple[str, ...], rng: np.random.Generator, major: bool) -> tuple[str, ...]:
    """A' reharmonisation: a secondary dominant before a diatonic target, or the borrowed iv for IV."""
    bars = list(template)
    choices = []
    for i in range(len(bars) - 1):
        target = bars[i + 1].split(",")[0]
        if target.isdigit() and target not in ("1", "7") and "," not in bars[i]:
            choices.append(("secondary", i, target))
    if major and "4" in bars:
        choices.append(("borrow", bars.index("4"), "4"))
    if not choices:
        return template
    kind, index, target = choices[int(rng.integers(len(choices)))]
    if kind == "secondary":
        bars[index] = f"{bars[index]},V/{target}"
    else:
        bars[index] = "4,4@aeolian"
    return tuple(bars)


@dataclass
class Context:
    """Everything the part generators need, shared read-only."""

    brief: Brief
    preset: StylePreset
    timeline: Timeline
    sections: list[Section]
    spans: list[ChordSpan]
    bar_spans: list[list[ChordSpan]]
    total_bars: int
    duration_s: float
    tonic_pc: int
    key_mode: str
    pentatonic: str | None
    main_harmony: str | None
    voicings: dict[int, tuple[int, ...]] = field(default_factory=dict)  # span index -> keys voicing
    register_shift: int = 0  # semitones the melody and the comping voicings sit above (below) their usual range

    def section_of(self, bar: int) -> tuple[Section, int]:
        for section in self.sections:
            if section.start_bar <= bar < section.end_bar:
                return section, bar - section.start_bar
        return self.sections[-1], bar - self.sections[-1].start_bar

    def span_at(self, bar: int, step: float) -> ChordSpan:
        bar = min(bar + int(step // STEPS_PER_BAR), self.total_bars - 1)
        step = step % STEPS_PER_BAR
        for span in self.bar_spans[bar]:
            if span.start_step <= step < span.end_step:
                return span
        return self.bar_spans[bar][-1]

    def next_span(self, span: ChordSpan) -> ChordSpan | None:
        index = self.spans.index(span)
        return self.spans[index + 1] if index + 1 < len(self.spans) else None

    def part_level(self, part: str, bar: int) -> int:
        """0 = silent, 1 = light, 2 = full, for a pitched part at `bar`."""
        section, i = self.section_of(bar)
        n = section.bars
        main = part == self.main_harmony
        name = section.name
        if name == "intro":
            if main or part == "pad":
                return 2
            if part in ("pluck", "perc") and n >= 2 and i >= n // 2:
                return 1
            return 0
        if name == "A":
            if part in ("bass",) or main:
                return 2
            if part == "melody":
                return 2 if i >= (2 if n >= 6 else 0) else 0
            if part == "pad":
                return 1
            if part in ("pluck", "perc", "keys", "piano"):
                return (2 if part == "pluck" else 1) if i >= n // 2 else 0
            return 2
        if name == "B":
            mid_drop = n >= 8 and i == n // 2 - 1
            if part == "melody" and mid_drop:
                return 0
            if part == "bass" and mid_drop:
                return 1
            return 2
        if name == "A'":
            return 2
        # outro: the band thins out, the main harmony and pad ring to the end
        if main or part == "pad":
            return 2
        if part == "bass":
            return 2 if i < n - 1 else 1
        if part in ("melody", "pluck", "perc"):
            return 1 if i < max(1, n // 2) else 0
        return 0

    def drum_mode(self, bar: int) -> str:
        section, i = self.section_of(bar)
        n = section.bars
        if section.name == "intro":
            return "hats" if n >= 2 and i == n - 1 else "off"
        if section.name == "B":
            if i == 0 and n >= 2:
                return "nokick"
            if n >= 8 and i == n // 2 - 1:
                return "hats"
            return "full"
        if section.name == "outro":
            if n == 1:
                return "full" if len(self.sections) < 5 else "hats"
            return "full" if i == 0 else "hats" if i == 1 else "off"
        return "full"

    def fill_bar(self, bar: int) -> bool:
        """The last bar of a section that hands over to a section with drums."""
        section, i = self.section_of(bar)
        if i != section.bars - 1 or section is self.sections[-1] or section.name == "intro":
            return False
        return bar + 1 < self.total_bars and self.drum_mode(bar + 1) != "off"


def plan_harmony(
    brief: Brief,
    preset: StylePreset,
    sections: list[Section],
    timeline: Timeline,
    rng: np.random.Generator,
    key_mode: str,
    *,
    mood: Mood | None = None,
) -> tuple[list[ChordSpan], list[list[ChordSpan]]]:
    """Choose a progression per section (A and B differ, A' is reharmonised, turnarounds lead into the
    next section) and lay the chords out as spans on the timeline. A mood weights the choice of
    progressions towards or away from borrowed-chord colour."""
    major = brief.key.mode == "major"
    pool = preset.progressions_major if major else preset.progressions_minor
    weights = np.array([mood.progression_weight(t) for t in pool]) if mood is not None else np.ones(len(pool))
    if np.all(weights == 1.0):
        order = rng.permutation(len(pool))
    else:
        order = rng.choice(len(pool), size=len(pool), replace=False, p=weights / weights.sum())
    template_a = pool[order[0]]
    template_b = pool[order[1 % len(pool)]]
    template_a2 = _vary_template(template_a, rng, major)
    templates = {"intro": template_a, "A": template_a, "B": template_b, "A'": template_a2, "outro": template_a}
    bar_tokens: list[str] = []
    for index, section in enumerate(sections):
        template = templates[section.name]
        tokens = [template[i % len(template)] for i in range(section.bars)]
        if section.name == "outro":
            tokens[-1] = "1"  # end at home
        elif index + 1 < len(sections) and section.bars >= 2:
            next_template = templates[sections[index + 1].name]
            turn = _turnaround_token(next_template[0].split(",")[0], preset.secondary_dominant_prob, rng)
            if turn is not None and turn != f"V/{tokens[-1]}":
                tokens[-1] = f"{tokens[-1].split(',')[0]},{turn}"
        bar_tokens.extend(tokens)
    chords = progression_chords(
        tuple(bar_tokens),
        tonic_pc=brief.key.pitch_class,
        key_mode=key_mode,
        extension_weights=preset.extension_weights,
        rng=rng,
    )
    spans: list[ChordSpan] = []
    bar_spans: list[list[ChordSpan]] = []
    for bar, (tokens, bar_chords) in enumerate(zip(bar_tokens, chords, strict=True)):
        token_list = tokens.split(",")
        per = STEPS_PER_BAR // len(bar_chords)
        row = []
        for j, chord in enumerate(bar_chords):
            start, end = j * per, (j + 1) * per if j + 1 < len(bar_chords) else STEPS_PER_BAR
            span = ChordSpan(
                bar, start, end, timeline.time(bar, start), timeline.time(bar, end), chord, token_list[j].strip()
            )
            row.append(span)
            spans.append(span)
        bar_spans.append(row)
    return spans, bar_spans


def keys_voicings(ctx: Context, *, low: int = 50, high: int = 74) -> dict[int, tuple[int, ...]]:
    """One voice-led voicing per chord span, shared by the comping parts (half the mood's register shift)."""
    shift = round(ctx.register_shift / 2)
    low, high = low + shift, high + shift
    voicings, previous = {}, None
    for index, span in enumerate(ctx.spans):
        previous = voice_chord(
            span.chord,
            previous=previous,
            size=ctx.preset.voicing_size,
            low=low,
            high=high,
            rootless=ctx.preset.rootless,
        )
        voicings[index] = previous
    return voicings
