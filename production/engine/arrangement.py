"""Form and time for the composer: the swung grid, the section map, the chords of every bar and which
parts play where. The part generators (groove, lines, comping) read a `Context` built here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .brief import Brief
from .moods import Mood
from .styles import StylePreset
from .theory import Chord, progression_chords, voice_chord, voice_leading_distance

# Sampled voices (instruments.VOICES ids) -> the built-in instrument family whose register they play in.
VOICE_FAMILY = {
    "tine_ep": "epiano",
    "rhodes_ep": "epiano",
    "detuned_ep": "epiano",
    "legend_ep": "epiano",
    "synth_epiano": "epiano",
    "mellow_grand": "piano",
    "grand_piano": "piano",
    "synth_piano": "piano",
    "nylon_guitar": "guitar",
    "jazz_guitar": "guitar",
    "synth_guitar": "guitar",
    "vibraphone": "vibes",
    "synth_vibes": "vibes",
    "kalimba": "koto",
    "koto": "koto",
    "taisho_koto": "koto",
    "synth_koto": "koto",
    "flute": "lead",
    "shakuhachi": "lead",
    "synth_lead": "lead",
    "acoustic_bass": "upright_bass",
    "finger_bass": "upright_bass",
    "synth_upright_bass": "upright_bass",
    "synth_sub_bass": "sub_bass",
    "warm_pad": "pad",
    "halo_pad": "pad",
    "synth_pad": "pad",
}
STEPS_PER_BAR = 16  # sixteenth notes in a 4/4 bar
HARMONY_PARTS = ("keys", "piano", "pluck", "pad")
DRUM_MODES = ("off", "hats", "nokick", "full", "hit")  # silent, hats only, groove without kick, everything, end hit


@dataclass(frozen=True)
class Section:
    name: str  # "intro", "A", "B", "A'", "outro"
    start_bar: int
    end_bar: int  # exclusive
    start_s: float
    end_s: float
    treatment: str = ""  # how the section is arranged (form.TREATMENTS), e.g. a B "breakdown"

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
    form: Any = None  # form.Form: levels, drum modes and section ends per bar
    hook: Any = None  # melody.Hook: the melody's rhythm plan (the comping answers in its rests)
    voices: dict[str, str] = field(default_factory=dict)  # part -> voice id the seed chose (instruments.VOICES)

    def family(self, part: str) -> str:
        """The instrument family a part plays as ("vibes", "guitar", "sub_bass"...): it sets the register.
        The seed's sampled voice decides when it has one, else the style's built-in instrument."""
        return VOICE_FAMILY.get(self.voices.get(part, ""), self.preset.instruments.get(part, ""))

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

    def part_level(self, part: str, bar: int) -> int:
        """0 = silent, 1 = light, 2 = full, for a pitched part at `bar` (from the form)."""
        levels = self.form.levels.get(part) if self.form is not None else None
        return levels[min(bar, len(levels) - 1)] if levels else 0

    def drum_mode(self, bar: int) -> str:
        """One of DRUM_MODES, or "hit" (a last kick and crash on the downbeat)."""
        return self.form.drum_modes[min(bar, self.total_bars - 1)] if self.form is not None else "full"

    def bar_end(self, bar: int) -> str:
        """How the bar ends its section: "" (it does not, or hands over quietly), "fill" or "drop"."""
        return self.form.bar_ends[min(bar, self.total_bars - 1)] if self.form is not None else ""

    def fill_bar(self, bar: int) -> bool:
        """The last bar of a section that hands over to the next with a drum fill."""
        return self.bar_end(bar) == "fill"


def _with_home(template: tuple[str, ...], major: bool) -> tuple[str, ...]:
    """A minor loop that never visits i (iv-bVII-bIII-bVI is ii-V-I-IV of the relative major) plays i where
    it had bIII (they share three notes), so the loop is heard in its own key, not its relative major."""
    if major or any(bar.split(",")[0].split("@")[0] == "1" for bar in template):
        return template
    bars = list(template)
    for index, bar in enumerate(bars):
        if bar.split(",")[0] == "3":
            bars[index] = "1" + bar[1:]
            break
    return tuple(bars)


_DOMINANTS = ("5", "5@harmonic_minor", "2", "V/1")


def _cadence_dominant(key_mode: str, major: bool, rng: np.random.Generator) -> str:
    """The chord that leads home at section ends, one per track: V7 (or the plagal minor iv in a major key),
    the harmonic-minor V7 in a minor key, the bII of the phrygian (Japanese in-scale) cadence."""
    pick = float(rng.random())
    if key_mode == "phrygian":
        return "2" if pick < 0.6 else "7"
    if major:
        return "5" if pick < 0.7 else "4@aeolian"
    return "5@harmonic_minor" if pick < 0.75 else "7"


def _cadence(section: Section, tokens: list[str], dominant: str) -> None:
    """Sections land on the home chord: A, A' and the outro end on I after the cadence chord (when their
    loop does not already end at home), B ends on the cadence chord, a half cadence into A'."""
    n = len(tokens)
    if n < 2 or section.name == "intro":
        return
    if section.name == "B":
        tokens[-1] = dominant
        return
    if tokens[-1].split(",")[0] == "1":
        return
    if n >= 4 and tokens[-2].split(",")[-1] not in _DOMINANTS:
        tokens[-2] = dominant
    tokens[-1] = "1"


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
    template_a = _with_home(pool[order[0]], major)
    template_b = _with_home(pool[order[1 % len(pool)]], major)
    template_a2 = _vary_template(template_a, rng, major)
    templates = {"intro": template_a, "A": template_a, "B": template_b, "A'": template_a2, "outro": template_a}
    dominant = _cadence_dominant(key_mode, major, rng)
    bar_tokens: list[str] = []
    loops: list[str] = []
    for index, section in enumerate(sections):
        template = templates[section.name]
        tokens = [template[i % len(template)] for i in range(section.bars)]
        _cadence(section, tokens, dominant)
        if section.name == "outro":
            tokens[-1] = "1"  # end at home
        elif index + 1 < len(sections) and section.bars >= 2:
            next_template = templates[sections[index + 1].name]
            turn = _turnaround_token(next_template[0].split(",")[0], preset.secondary_dominant_prob, rng)
            if turn is not None and turn != f"V/{tokens[-1]}":
                tokens[-1] = f"{tokens[-1].split(',')[0]},{turn}"
        bar_tokens.extend(tokens)
        loops.extend(["B" if section.name == "B" else "A"] * section.bars)
    chords = progression_chords(
        tuple(bar_tokens),
        tonic_pc=brief.key.pitch_class,
        key_mode=key_mode,
        extension_weights=preset.extension_weights,
        rng=rng,
        loops=tuple(loops),
    )
    spans: list[ChordSpan] = []
    bar_spans: list[list[ChordSpan]] = []
    for bar, (bar_text, bar_chords) in enumerate(zip(bar_tokens, chords, strict=True)):
        token_list = bar_text.split(",")
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
    voicings, previous, top = {}, None, None
    for index, span in enumerate(ctx.spans):
        top = _guide_top(ctx, span, top, low, high)
        options: dict[str, Any] = {
            "size": ctx.preset.voicing_size,
            "low": low,
            "high": high,
            "rootless": ctx.preset.rootless,
            "with_root": span.chord.root_pc == ctx.tonic_pc,  # home sounds like home
        }
        sung = voice_chord(span.chord, previous=previous, top=top, **options)
        if previous is not None:
            free = voice_chord(span.chord, previous=previous, **options)
            # the line may cost the hands a little movement, never a jump: then smooth hands win, and if even
            # the home chord's root costs a jump, the hands keep their rootless shape for this one
            limit = 2 * len(free)
            if voice_leading_distance(previous, sung) > min(
                voice_leading_distance(previous, free) + len(free) // 2 + 1, limit
            ):
                sung = free
            if voice_leading_distance(previous, sung) > limit and options["with_root"]:
                sung = voice_chord(span.chord, previous=previous, **{**options, "with_root": False})
        previous = sung
        voicings[index] = previous
        top = max(previous)
    return voicings


