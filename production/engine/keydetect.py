"""Musical key and mode from pitch-class (chroma) profiles, and the Camelot wheel.

Two cues, in this order:
1. Global profile: the track's average chroma (blended with BASS_WEIGHT of the bass-register chroma, as
   the bass mostly plays chord roots) is correlated with the 24 rotations of major and minor key
   profiles: Albrecht & Shanahan (2013) and Temperley (2007), averaged; both tell a minor key from its
   relative major better than Krumhansl-Kessler on popular music. Jazz-leaning LoFi plays minor keys as
   Dorian (raised sixth), so a minor key scores the better of its Aeolian and Dorian profile.
2. Final cadence: songs end on their tonic, and the last bass notes play its root even under rootless
   jazz voicings. Among the keys whose profile score is within ENDING_WINDOW of the best (a relative, a
   fifth or a modal neighbour: the profile alone cannot separate those), the bass-register chroma of the
   last ENDING_S seconds adds up to ENDING_WEIGHT for the key whose tonic it sounds.
The ending cue assumes the track ends on its tonic; a track that fades out on another chord can come out
a fifth or a relative key away (the profile keeps it from going further).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from production.engine.brief import PITCH_CLASSES

# Index 0 is the tonic.
ALBRECHT_SHANAHAN = {
    "major": np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]),
    "minor": np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]),
}
TEMPERLEY = {
    "major": np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
    "minor": np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
}
KRUMHANSL_KESSLER = {
    "major": np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    "minor": np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
}
PROFILES = (ALBRECHT_SHANAHAN, TEMPERLEY)
BASS_WEIGHT = 0.2  # share of the bass chroma in the profile that is matched (tuned in bench/analysis.py)
ENDING_S = 4.0
ENDING_WINDOW = 0.35  # profile-score distance from the best within which the ending may decide
ENDING_WEIGHT = 1.0

# Camelot wheel numbers by pitch class: major keys carry "B", minor keys "A" (C major = 8B, A minor = 8A).
_CAMELOT_MAJOR = {0: 8, 7: 9, 2: 10, 9: 11, 4: 12, 11: 1, 6: 2, 1: 3, 8: 4, 3: 5, 10: 6, 5: 7}
_CAMELOT_MINOR = {9: 8, 4: 9, 11: 10, 6: 11, 1: 12, 8: 1, 3: 2, 10: 3, 5: 4, 0: 5, 7: 6, 2: 7}


@dataclass(frozen=True)
class KeyEstimate:
    tonic: str  # one of PITCH_CLASSES (sharps)
    mode: str  # "major" or "minor"
    confidence: float  # 0-1, see estimate_key
    camelot: str

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"


def camelot(tonic: str, mode: str) -> str:
    """Camelot code of a key: camelot("A", "minor") == "8A", camelot("C", "major") == "8B"."""
    if tonic not in PITCH_CLASSES or mode not in ("major", "minor"):
        raise ValueError(f"unknown key {tonic!r} {mode!r}")
    pc = PITCH_CLASSES.index(tonic)
    return f"{_CAMELOT_MAJOR[pc]}B" if mode == "major" else f"{_CAMELOT_MINOR[pc]}A"


def parse_camelot(code: str) -> tuple[int, str]:
    """("8A" ->) (8, "A"). Raises ValueError for anything that is not 1A-12B."""
    code = code.strip().upper()
    number, letter = code[:-1], code[-1:]
    if letter not in ("A", "B") or not number.isdigit() or not 1 <= int(number) <= 12:
        raise ValueError(f"{code!r} is not a Camelot code (1A-12B)")
    return int(number), letter


def key_scores(chroma: np.ndarray, bass_chroma: np.ndarray | None = None) -> np.ndarray:
    """Profile correlation (averaged over PROFILES) of a 12-bin chroma with each key: shape (2, 12), row 0
    major, row 1 minor, column = tonic pitch class."""
    profile = _unit(np.asarray(chroma, dtype=np.float64))
    if bass_chroma is not None and np.any(bass_chroma > 0):
        profile = (1 - BASS_WEIGHT) * profile + BASS_WEIGHT * _unit(np.asarray(bass_chroma, dtype=np.float64))
    scores = np.zeros((2, 12))
    for profiles in PROFILES:
        for row, mode in enumerate(("major", "minor")):
            variants = [profiles[mode]]
            if mode == "minor":  # Dorian: the major sixth (index 9) takes the weight of the minor sixth (8)
                dorian = profiles[mode].copy()
                dorian[[8, 9]] = dorian[[9, 8]]
                variants.append(dorian)
            # rotations[t] is the key profile moved so that its tonic sits on pitch class t
            scores[row] += np.max(
                [_correlate(np.stack([np.roll(v, tonic) for tonic in range(12)]), profile) for v in variants], axis=0
            )
    return scores / len(PROFILES)


def estimate_key(
    chroma: np.ndarray, bass_chroma: np.ndarray | None = None, ending_bass_chroma: np.ndarray | None = None
) -> KeyEstimate:
    """The key of a track from its time-averaged chroma (12 bins, C first), the time-averaged chroma of
    its bass register and that of the bass over its last ENDING_S seconds (see the module docstring).

    confidence = the winning profile correlation (clipped to 0-1) scaled by how clearly the winner's total
    beats the best key that is neither its relative nor a fifth away (those share most notes and are near
    misses, not confusions): 1 means an unambiguous tonal profile, 0 flat or atonal material.
    """
    scores = key_scores(chroma, bass_chroma)
    totals = scores.copy()
    if ending_bass_chroma is not None and np.max(ending_bass_chroma) > 0:
        ending = np.asarray(ending_bass_chroma, dtype=np.float64) / float(np.max(ending_bass_chroma))
        contenders = scores >= scores.max() - ENDING_WINDOW
        totals = np.where(contenders, scores + ENDING_WEIGHT * ending[None, :], scores)
    row, tonic = np.unravel_index(int(np.argmax(totals)), totals.shape)
    mode = ("major", "minor")[row]
    rivals = totals.copy()
    for r, t in _near_keys(int(row), int(tonic)):
        rivals[r, t] = -np.inf
    margin = float(totals[row, tonic]) - float(np.max(rivals))
    confidence = float(np.clip(scores[row, tonic], 0.0, 1.0) * np.clip(margin / 0.2, 0.0, 1.0))
    name = PITCH_CLASSES[int(tonic)]
    return KeyEstimate(tonic=name, mode=mode, confidence=confidence, camelot=camelot(name, mode))


def _near_keys(row: int, tonic: int) -> list[tuple[int, int]]:
    """The key itself, its relative and its neighbours a fifth up or down (same mode)."""
    relative = (row ^ 1, (tonic + 9) % 12 if row == 0 else (tonic + 3) % 12)
    return [(row, tonic), relative, (row, (tonic + 7) % 12), (row, (tonic + 5) % 12)]


def _unit(values: np.ndarray) -> np.ndarray:
    total = values.sum()
    return values / total if total > 0 else values


def _correlate(rotations: np.ndarray, profile: np.ndarray) -> np.ndarray:
    a = rotations - rotations.mean(axis=1, keepdims=True)
    b = profile - profile.mean()
    denominator = np.linalg.norm(a, axis=1) * np.linalg.norm(b)
    return np.where(denominator > 0, a @ b / np.where(denominator > 0, denominator, 1.0), 0.0)
