"""Content-based similarity: how alike two tracks sound, from what analysis knows about them.

The harmonic, tempo, energy and mood parts are the sequencing engine's `compatibility_matrix` (Camelot
neighbours, tempo ratio with half/double time, energy continuity, mood overlap): a track that mixes well after
another is also one a listener of the first is likely to enjoy. A shared style adds STYLE_WEIGHT on top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from production.engine.sequencing import TrackFeatures, compatibility_matrix

STYLE_WEIGHT = 0.3  # share of the score that a shared style (jazz, chillhop, ambient...) carries


def similarity_matrix(features: Sequence[TrackFeatures], styles: Sequence[str]) -> np.ndarray:
    """Symmetric similarity 0-1 of every pair of tracks (float32, n × n), the diagonal set to 0 so a track is
    never its own neighbour."""
    n = len(features)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    compat = compatibility_matrix(features, features)
    compat = 0.5 * (compat + compat.T)  # key and energy parts are symmetric already; keep it exact
    style = np.asarray(styles, dtype=object)
    same_style = (style[:, None] == style[None, :]) & (style[:, None] != "")
    sim = ((1 - STYLE_WEIGHT) * compat + STYLE_WEIGHT * same_style).astype(np.float32)
    np.fill_diagonal(sim, 0.0)
    return sim


def more_like_this(sim: np.ndarray, index: int, n: int = 10, exclude: Sequence[int] = ()) -> list[int]:
    """Indices of the `n` tracks most similar to track `index`, best first (ties keep catalogue order)."""
    scores = sim[index].astype(np.float64, copy=True)
    scores[index] = -np.inf
    if len(exclude):
        scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
    order = np.argsort(-scores, kind="stable")[:n]
    return [int(i) for i in order if np.isfinite(scores[i])]


def profile_scores(sim: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score of every track for a listener whose interactions weigh `weights` (one per track, 0 for none):
    the weighted mean similarity to what they liked."""
    total = float(weights.sum())
    if total <= 0:
        return np.zeros(sim.shape[0], dtype=np.float64)
    return (sim.T @ weights.astype(np.float32)).astype(np.float64) / total


def similarity_rows(
    sources: Sequence[TrackFeatures],
    source_styles: Sequence[str],
    targets: Sequence[TrackFeatures],
    target_styles: Sequence[str],
) -> np.ndarray:
    """Similarity of a few source tracks (rows) to every target (columns), as `similarity_matrix` scores it
    (symmetrised compatibility plus the shared style), without building the whole catalogue's matrix. A target
    with the same id as a source scores 0."""
    if not sources or not targets:
        return np.zeros((len(sources), len(targets)), dtype=np.float32)
    compat = 0.5 * (compatibility_matrix(sources, targets) + compatibility_matrix(targets, sources).T)
    src, tgt = np.asarray(source_styles, dtype=object), np.asarray(target_styles, dtype=object)
    same_style = (src[:, None] == tgt[None, :]) & (src[:, None] != "")
    sim = ((1 - STYLE_WEIGHT) * compat + STYLE_WEIGHT * same_style).astype(np.float32)
    target_ids = {t.id: j for j, t in enumerate(targets)}
    for i, source in enumerate(sources):
        j = target_ids.get(source.id)
        if j is not None:
            sim[i, j] = 0.0
    return sim
