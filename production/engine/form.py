"""The form of a track from its seed: section lengths, how each section is arranged (its treatment),
where each part enters and drops out, the drum mode of every bar, fills or drops at section ends, and
the effects the mix is asked for (filter sweeps, tape stops).

Two seeds of one brief get different forms: intros that start on the keys alone, on a filtered band or on
the drums; a B section that contrasts, strips down or breaks down without drums; endings that thin out,
stop the tape, close a filter or land on a final hit; and parts that enter at different bars and come and
go in blocks inside the body sections (`_come_and_go`). Measured over 40 seeds of a 75 s brief (780 pairs
per style, 5460 in all): two seeds differ in 36-40% of the (bar x part) on/off cells on average, 1% of
pairs under 24-27%, and only one pair under 20% (cafe, 19.8%); before the come-and-go blocks ~2% of pairs
fell at 13-19%. Every random choice is drawn in a fixed order whatever parts play, so switching a layer
off changes no other part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrangement import ArrangementEvent, Section, Timeline
from .brief import PARTS

TREATMENTS = {
    "intro": ("keys", "pickup", "filtered", "drums"),
    "A": ("build", "full"),
    "B": ("contrast", "breakdown", "stripped"),
    "A'": ("full", "late_melody", "drop"),
    "outro": ("thin", "tape_stop", "filter_fade", "cadence"),
}
_TREATMENT_P = {
    "intro": (0.35, 0.2, 0.25, 0.2),
    "A": (0.6, 0.4),
    "B": (0.4, 0.35, 0.25),
    "A'": (0.45, 0.3, 0.25),
    "outro": (0.3, 0.25, 0.2, 0.25),
}
BAR_ENDS = ("", "fill", "drop")  # how a section's last bar hands over: nothing, a drum fill, a bar without kick


@dataclass(frozen=True)
class Form:
    """The arrangement plan: per bar, the level of every part (0 silent, 1 light, 2 full), the drum mode
    (arrangement.DRUM_MODES or "hit": one last kick and crash), and how the bar ends a section."""

    sections: tuple[Section, ...]
    levels: dict[str, tuple[int, ...]]  # part -> level per bar; "drums" follows drum_modes
    drum_modes: tuple[str, ...]
    bar_ends: tuple[str, ...]  # per bar, one of BAR_ENDS
    events: tuple[ArrangementEvent, ...]

    @property
    def name(self) -> str:
        """Readable form, e.g. "intro(keys) A(build) B(breakdown) A'(full) outro(tape_stop)"."""
        return " ".join(f"{s.name}({s.treatment})" if s.treatment else s.name for s in self.sections)


def _choice(rng: np.random.Generator, options, p=None):
    return options[int(rng.choice(len(options), p=p))]


def _lengths(total_bars: int, rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """Section names and lengths. Short tracks keep the middle sections first; longer ones draw the intro
    and outro lengths and the share of A, B and A' from the seed, in whole 2- or 4-bar loops."""
    if total_bars <= 4:
        names = ["A", "B", "A'", "outro"][:total_bars]
        return names, [1] * total_bars
    if total_bars < 12:
        intro, outro = 1, 1
    elif total_bars < 40:
        intro = _choice(rng, (0, 2, 2, 4)) if total_bars >= 16 else _choice(rng, (1, 2))
        outro = _choice(rng, (1, 2, 2, 4)) if total_bars >= 16 else _choice(rng, (1, 2))
    else:
        intro, outro = _choice(rng, (2, 4, 4, 8)), _choice(rng, (2, 4, 4, 8))
    body = total_bars - intro - outro
    unit = 4 if body >= 24 else 2 if body >= 9 else 1
    share_a, share_b = float(rng.uniform(0.28, 0.44)), float(rng.uniform(0.22, 0.34))
    a = max(1, round(body * share_a / unit) * unit)
    b = max(1, round(body * share_b / unit) * unit)
    a2 = body - a - b
    if a2 < 1:
        a, b = max(1, body // 3), max(1, body // 3)
        a2 = body - a - b
    names, lengths = ["intro", "A", "B", "A'", "outro"], [intro, a, b, a2, outro]
    kept = [(n, length) for n, length in zip(names, lengths, strict=True) if length > 0]
    return [n for n, _ in kept], [length for _, length in kept]


def plan_form(
    total_bars: int,
    timeline: Timeline,
    rng: np.random.Generator,
    *,
    main_harmony: str | None,
    comping: tuple[str, ...] = (),
    style_parts: tuple[str, ...] = PARTS,
) -> Form:
    """The form of a track of `total_bars` bars; `main_harmony` is the harmony part that carries the chords
    (it plays nearly wherever there is music), `comping` the harmony parts that play (a B section may hand
    the chords to another comping part only when there is one); `style_parts` are the style's parts (the ones
    that may rest for a bar or two)."""
    names, lengths = _lengths(total_bars, rng)
    treatments = [_choice(rng, TREATMENTS[n], _TREATMENT_P[n]) for n in names]
    # Section-level choices, drawn up front in a fixed order so the plan never depends on the parts playing.
    draws = [rng.random(8) for _ in names]
    rests = [rng.random(7) for _ in names]
    pairs = [rng.random((len(_COME_AND_GO), total_bars)) for _ in names]
    sections, bar = [], 0
    for name, length, treatment in zip(names, lengths, treatments, strict=True):
        if name == "intro" and length == 1 and treatment in ("pickup", "drums"):
            treatment = "keys"
        if total_bars <= 4:
            treatment = ""
        sections.append(
            Section(name, bar, bar + length, timeline.time(bar, 0), timeline.time(bar + length, 0), treatment)
        )
        bar += length
    # "main" is the harmony part that carries the chords, "others" the other comping parts (keys, piano, pluck)
    levels = {part: np.zeros(total_bars, dtype=np.int64) for part in (*PARTS, "main", "others")}
    modes = ["off"] * total_bars
    events: list[ArrangementEvent] = []
    for index, (section, u) in enumerate(zip(sections, draws, strict=True)):
        previous = sections[index - 1] if index else None
        _arrange(section, u, levels, modes, events, timeline, previous=previous, swap=len(comping) > 1)
    if total_bars <= 4:  # a sketch of a few bars: everyone plays, so every part is heard
        for values in levels.values():
            values[:] = 2
        modes = ["full"] * total_bars
    # the parts that may rest: the style's own (not the brief's layers, so a layer switched off changes
    # nothing else), as roles for the comping
    resting = tuple(p for p in _RESTING if p in ("main", "others") or p in style_parts)
    for section, u, v in zip(sections, rests, pairs, strict=True):
        _rest(section, u, levels, events, timeline, resting)
        _come_and_go(section, v, levels, modes, trade=len(comping) > 1)
    main, others = levels.pop("main"), levels.pop("others")
    names_of = {
        "main": (main_harmony,) if main_harmony else (),
        "others": tuple(p for p in comping if p != main_harmony),
    }
    events = [
        e if e.kind != "dropout" else ArrangementEvent(e.kind, e.start_s, e.end_s, _real_parts(e.parts, names_of))
        for e in events
    ]
    for part in ("keys", "piano", "pluck"):
        # a plucked part plays its full figure wherever it plays at all
        levels[part] = np.where(others > 0, 2, 0) if part == "pluck" else others.copy()
    if main_harmony is not None:
        levels[main_harmony] = main
    ends = _section_ends(sections, modes, rng)
    for bar, end in enumerate(ends):
        if end == "drop" and modes[bar] == "full":
            modes[bar] = "nokick"
    levels["drums"] = np.array([0 if m == "off" else 2 for m in modes])
    return Form(
        sections=tuple(sections),
        levels={part: tuple(int(v) for v in values) for part, values in levels.items()},
        drum_modes=tuple(modes),
        bar_ends=tuple(ends),
        events=tuple(ArrangementEvent(e.kind, float(e.start_s), float(e.end_s), e.parts, e.direction) for e in events),
    )


def _section_ends(sections: list[Section], modes: list[str], rng: np.random.Generator) -> list[str]:
    """A fill or a drop (a bar without kick) in the last bar of a section that hands over to drums."""
    ends = [""] * len(modes)
    draws = rng.random(len(sections))
    for section, u in zip(sections, draws, strict=True):
        last = section.end_bar - 1
        if section is sections[-1] or section.name == "intro" or section.bars < 2:
            continue
        if modes[last] in ("off", "hats", "hit") or modes[last + 1] == "off":
            continue
        ends[last] = "drop" if u < 0.3 else "fill"
    return ends


def _real_parts(parts: tuple[str, ...], names_of: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Part names for the roles "main" (the chord-carrying part) and "others" (the other comping parts)."""
    out = [name for part in parts for name in names_of.get(part, (part,))]
    return tuple(dict.fromkeys(out))


def _come_and_go(section: Section, v: np.ndarray, levels: dict, modes: list[str], *, trade: bool = False) -> None:
    """Parts that come and go inside body sections, as a band passes colour around instead of everyone
    playing all the time: the second comping part in two-bar blocks, the hand percussion and the pad's
    swells bar by bar, each sitting out a fixed share of its blocks (which ones comes from the seed); the
    melody sits out a two-bar block of B now and then (A and A' state the hook); with
    `trade` (a second comping part exists) the chord part hands a block over to it now and then; the bass
    and the beat sit out a block now and then (never a section's first).

    A fixed share rather than a coin per block: two seeds then differ in the blocks they rest, not in how
    many, which is what keeps every pair of seeds' grids at least a fifth apart."""
    if section.name not in ("A", "B", "A'") or section.bars < 4:
        return
    for row, (part, size, rest_share, fixed) in enumerate(_COME_AND_GO):
        firsts = list(range(section.start_bar, section.end_bar - size + 1, size))
        if part == "melody" and section.name != "B":  # A and A' state the hook: the melody stays
            continue
        if part in ("bass", "drums"):  # never in a section's first block: it sets the loop
            firsts = firsts[1:]
        draws = v[row, : len(firsts)]
        if fixed:  # exactly this share of the blocks rest: the ones with the lowest draws
            resting = set(np.argsort(draws, kind="stable")[: round(rest_share * len(firsts))].tolist())
        else:
            resting = {k for k, u in enumerate(draws) if u < rest_share}
        for k in sorted(resting):
            block = slice(firsts[k], firsts[k] + size)
            if part == "main" and not (trade and np.all(levels["others"][block])):
                continue  # the chords rest only while the other comping part plays them
            if part == "drums":
                if all(mode == "full" for mode in modes[block]):
                    modes[block] = ["off"] * size
                continue
            levels[part][block] = 0


# part, block size in bars, share of the blocks it sits out, whether that share is exact ("main" after
# "others": it hands over only where the other part plays)
_COME_AND_GO = (
    ("others", 2, 0.4, True),
    ("perc", 1, 0.25, True),
    ("pad", 1, 0.4, True),
    ("melody", 2, 0.3, False),
    ("main", 2, 0.4, False),
    ("bass", 2, 0.2, False),
    ("drums", 2, 0.2, False),
)
_RESTING = ("bass", "others", "pad", "perc", "melody", "main")


def _rest(
    section: Section,
    u: np.ndarray,
    levels: dict,
    events: list[ArrangementEvent],
    timeline: Timeline,
    resting: tuple[str, ...] = (),
) -> None:
    """Drop-outs inside a body section: one to three parts rest for one or two bars (never the first bar), so
    the texture opens and closes the way a band breathes."""
    n = section.bars
    if section.name not in ("A", "B", "A'") or n < 4:
        return
    for k in range(1 + int(u[0] * 3)):
        part = resting[int(u[1 + 2 * k] * len(resting))]
        length = 1 if u[2 + 2 * k] < 0.6 else 2
        first = 1 + int(u[2 + 2 * k] * 1000) % max(1, n - length)
        bars = slice(section.start_bar + first, section.start_bar + min(n, first + length))
        if not np.any(levels[part][bars]):
            continue
        if part == "main" and not np.any(levels["others"][bars]):
            continue  # the chords rest only while another comping part carries them
        levels[part][bars] = 0
        start, end = timeline.time(bars.start, 0), timeline.time(bars.stop, 0)
        events.append(ArrangementEvent("dropout", start, end, (part,)))


def _arrange(
    section: Section,
    u: np.ndarray,
    levels: dict,
    modes: list[str],
    events: list[ArrangementEvent],
    timeline: Timeline,
    *,
    previous: Section | None,
    swap: bool,
) -> None:
    """Fill in the levels and drum modes of one section. `u` holds the section's uniform draws."""
    s, n, t = section.start_bar, section.bars, section.treatment

    def set_level(part: str, value: int, first: int = 0, stop: int | None = None) -> None:
        stop = n if stop is None else stop
        if first < stop:
            levels[part][s + first : s + stop] = value

    def set_modes(mode: str, first: int = 0, stop: int | None = None) -> None:
        for bar in range(s + first, s + (n if stop is None else stop)):
            modes[bar] = mode

    set_level("main", 2)
    set_level("pad", 2)
    if section.name == "intro":
        set_level("pad", 2 if t != "drums" and u[7] < 0.6 else 0)
        if t in ("keys", "pickup"):
            if n >= 2 and u[0] < 0.6:
                set_modes("hats", n - 1)
            if t == "pickup":
                set_level("melody", 1, n - 1)
            if n >= 2 and u[1] < 0.5:
                set_level("others", 1, n // 2)
        elif t == "filtered":  # the loop through a closed filter that opens into A
            set_modes("nokick" if u[0] < 0.4 else "full")
            set_level("bass", 2)
            set_level("others", 1)
            set_level("perc", 1, n // 2)
            events.append(ArrangementEvent("filter_sweep", section.start_s, section.end_s, (), "up"))
        else:  # drums: the beat with the keys, the bass waits for A
            set_modes("full" if u[0] < 0.5 else "nokick")
            set_level("perc", 1)
        return
    if section.name in ("A", "A'"):
        entry = [0, 2, 4][int(u[0] * 3)] if n >= 6 else [0, 1][int(u[0] * 2)] if n >= 3 else 0
        if section.name == "A'":
            entry = 0 if t != "late_melody" else min(2, n - 1)
        if section.name == "A" and previous is not None and previous.treatment == "pickup":
            entry = 0
        set_level("melody", 2, entry)
        bass_entry = 2 if (section.name == "A" and t == "build" and n >= 6 and u[1] < 0.5) else 0
        set_level("bass", 2, bass_entry)
        others_entry = [0, 2, n // 2][int(u[2] * 3)] if section.name == "A" else [0, 0, n // 2][int(u[2] * 3)]
        set_level("others", 1 if section.name == "A" else 2, others_entry)
        perc_entry = [0, 2, n // 2][int(u[3] * 3)] if section.name == "A" else 0
        set_level("perc", 2 if section.name == "A'" else 1, perc_entry)
        set_level("pad", 0)
        set_level("pad", 1 if section.name == "A" else 2, [0, n // 2, n][int(u[6] * 3)])
        set_modes("full")
        if section.name == "A" and t == "build" and n >= 6 and u[7] < 0.5:
            set_modes("off", 0, 2)  # the band starts without the drummer, who joins on bar 3
            set_level("perc", 0, 0, 2)
        elif section.name == "A" and t == "build" and n >= 4 and u[4] < 0.5:
            set_modes("hats", 0, 1)  # the groove builds: hats first, the kick joins on bar 2
        if section.name == "A'" and t == "drop" and n >= 4:
            drop = 1 + int(u[5] * (n - 2))  # one bar in the middle where the beat and bass drop out
            modes[s + drop] = "off"
            levels["bass"][s + drop] = 0
            start, end = timeline.time(s + drop, 0), timeline.time(s + drop + 1, 0)
            events.append(ArrangementEvent("dropout", start, end, ("drums", "bass")))
        return
    if section.name == "B":
        if t == "contrast":
            set_level("bass", 2)
            set_level("melody", 2)
            set_level("others", 2)
            set_level("perc", 2)
            set_modes("full")
            if n >= 2 and u[0] < 0.6:
                set_modes("nokick", 0, 1)
            if n >= 4 and u[2] < 0.5 and swap:  # the other comping part takes the chords for a while
                set_level("main", 0, 0, n // 2)
            if n >= 6 and u[1] < 0.5:  # a one-bar breath in the middle
                mid = n // 2 - 1
                set_modes("hats", mid, mid + 1)
                levels["melody"][s + mid] = 0
                levels["bass"][s + mid] = 1
        elif t == "breakdown":  # no beat: harmony, pad and the melody (or not), a rise back into A'
            set_level("bass", 1 if u[0] < 0.5 else 0)
            set_level("melody", 2 if u[1] < 0.6 else 0)
            set_level("others", 1)
            silent = n
            if u[2] < 0.4:
                silent = n // 2
                set_modes("hats", silent)
            if silent:
                end = timeline.time(s + silent, 0)
                events.append(ArrangementEvent("dropout", section.start_s, end, ("drums", "perc")))
            if n >= 2 and u[3] < 0.5:
                sweep_from = timeline.time(s + max(0, n - 2), 0)
                events.append(ArrangementEvent("filter_sweep", sweep_from, section.end_s, (), "up"))
            elif u[3] < 0.8:  # the tape stops on the last beat and A' drops in
                events.append(ArrangementEvent("tape_stop", timeline.time(s + n - 1, 12), section.end_s, ()))
        else:  # stripped: bass and keys over hats, then the beat returns with the melody
            half = max(1, n // 2)
            set_level("bass", 2)
            set_level("melody", 2, half)
            set_level("others", 1, half)
            set_modes("hats", 0, half)
            set_modes("full", half)
            set_level("perc", 1, half)
        return
    # outro
    if t == "thin" or (n == 1 and t != "tape_stop"):
        set_level("bass", 2, 0, n - 1)
        set_level("bass", 1, n - 1)
        set_level("melody", 1, 0, max(1, n // 2))
        set_level("perc", 1, 0, max(1, n // 2))
        if n == 1:
            modes[s] = "full" if previous is not None and previous.name != "A'" else "hats"
        else:
            set_modes("full", 0, 1)
            set_modes("hats", 1, 2)
    elif t == "tape_stop":  # the band plays on and the tape stops under it
        set_level("bass", 2)
        set_level("melody", 1, 0, max(1, n // 2))
        set_level("others", 1)
        set_level("perc", 1)
        set_modes("full")
        end = timeline.time(s + n, 0)
        events.append(ArrangementEvent("tape_stop", max(section.start_s, end - 2 * timeline.beat_s), end, ()))
    elif t == "filter_fade":
        set_level("bass", 2)
        set_level("melody", 1, 0, max(1, n // 2))
        set_level("others", 1, 0, max(1, n // 2))
        set_modes("hats")
        set_modes("full", 0, 1)
        events.append(ArrangementEvent("filter_sweep", section.start_s, section.end_s, (), "down"))
    else:  # cadence: the band lands together on the home chord
        set_level("bass", 2)
        set_level("melody", 1, 0, max(1, n - 1))
        set_level("others", 1, 0, n - 1)
        set_modes("full", 0, n - 1)
        modes[s + n - 1] = "hit"