_LOOP_CONTOUR = (0, 3, 5, 2)  # semitones the comping's top line rises through a four-bar loop


def _guide_top(ctx: Context, span: ChordSpan, previous_top: int | None, low: int, high: int) -> int:
    """The top note the comping should sing on this chord: a guide tone (third or seventh) that moves from
    the last top note, by step where it can, following a contour through the loop (higher in B), so the
    top voice is a line and not one note held all track."""
    section, i = ctx.section_of(span.bar)
    arc = np.sin(np.pi * (i + 0.5) / max(section.bars, 1))  # the line climbs through a section and comes down
    goal = high - 13 + 10 * arc + _LOOP_CONTOUR[i % 4] / 2 + {"B": 3, "A'": 1}.get(section.name, 0)
    chord = span.chord
    guides = {(chord.root_pc + chord.third) % 12}
    if chord.seventh is not None:
        guides.add((chord.root_pc + chord.seventh) % 12)
    options = [p for p in range(low + 8, high + 1) if p % 12 in guides]
    if not options:
        return int(goal)
    if previous_top is None:
        return min(options, key=lambda p: (abs(p - goal), p))
    moving = [p for p in options if 0 < abs(p - previous_top) <= 4] or options
    return min(moving, key=lambda p: (abs(p - goal), p))
