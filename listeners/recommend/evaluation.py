"""Leave-one-out evaluation: hide one interaction per listener, train on the rest, and count how often the
hidden track is among the top k the recommender suggests from what is left (hit rate at k)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Scorer = Callable[[int, np.ndarray], np.ndarray]  # (listener index, their training row) -> a score per track


def leave_one_out_split(strengths: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training matrix, held-out track per listener or -1) with one random interaction hidden per listener
    that has at least two."""
    rng = np.random.default_rng(seed)
    train = np.array(strengths, dtype=np.float32, copy=True)
    held = np.full(train.shape[0], -1, dtype=np.int64)
    for user in range(train.shape[0]):
        cols = np.flatnonzero(train[user])
        if cols.size < 2:
            continue
        held[user] = rng.choice(cols)
        train[user, held[user]] = 0.0
    return train, held


def hit_rate_at_k(train: np.ndarray, held: np.ndarray, scorer: Scorer, k: int = 10) -> float:
    """Share of evaluated listeners whose hidden track is in the top `k` of the tracks they have not seen."""
    hits = evaluated = 0
    for user in np.flatnonzero(held >= 0):
        scores = np.asarray(scorer(int(user), train[user]), dtype=np.float64).copy()
        scores[train[user] > 0] = -np.inf  # never recommend what they already have
        top = np.argpartition(-scores, k)[:k] if scores.size > k else np.arange(scores.size)
        hits += int(held[user] in top)
        evaluated += 1
    return hits / evaluated if evaluated else 0.0
