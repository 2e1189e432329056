"""Track-to-track compatibility, next-track suggestions and long-mix running orders."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from production.engine.keydetect import camelot
from production.engine.sequencing import TrackFeatures, compatibility, mix_sequence, suggest_next


def track(track_id, bpm=80.0, key="A", mode="minor", energy=0.5, moods=("chill",), duration_s=180.0):
    return TrackFeatures(
        id=track_id,
        bpm=bpm,
        key=key,
        mode=mode,
        camelot=camelot(key, mode),
        energy=energy,
        moods=frozenset(moods),
        duration_s=duration_s,
    )


def test_same_key_tempo_energy_and_mood_is_a_perfect_fit():
    assert compatibility(track(1), track(2)) == pytest.approx(1.0)


def test_camelot_neighbours_beat_clashing_keys():
    a_minor = track(1)
    scores = {
        name: compatibility(a_minor, other)
        for name, other in {
            "relative C major": track(2, key="C", mode="major"),
            "fifth up E minor": track(3, key="E", mode="minor"),
            "fifth down D minor": track(4, key="D", mode="minor"),
            "tritone D# minor": track(5, key="D#", mode="minor"),
            "semitone A# minor": track(6, key="A#", mode="minor"),
        }.items()
    }

    for good in ("relative C major", "fifth up E minor", "fifth down D minor"):
        for bad in ("tritone D# minor", "semitone A# minor"):
            assert scores[good] > scores[bad] + 0.2


def test_tempo_within_six_percent_or_half_double_fits():
    base = track(1, bpm=80)

    assert compatibility(base, track(2, bpm=84)) > compatibility(base, track(3, bpm=90))
    assert compatibility(base, track(4, bpm=160)) == pytest.approx(1.0)
    assert compatibility(base, track(5, bpm=41)) > 0.9
    assert compatibility(base, track(6, bpm=100)) < compatibility(base, track(7, bpm=84)) - 0.2


def test_energy_jump_and_no_shared_mood_cost_points():
    base = track(1, energy=0.3, moods=("chill", "rainy"))

    assert compatibility(base, track(2, energy=0.35)) > compatibility(base, track(3, energy=0.9))
    assert compatibility(base, track(4, moods=("rainy",))) > compatibility(base, track(5, moods=("hype",)))


def test_suggest_next_ranks_and_explains():
    current = track("now", bpm=80, key="A", mode="minor", energy=0.4)
    candidates = [
        current,
        track("clash", bpm=112, key="D#", mode="major", energy=0.9, moods=("hype",)),
        track("relative", bpm=82, key="C", mode="major", energy=0.45),
        track("same", bpm=80, key="A", mode="minor", energy=0.42),
    ]

    suggestions = suggest_next(current, candidates, n=2)

    assert [s[0] for s in suggestions] == ["same", "relative"]
    assert suggestions[0][1] > suggestions[1][1]
    reasons = " | ".join(suggestions[1][2])
    assert "relative key (8A → 8B)" in reasons and "tempo fits" in reasons


def _pool(n=30, seed=0):
    rng = np.random.default_rng(seed)
    keys = [("A", "minor"), ("E", "minor"), ("C", "major"), ("G", "major"), ("D", "minor"), ("F#", "major")]
    return [
        track(
            i,
            bpm=float(rng.integers(70, 95)),
            key=keys[i % 6][0],
            mode=keys[i % 6][1],
            energy=float(rng.uniform(0.1, 0.9)),
            moods=(("chill", "study", "rainy")[i % 3],),
            duration_s=float(rng.uniform(150, 210)),
        )
        for i in range(n)
    ]


def test_mix_sequence_fills_the_target_without_repeats():
    pool = _pool()
    by_id = {t.id: t for t in pool}

    order = mix_sequence(pool, 3600.0)

    total_s = sum(by_id[i].duration_s for i in order)
    assert len(order) == len(set(order))
    assert abs(total_s - 3600) < 210  # within one track of the target


def test_mix_sequence_rises_then_settles_and_keeps_transitions_compatible():
    pool = _pool(n=40, seed=1)
    by_id = {t.id: t for t in pool}

    order = mix_sequence(pool, 3600.0)

    energy = np.array([by_id[i].energy for i in order])
    third = len(order) // 3
    assert energy[:third].mean() < energy[third : 2 * third].mean()
    assert energy[-2:].mean() < energy.max()
    ordered = np.mean([compatibility(by_id[a], by_id[b]) for a, b in itertools.pairwise(order)])
    shuffled = list(np.random.default_rng(5).permutation(order))
    random_order = np.mean([compatibility(by_id[a], by_id[b]) for a, b in itertools.pairwise(shuffled)])
    assert ordered > random_order + 0.1


def test_small_pool_is_used_whole():
    pool = _pool(n=5)

    assert sorted(mix_sequence(pool, 8 * 3600.0)) == [t.id for t in pool]
    assert mix_sequence([], 600.0) == []
