"""Recommendations: serve "More like this" and "For you" from the chosen recommender, and train the learned
model nightly.

- popular: what most people played, saved and listed in the last 90 days;
- content: the sequencing engine's compatibility (Camelot, tempo, energy, moods) plus style, to the track on
  the page or to what the listener already likes;
- learned: implicit-feedback ALS trained nightly on favourites, playlist adds, preview plays and purchases.
  A newcomer the last training did not know yet is served content-based from what they saved and played; a
  visitor with nothing saved or played gets the popular list.
"""

from __future__ import annotations

import io
import logging

import numpy as np
from django.db import transaction
from scipy import sparse

from catalog.models import Track
from listeners import selectors
from listeners.models import Listener, Recommender, RecommenderModel, Surface
from listeners.recommend import als, content, evaluation, popularity
from production.selectors import track_features

logger = logging.getLogger(__name__)
POOL_MAX = 2000  # newest storefront tracks considered per request
MIN_LISTENERS_TO_TRAIN = 2
MIN_LISTENERS_TO_EVALUATE = 20
EVAL_LISTENERS_MAX = 3000
ALS_PARAMS = als.AlsParams()


def _pool() -> list[Track]:
    """The candidates with just what scoring reads (features, style, moods): no files for 2000 tracks."""
    pool = selectors.storefront_pool().prefetch_related(None).prefetch_related("moods")
    return list(pool.order_by("-created_at")[:POOL_MAX])


def _style(track: Track) -> str:
    return track.style.slug if track.style_id else ""


def recommend(
    *, surface: str, recommender: str, listener: Listener | None = None, track: Track | None = None, n: int = 8
) -> list[Track]:
    """Up to `n` storefront tracks for a surface: similar to `track` (more like this) or for `listener`."""
    pool = _pool()
    if not pool:
        return []
    exclude = {track.pk} if track else set()
    if surface == Surface.MORE_LIKE_THIS and track is not None:
        scores = _more_like_this_scores(recommender, track, pool)
    else:
        scores, seen = _for_you_scores(recommender, listener, pool)
        exclude |= seen
    order = np.argsort(-scores, kind="stable")
    chosen = [pool[i].pk for i in order if pool[i].pk not in exclude and np.isfinite(scores[i])][:n]
    full = selectors.storefront_pool().in_bulk(chosen)  # the few shown, with their previews and moods
    return [full[pk] for pk in chosen if pk in full]


def _popular_scores(pool: list[Track]) -> np.ndarray:
    counts = selectors.popularity([t.pk for t in pool])
    # Ties (a quiet shop) fall back to the newest first, the pool's order, through the stable sort.
    return np.array([counts.get(t.pk, 0.0) for t in pool], dtype=np.float64)


def _more_like_this_scores(recommender: str, track: Track, pool: list[Track]) -> np.ndarray:
    if recommender == Recommender.POPULAR:
        return _popular_scores(pool)
    if recommender == Recommender.LEARNED:
        model = _active_model()
        if model is not None and track.pk in model.track_index:
            vectors = model.track_vectors([t.pk for t in pool])
            seed = model.track_factors[model.track_index[track.pk]]
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(seed) or 1.0)
            return np.where(norms > 0, vectors @ seed / np.maximum(norms, 1e-9), -1.0)
    [seed] = track_features([track])
    return content.similarity_rows([seed], [_style(track)], track_features(pool), [_style(t) for t in pool])[0]


def _for_you_scores(recommender: str, listener: Listener | None, pool: list[Track]) -> tuple[np.ndarray, set[int]]:
    if listener is None or recommender == Recommender.POPULAR:
        return _popular_scores(pool), set()
    ids = [t.pk for t in pool]
    strengths = selectors.listener_strengths(listener, ids)
    if not strengths:
        return _popular_scores(pool), set()  # a newcomer with nothing yet: what others like
    seen = set(strengths)
    if recommender == Recommender.LEARNED:
        model = _active_model()
        if model is not None:
            user = model.listener_vector(listener.pk)
            if user is not None:
                return model.track_vectors(ids) @ user, seen
    by_id = {t.pk: t for t in pool}
    liked = [by_id[i] for i in strengths if i in by_id]
    weights = np.array([strengths[t.pk] for t in liked], dtype=np.float32)
    rows = content.similarity_rows(
        track_features(liked), [_style(t) for t in liked], track_features(pool), [_style(t) for t in pool]
    )
    return (weights @ rows) / float(weights.sum()), seen


