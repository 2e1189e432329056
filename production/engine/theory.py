"""Harmony for the composer: modes, extended chords, progressions and voice leading.

Pitch classes are integers 0-11 (C = 0). A chord knows where it comes from (`source`): diatonic to the
key's harmony mode, borrowed from a parallel mode (modal interchange), or a secondary dominant of a
diatonic degree. Each chord also carries the 7-note scale it was built from (its chord scale), which
the melody and bass draw on while the chord sounds.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np

MODE_INTERVALS: dict[str, tuple[int, ...]] = {
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
}
# Pentatonic melody scales (subsets of a 7-note mode on the same tonic).
PENTATONIC_INTERVALS: dict[str, tuple[int, ...]] = {
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "yo": (0, 2, 5, 7, 9),  # Japanese folk scale, fits over ionian
    "in": (0, 1, 5, 7, 8),  # Miyako-bushi, fits over phrygian
}
NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")
# Roman numeral of a root a given number of semitones above the tonic.
_ROOT_NUMERAL = {
    0: "I",
    1: "bII",
    2: "II",
    3: "bIII",
    4: "III",
    5: "IV",
    6: "#IV",
    7: "V",
    8: "bVI",
    9: "VI",
    10: "bVII",
    11: "VII",
}


def scale_pitch_classes(tonic_pc: int, mode: str) -> tuple[int, ...]:
    """The 7 pitch classes of `mode` on `tonic_pc`, in scale order."""
    return tuple((tonic_pc + step) % 12 for step in MODE_INTERVALS[mode])


@dataclass(frozen=True)
class Chord:
    """An extended tertian chord. `intervals` are semitones above the root, compound for 9/11/13."""

    root_pc: int
    intervals: tuple[int, ...]
    scale: tuple[int, ...]  # chord scale: 7 pitch classes the chord was stacked from, root first
    numeral: str  # "ii", "V7/vi", "bVII"
    source: str  # "diatonic" | "borrowed" | "secondary"
    borrowed_from: str | None = None  # mode name, for borrowed chords
    target_degree: int | None = None  # 1-7, for secondary dominants

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.root_pc + i) % 12 for i in self.intervals)

    @property
    def third(self) -> int:
        return next(i for i in self.intervals if i in (3, 4))

    @property
    def seventh(self) -> int | None:
        return next((i for i in self.intervals if i in (9, 10, 11)), None)

    @property
    def is_dominant(self) -> bool:
        return self.third == 4 and self.seventh == 10

    @property
    def extension(self) -> int:
        """Highest chord member: 7, 9, 11 or 13."""
        top = max(self.intervals)
        return 13 if top >= 20 else 11 if top >= 16 else 9 if top >= 13 else 7

    @property
    def symbol(self) -> str:
        ivs = set(self.intervals)
        fifth = 6 if 6 in ivs else 8 if 8 in ivs else 7
        if self.third == 3 and fifth == 6:
            base = "dim7" if 9 in ivs else "m7b5"
        elif self.third == 3:
            base = "mMaj7" if 11 in ivs else "m7"
        else:
            base = "maj7" if 11 in ivs else "7"
        natural = [n for n, iv in ((9, 14), (11, 17), (13, 21)) if iv in ivs]
        altered = [name for name, iv in (("b9", 13), ("#9", 15), ("#11", 18), ("b13", 20)) if iv in ivs]
        # 9 then 11 then 13 stack up; a 13th chord without its 11 is still a 13th chord (the 11 is
        # routinely left out over a major third).
        if natural and natural[0] == 9:
            top = natural[-1]
            name = {
                "m7": f"m{top}",
                "7": f"{top}",
                "maj7": f"maj{top}",
                "mMaj7": f"mMaj{top}",
                "m7b5": f"m{top}b5",
                "dim7": f"dim7add{top}",
            }[base]
        else:
            name = base + "".join(f"add{n}" for n in natural)
        return NOTE_NAMES[self.root_pc] + name + "".join(altered)


def _numeral(tonic_pc: int, root_pc: int, third: int, fifth_dim: bool) -> str:
    text = _ROOT_NUMERAL[(root_pc - tonic_pc) % 12]
    if third == 3:
        text = text.lower()
    return text + ("ø" if fifth_dim else "")


def stack_chord(scale: tuple[int, ...], degree_index: int, extension: int, *, allow_b9: bool) -> tuple[int, ...]:
    """Stack thirds from `scale` on the given degree (0-based) up to `extension` (7, 9, 11 or 13).

    Tensions that clash are left out, as a jazz pianist would: b9 except on dominants that resolve
    to a minor chord, natural 11 over a major third, b13 except on dominants.
    """
    root = scale[degree_index]
    members = []
    for step in range(7):
        pc = scale[(degree_index + 2 * step) % 7]
        interval = (pc - root) % 12 + (12 if step >= 4 else 0)
        members.append(interval)
    third, seventh = members[1], members[3]
    dominant = third == 4 and seventh == 10
    keep = members[:4]
    limit = {7: 4, 9: 5, 11: 6, 13: 7}[extension]
    for step in range(4, limit):
        interval = members[step]
        if step == 4 and interval == 13 and not (dominant and allow_b9):
            continue
        if step == 5 and (interval == 16 or (interval == 17 and third == 4)):
            continue
        if step == 5 and dominant:  # the 11th over a dominant reads as a sus chord; jazz leaves it out
            continue
        if step == 6 and interval == 20 and not dominant:
            continue
        if step == 6 and members[2] == 6:  # 13 over a half-diminished chord muddies it
            continue
        keep.append(interval)
    return tuple(keep)


def parse_token(token: str, *, tonic_pc: int, key_mode: str, extension: int) -> Chord:
    """Build a chord from a progression token.

    "2" is degree 2 of the key's harmony mode; "4@aeolian" is degree 4 borrowed from the parallel aeolian
    mode; "V/2" is the secondary dominant of degree 2 (its chord scale is the target's mixolydian or,
    for a minor target, the fifth mode of its harmonic minor).
    """
    key_scale = scale_pitch_classes(tonic_pc, key_mode)
    if token.startswith("V/"):
        target_degree = int(token[2:])
        target_root = key_scale[target_degree - 1]
        target_third = (key_scale[(target_degree + 1) % 7] - target_root) % 12
        if target_degree == 1:  # the dominant of the tonic is no secondary chord: plain V7 of the key
            mode = "harmonic_minor" if target_third == 3 else "ionian"
            return parse_token(f"5@{mode}", tonic_pc=tonic_pc, key_mode=key_mode, extension=max(extension, 9))
        root = (target_root + 7) % 12
        target_mode = "harmonic_minor" if target_third == 3 else "ionian"
        target_scale = scale_pitch_classes(target_root, target_mode)
        scale = tuple(target_scale[(4 + i) % 7] for i in range(7))  # the mode starting on the fifth
        intervals = stack_chord(scale, 0, max(extension, 9), allow_b9=target_mode == "harmonic_minor")
        target_name = _numeral(tonic_pc, target_root, target_third, False)
        return Chord(
            root_pc=root,
            intervals=intervals,
            scale=scale,
            numeral=f"V7/{target_name}",
            source="secondary",
            target_degree=target_degree,
        )
    degree_text, _, mode = token.partition("@")
    degree = int(degree_text)
    mode = mode or key_mode
    mode_scale = scale_pitch_classes(tonic_pc, mode)
    rotated = tuple(mode_scale[(degree - 1 + i) % 7] for i in range(7))
    intervals = stack_chord(mode_scale, degree - 1, extension, allow_b9=mode == "harmonic_minor")
    root = mode_scale[degree - 1]
    chord_pcs = {(root + i) % 12 for i in intervals}
    borrowed = mode != key_mode and not chord_pcs <= set(key_scale)
    if not borrowed:
        rotated = tuple(key_scale[(key_scale.index(root) + i) % 7] for i in range(7)) if root in key_scale else rotated
    numeral = _numeral(tonic_pc, root, intervals[1], intervals[2] == 6)
    return Chord(
        root_pc=root,
        intervals=intervals,
        scale=rotated,
        numeral=numeral,
        source="borrowed" if borrowed else "diatonic",
        borrowed_from=mode if borrowed else None,
    )


def progression_chords(
    bar_tokens: tuple[str, ...],
    *,
    tonic_pc: int,
    key_mode: str,
    extension_weights: tuple[float, float, float, float],
    rng: np.random.Generator,
    loops: tuple[str, ...] | None = None,
) -> list[list[Chord]]:
    """Turn a progression template (one string per bar, chords in a bar separated by commas) into chords.

    The extension of each chord (7/9/11/13) is drawn from `extension_weights` once per chord of a loop:
    `loops` names the loop (progression) each bar plays, and a chord that returns with its loop keeps the
    extension it had (a pianist's voicing of "the Cmaj9 in bar 1" does not become a Cmaj13 next time round).
    Without `loops` the whole track counts as one loop.
    """
    weights = np.asarray(extension_weights, dtype=float)
    weights = weights / weights.sum()
    loops = loops if loops is not None else ("",) * len(bar_tokens)
    drawn: dict[tuple[str, str], int] = {}
    bars = []
    for bar, loop in zip(bar_tokens, loops, strict=True):
        chords = []
        for token in bar.split(","):
            token = token.strip()
            if (loop, token) not in drawn:
                drawn[(loop, token)] = int(rng.choice((7, 9, 11, 13), p=weights))
            chords.append(parse_token(token, tonic_pc=tonic_pc, key_mode=key_mode, extension=drawn[(loop, token)]))
        bars.append(chords)
    return bars


def chord_tone_priority(chord: Chord, *, rootless: bool) -> list[int]:
    """Pitch classes in the order a voicing should keep them: guide tones, colour tones, then fifth and root."""
    ivs = list(chord.intervals)
    order = [chord.third]
    if chord.seventh is not None:
        order.append(chord.seventh)
    extensions = sorted((i for i in ivs if i >= 13), reverse=True)
    order += extensions
    fifth = next((i for i in ivs if i in (6, 7, 8)), None)
    if fifth is not None:
        order.append(fifth)
    if not rootless:
        order.append(0)
    seen: list[int] = []
    for interval in order:
        pc = (chord.root_pc + interval) % 12
        if pc not in seen:
            seen.append(pc)
    if rootless:
        seen.append(chord.root_pc)  # last resort when a voicing needs more notes than colours exist
    return seen


def voice_leading_distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Total semitones the voices move going from voicing a to voicing b (sorted voices paired up;
    with unequal sizes the extra voices are paired with their nearest note)."""
    a_sorted, b_sorted = sorted(a), sorted(b)
    if len(a_sorted) == len(b_sorted):
        return int(sum(abs(x - y) for x, y in zip(a_sorted, b_sorted, strict=True)))
    short, long_ = (a_sorted, b_sorted) if len(a_sorted) < len(b_sorted) else (b_sorted, a_sorted)
    return int(sum(min(abs(x - y) for y in short) for x in long_))


@functools.lru_cache(maxsize=4096)
def _candidates(pitch_set: tuple[int, ...], low: int, high: int, max_span: int) -> tuple[np.ndarray, np.ndarray]:
    """Every playable placement of the pitch classes in [low, high] (sorted voices, interval gaps)."""
    options = [[p for p in range(low, high + 1) if p % 12 == pc] for pc in pitch_set]
    if any(not opts for opts in options):
        empty = np.zeros((0, len(pitch_set)), dtype=np.int64)
        return empty, empty[:, 1:]
    candidates = np.array(list(itertools.product(*options)), dtype=np.int64)
    candidates.sort(axis=1)
    gaps = np.diff(candidates, axis=1)
    span = candidates[:, -1] - candidates[:, 0]
    ok = (gaps > 0).all(axis=1) & (span <= max_span)
    low_notes = candidates[:, :-1] < 55
    ok &= ~((gaps < 3) & low_notes).any(axis=1)
    candidates, gaps = candidates[ok], gaps[ok]
    candidates.setflags(write=False)
    gaps.setflags(write=False)
    return candidates, gaps


def voice_chord(
    chord: Chord,
    *,
    previous: tuple[int, ...] | None,
    size: int,
    low: int,
    high: int,
    rootless: bool,
    max_span: int = 19,
    top: int | None = None,
    with_root: bool = False,
    root_lowest: bool = False,
) -> tuple[int, ...]:
    """Choose MIDI pitches for the chord within [low, high] that move least from `previous`.

    Candidates are every octave placement of the `size` most important chord tones; low notes keep
    wide intervals (no mud below G3), clusters of semitones are penalised, and the voicing is pulled
    gently towards the middle of the range so it does not drift over a long track. `top` asks for a top
    note (a guide-tone line the comping sings on top): voicings whose top note is further away cost more.
    `with_root` keeps the root among the voices (even in a rootless or small voicing); `root_lowest` prefers
    voicings that stand on the root.
    """
    pcs = chord_tone_priority(chord, rootless=rootless)
    if with_root:  # the home chord keeps its root, so a rootless minor i is not heard as its relative major
        pcs = [chord.root_pc, *[pc for pc in pcs if pc != chord.root_pc]]
    size = min(size, len(pcs))
    pitch_sets = [pcs[:size]]
    if len(pcs) > size and not (rootless and pcs[size] == chord.root_pc):
        pitch_sets.append([*pcs[: size - 1], pcs[size]])  # also try the next tone in place of the last
    centre = (low + high) / 2
    best: tuple[float, tuple[int, ...]] | None = None
    for pitch_set in pitch_sets:
        candidates, gaps = _candidates(tuple(pitch_set), low, high, max_span)
        if not len(candidates):
            continue
        cost = 1.5 * np.abs(candidates.mean(axis=1) - centre) + 2.0 * (gaps == 1).sum(axis=1)
        if previous is not None:
            prev = np.sort(np.asarray(previous))
            if len(prev) == candidates.shape[1]:
                move = np.abs(candidates - prev).sum(axis=1)
            else:
                move = np.abs(candidates[:, :, None] - prev[None, None, :]).min(axis=2).sum(axis=1)
            cost = cost * 0.35 + move
        if top is not None:
            cost = cost + 3.0 * np.abs(candidates[:, -1] - top)
        if root_lowest:  # a home chord stands on its own root, not on its third
            cost = cost + 6.0 * (candidates[:, 0] % 12 != chord.root_pc)
        index = int(np.argmin(cost))
        if best is None or cost[index] < best[0]:
            best = (float(cost[index]), tuple(int(p) for p in candidates[index]))
    if best is None:  # range too narrow for the constraints: stack the tones upwards from `low`
        pitches, current = [], low - 1
        for pc in pcs[:size]:
            current = current + 1 + (pc - current - 1) % 12
            pitches.append(current)
        return tuple(sorted(pitches))
    return best[1]


def chord_scale_for_melody(chord: Chord, *, tonic_pc: int, pentatonic: str | None) -> tuple[int, ...]:
    """Pitch classes a melody may use over `chord`: its chord scale, narrowed to the style's pentatonic
    scale over diatonic chords (borrowed and secondary chords keep their own colour)."""
    if pentatonic is None or chord.source != "diatonic":
        return chord.scale
    allowed = {(tonic_pc + i) % 12 for i in PENTATONIC_INTERVALS[pentatonic]}
    narrowed = tuple(pc for pc in chord.scale if pc in allowed)
    return narrowed if len(narrowed) >= 4 else chord.scale
