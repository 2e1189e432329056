"""Which track goes well after which, and the running order of a long mix.

`compatibility(a, b)` scores how smoothly `b` can follow `a`, 0-1, as a weighted sum (WEIGHTS) of:
- key: harmonic mixing on the Camelot wheel: same key 1.0, a neighbour (±1, same letter) 0.85, the
  relative key (same number) 0.8, a diagonal step (±1, other letter) 0.5, two steps 0.4, anything else 0;
- tempo: the BPM ratio, also against half and double time; 1.0 when equal, 0.7 at the edge of
  TEMPO_TOLERANCE (±6%), down to 0 at twice that;
- energy: continuity, 1 - |difference| / 0.4 (clipped);
- mood: overlap of the mood tags (Jaccard index).
An unknown key, tempo or mood set counts as a neutral 0.5 for its part.

`mix_sequence` picks and orders tracks for a long mix: a greedy walk that follows an energy arc (rising
to a peak at ARC_PEAK of the mix, then settling) while keeping each transition compatible, improved by
2-opt segment reversals on the whole running cost.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

WEIGHTS = {"key": 0.35, "tempo": 0.30, "energy": 0.20, "mood": 0.15}
TEMPO_TOLERANCE = 0.06
ENERGY_SPAN = 0.4
ARC_PEAK = 0.65  # share of the mix at which energy peaks
ARC_END = 0.4  # where the energy settles at the end, as a share of the low-to-high range
ARC_WEIGHT = 1.0  # weight of missing the arc against one unit of incompatibility
NEUTRAL = 0.5


@dataclass(frozen=True)
class TrackFeatures:
    id: Hashable
    bpm: float  # 0 when unknown
    key: str  # tonic, e.g. "A" or "F#"; "" when unknown
    mode: str  # "major" / "minor" / ""
    camelot: str  # e.g. "8A"; "" when unknown
    energy: float  # 0-1 (analysis.energy_score)
    moods: frozenset[str] = field(default_factory=frozenset)
    duration_s: float = 0.0


def compatibility(a: TrackFeatures, b: TrackFeatures) -> float:
    """How well `b` follows `a`, 0-1 (see the module docstring for the parts and weights)."""
    return float(compatibility_matrix([a], [b])[0, 0])


def compatibility_matrix(sources: Sequence[TrackFeatures], targets: Sequence[TrackFeatures]) -> np.ndarray:
    """`compatibility` of every source (rows) followed by every target (columns), vectorised."""
    parts = _parts(_Arrays(sources), _Arrays(targets))
    return cast(np.ndarray, sum(WEIGHTS[name] * parts[name] for name in WEIGHTS))


def suggest_next(
    track: TrackFeatures, candidates: Sequence[TrackFeatures], n: int = 10
) -> list[tuple[Hashable, float, list[str]]]:
    """The `n` candidates that follow `track` best: (id, score 0-1, human-readable reasons), best first.
    The track itself (same id) is never suggested."""
    pool = [c for c in candidates if c.id != track.id]
    if not pool:
        return []
    parts = _parts(_Arrays([track]), _Arrays(pool))
    scores = sum(WEIGHTS[name] * parts[name][0] for name in WEIGHTS)
    order = np.argsort(-scores, kind="stable")[:n]
    return [(pool[i].id, round(float(scores[i]), 4), _reasons(track, pool[i])) for i in order]


def mix_sequence(
    tracks: Sequence[TrackFeatures], target_duration_s: float, *, crossfade_s: float = 0.0
) -> list[Hashable]:
    """Ids of tracks, in playing order, filling about `target_duration_s` of mix.

    Each track adds its duration minus `crossfade_s` (the overlap with the next). Tracks are not repeated:
    when the pool is too small, all of it is used. The order keeps transitions compatible and follows the
    energy arc (quiet start, peak at ARC_PEAK, settling towards the end).
    """
    if not tracks or target_duration_s <= 0:
        return []
    arrays = _Arrays(tracks)
    incompatibility = 1.0 - compatibility_matrix(tracks, tracks)
    durations = np.maximum(arrays.duration - crossfade_s, 1.0)
    low, high = np.percentile(arrays.energy, [10, 90]) if len(tracks) > 1 else (arrays.energy[0],) * 2

    def arc(position: np.ndarray) -> np.ndarray:
        rising = np.sin(0.5 * np.pi * np.minimum(position / ARC_PEAK, 1.0))
        settling = ARC_END + (1 - ARC_END) * np.cos(0.5 * np.pi * (position - ARC_PEAK) / (1 - ARC_PEAK))
        return low + (high - low) * np.where(position <= ARC_PEAK, rising, settling)

    # greedy walk: each step takes the unused track that best continues the previous one at this point
    used = np.zeros(len(tracks), dtype=bool)
    order: list[int] = []
    elapsed = 0.0
    while not used.all() and elapsed < target_duration_s - 0.5 * float(np.median(durations)):
        middle = (elapsed + 0.5 * durations) / target_duration_s
        cost = ARC_WEIGHT * np.abs(arrays.energy - arc(middle))
        cost += incompatibility[order[-1]] if order else incompatibility.mean(axis=1)
        cost[used] = np.inf
        choice = int(np.argmin(cost))
        order.append(choice)
        used[choice] = True
        elapsed += durations[choice]
    improved = _two_opt(
        np.array(order, dtype=np.int64), incompatibility, durations, arrays.energy, arc, target_duration_s
    )
    return [tracks[i].id for i in improved]


def _two_opt(
    order: np.ndarray,
    incompatibility: np.ndarray,
    durations: np.ndarray,
    energy: np.ndarray,
    arc: Callable[[np.ndarray], np.ndarray],
    target_duration_s: float,
    *,
    max_rounds: int = 4,
    max_segment: int = 60,
) -> list[int]:
    """Reverse segments (up to `max_segment` tracks long) of the order while that lowers the total cost
    (transitions + arc misses)."""

    def total(candidate: np.ndarray) -> float:
        ends = np.cumsum(durations[candidate])
        middles = (ends - 0.5 * durations[candidate]) / target_duration_s
        transitions = incompatibility[candidate[:-1], candidate[1:]].sum()
        return float(transitions + ARC_WEIGHT * np.abs(energy[candidate] - arc(middles)).sum())

    best = total(order)
    for _ in range(max_rounds):  # a few rounds: each is O(n^2) candidate reversals
        improved = False
        for i in range(len(order) - 1):
            for j in range(i + 1, min(len(order), i + max_segment)):
                candidate = order.copy()
                candidate[i : j + 1] = candidate[i : j + 1][::-1]
                cost = total(candidate)
                if cost < best - 1e-9:
                    order, best, improved = candidate, cost, True
        if not improved:
            break
    return order.tolist()


class _Arrays:
    """Column arrays of a list of TrackFeatures, for vectorised scoring."""

    def __init__(self, tracks: Sequence[TrackFeatures]) -> None:
        self.bpm = np.array([t.bpm or 0.0 for t in tracks], dtype=np.float64)
        self.energy = np.array([t.energy for t in tracks], dtype=np.float64)
        self.duration = np.array([t.duration_s for t in tracks], dtype=np.float64)
        numbers, letters = [], []
        for t in tracks:
            number, letter = _split_camelot(t.camelot)
            numbers.append(number)
            letters.append(letter)
        self.camelot_number = np.array(numbers, dtype=np.int64)  # 0 when unknown
        self.camelot_letter = np.array(letters)
        self.moods = [t.moods for t in tracks]


def _parts(a: _Arrays, b: _Arrays) -> dict[str, np.ndarray]:
    return {"key": _key_part(a, b), "tempo": _tempo_part(a, b), "energy": _energy_part(a, b), "mood": _mood_part(a, b)}


def _key_part(a: _Arrays, b: _Arrays) -> np.ndarray:
    na, nb = a.camelot_number[:, None], b.camelot_number[None, :]
    same_letter = a.camelot_letter[:, None] == b.camelot_letter[None, :]
    step = np.minimum((na - nb) % 12, (nb - na) % 12)
    score = np.select(
        [
            same_letter & (step == 0),
            same_letter & (step == 1),
            ~same_letter & (step == 0),
            ~same_letter & (step == 1),
            same_letter & (step == 2),
        ],
        [1.0, 0.85, 0.8, 0.5, 0.4],
        default=0.0,
    )
    unknown = (na == 0) | (nb == 0)
    return np.where(unknown, NEUTRAL, score)


def _tempo_part(a: _Arrays, b: _Arrays) -> np.ndarray:
    deviation = _tempo_deviation(a.bpm[:, None], b.bpm[None, :])
    inside = 1.0 - 0.3 * deviation / TEMPO_TOLERANCE
    outside = 0.7 * np.clip(1.0 - (deviation - TEMPO_TOLERANCE) / TEMPO_TOLERANCE, 0.0, 1.0)
    score = np.where(deviation <= TEMPO_TOLERANCE, inside, outside)
    unknown = (a.bpm[:, None] <= 0) | (b.bpm[None, :] <= 0)
    return np.where(unknown, NEUTRAL, score)


def _tempo_deviation(a_bpm: np.ndarray, b_bpm: np.ndarray) -> np.ndarray:
    """Smallest relative tempo difference, also counting half and double time."""
    safe_a = np.where(a_bpm > 0, a_bpm, 1.0)
    return np.min([np.abs(b_bpm * ratio - safe_a) / safe_a for ratio in (1.0, 2.0, 0.5)], axis=0)


def _energy_part(a: _Arrays, b: _Arrays) -> np.ndarray:
    return np.clip(1.0 - np.abs(a.energy[:, None] - b.energy[None, :]) / ENERGY_SPAN, 0.0, 1.0)


def _mood_part(a: _Arrays, b: _Arrays) -> np.ndarray:
    vocabulary = sorted(set().union(*a.moods, *b.moods))
    if not vocabulary:
        return np.full((len(a.moods), len(b.moods)), NEUTRAL)
    index = {mood: i for i, mood in enumerate(vocabulary)}

    def one_hot(mood_sets: list[frozenset[str]]) -> np.ndarray:
        matrix = np.zeros((len(mood_sets), len(vocabulary)))
        for row, moods in enumerate(mood_sets):  # one row per track
            matrix[row, [index[m] for m in moods]] = 1.0
        return matrix

    ma, mb = one_hot(a.moods), one_hot(b.moods)
    shared = ma @ mb.T
    union = ma.sum(axis=1)[:, None] + mb.sum(axis=1)[None, :] - shared
    either_empty = (ma.sum(axis=1)[:, None] == 0) | (mb.sum(axis=1)[None, :] == 0)
    return np.where(either_empty, NEUTRAL, shared / np.maximum(union, 1.0))


def _reasons(a: TrackFeatures, b: TrackFeatures) -> list[str]:
    reasons = []
    key = float(_key_part(_Arrays([a]), _Arrays([b]))[0, 0])
    if a.camelot and b.camelot:
        label = {
            1.0: "same key",
            0.85: "neighbouring key",
            0.8: "relative key",
            0.5: "diagonal key step",
            0.4: "two steps round the wheel",
        }.get(key, "keys clash")
        reasons.append(f"{label} ({a.camelot} → {b.camelot})")
    if a.bpm > 0 and b.bpm > 0:
        deviation = float(_tempo_deviation(np.array(a.bpm), np.array(b.bpm)))
        ratio = b.bpm / a.bpm
        feel = " in half time" if ratio < 0.75 else (" in double time" if ratio > 1.5 else "")
        verdict = "tempo fits" if deviation <= TEMPO_TOLERANCE else "tempo jump"
        reasons.append(f"{verdict}{feel} ({a.bpm:.0f} → {b.bpm:.0f} BPM, {100 * deviation:.1f}% off)")
    step = b.energy - a.energy
    reasons.append(
        f"energy {'rises' if step > 0.02 else 'drops' if step < -0.02 else 'holds'} ({a.energy:.2f} → {b.energy:.2f})"
    )
    shared = sorted(a.moods & b.moods)
    if shared:
        reasons.append("shares moods: " + ", ".join(shared))
    return reasons


def _split_camelot(code: str) -> tuple[int, str]:
    code = (code or "").strip().upper()
    if len(code) >= 2 and code[-1] in "AB" and code[:-1].isdigit() and 1 <= int(code[:-1]) <= 12:
        return int(code[:-1]), code[-1]
    return 0, ""