# --- The learned model ---------------------------------------------------------------------------------------


class _LoadedModel:
    def __init__(self, record: RecommenderModel) -> None:
        self.record_id = record.pk
        self.track_ids = list(record.track_ids)
        self.track_index = {tid: i for i, tid in enumerate(self.track_ids)}
        self.listener_index = {lid: i for i, lid in enumerate(record.listener_ids)}
        self.track_factors = _load_array(record.track_factors)
        self.listener_factors = _load_array(record.listener_factors)

    def listener_vector(self, listener_id: int) -> np.ndarray | None:
        index = self.listener_index.get(listener_id)
        return None if index is None else self.listener_factors[index]

    def track_vectors(self, track_ids: list[int]) -> np.ndarray:
        """Factors in `track_ids` order; tracks newer than the model get zeros (score 0, ranked after)."""
        out = np.zeros((len(track_ids), self.track_factors.shape[1]), dtype=np.float32)
        for row, tid in enumerate(track_ids):
            index = self.track_index.get(tid)
            if index is not None:
                out[row] = self.track_factors[index]
        return out


_cache: dict[str, _LoadedModel] = {}


def _active_model() -> _LoadedModel | None:
    """The active model, loaded once per process and reloaded when a newer one became active."""
    active_id = RecommenderModel.objects.filter(is_active=True).values_list("pk", flat=True).first()
    if active_id is None:
        return None
    cached = _cache.get("active")
    if cached is None or cached.record_id != active_id:
        cached = _LoadedModel(RecommenderModel.objects.get(pk=active_id))
        _cache["active"] = cached
    return cached


def _dump_array(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def _load_array(data) -> np.ndarray:
    return np.load(io.BytesIO(bytes(data)), allow_pickle=False)


def recommender_train(*, params: als.AlsParams = ALS_PARAMS) -> RecommenderModel | None:
    """Train the learned recommender on every listener's interactions with the storefront's tracks and make
    it the active model. With enough listeners it is first evaluated (leave-one-out hit rate at 10 against
    popularity) and the figures kept on the record. None when there is too little to learn from."""
    track_ids = [t.pk for t in _pool()]
    listener_ids, strengths = selectors.interaction_strengths(track_ids)
    if len(listener_ids) < MIN_LISTENERS_TO_TRAIN:
        logger.info("recommender training skipped: %s listener(s) with interactions", len(listener_ids))
        return None
    column = {tid: j for j, tid in enumerate(track_ids)}
    rows, cols, values = [], [], []
    for row, lid in enumerate(listener_ids):
        for tid, value in strengths[lid].items():
            rows.append(row)
            cols.append(column[tid])
            values.append(value)
    matrix = sparse.csr_matrix(
        (np.array(values, dtype=np.float32), (rows, cols)), shape=(len(listener_ids), len(track_ids))
    )
    metrics: dict = {"listeners": len(listener_ids), "tracks": len(track_ids), "interactions": int(matrix.nnz)}
    if len(listener_ids) >= MIN_LISTENERS_TO_EVALUATE:
        # Evaluated on at most EVAL_LISTENERS_MAX listeners (dense, a few MB); the model served is trained on all.
        sample = np.random.default_rng(params.seed).permutation(len(listener_ids))[:EVAL_LISTENERS_MAX]
        train, held = evaluation.leave_one_out_split(matrix[np.sort(sample)].toarray(), seed=params.seed)
        metrics["evaluated_listeners"] = len(sample)
        trial = als.als_fit(train, params)
        pop = popularity.popularity_scores(train)
        metrics["hit_rate_at_10_learned"] = round(
            evaluation.hit_rate_at_k(train, held, lambda u, r: trial.scores(u)), 4
        )
        metrics["hit_rate_at_10_popular"] = round(evaluation.hit_rate_at_k(train, held, lambda u, r: pop), 4)
    fitted = als.als_fit(matrix, params)
    with transaction.atomic():
        RecommenderModel.objects.filter(is_active=True).update(is_active=False)
        record = RecommenderModel.objects.create(
            algorithm="implicit-als",
            params={k: getattr(params, k) for k in ("factors", "regularization", "alpha", "iterations", "seed")},
            listener_ids=listener_ids,
            track_ids=track_ids,
            listener_factors=_dump_array(fitted.listener_factors),
            track_factors=_dump_array(fitted.track_factors),
            interactions=metrics["interactions"],
            metrics=metrics,
            is_active=True,
        )
    return record
