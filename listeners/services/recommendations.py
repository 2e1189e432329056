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
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from catalog.models import Track
from listeners import selectors
from listeners.models import Listener, PreviewPlay, Recommender, RecommenderModel, Surface
from listeners.recommend import als, content, evaluation, popularity
from lofi_site.pagecache import catalogue_version
from production.engine.sequencing import TrackFeatures
from production.selectors import track_features

logger = logging.getLogger(__name__)
POOL_MAX = 2000  # newest storefront tracks considered per request
POOL_TTL_S = 300
PLAY_RETENTION = timedelta(days=365)
MIN_LISTENERS_TO_TRAIN = 2
MIN_LISTENERS_TO_EVALUATE = 20
EVAL_LISTENERS_MAX = 3000
ALS_PARAMS = als.AlsParams()


@dataclass(frozen=True)
class _Pool:
    """The candidates as scoring reads them: ids (newest first), engine features and styles."""

    ids: list[int]
    features: list[TrackFeatures]
    styles: list[str]

    def __len__(self) -> int:
        return len(self.ids)


_pool_cache: dict[str, tuple[tuple, _Pool]] = {}


def _pool() -> _Pool:
    """The storefront's newest POOL_MAX tracks, built once per process and rebuilt when the catalogue changes
    (the page cache's catalogue version) or after POOL_TTL_S, which bounds what no write announces (a release
    that goes out at its hour). Rebuilding reads features, style and moods only: no files."""
    key = (catalogue_version(), int(time.monotonic() // POOL_TTL_S))
    cached = _pool_cache.get("pool")
    if cached is not None and cached[0] == key:
        return cached[1]
    tracks = list(
        selectors.storefront_pool().prefetch_related(None).prefetch_related("moods").order_by("-created_at")[:POOL_MAX]
    )
    pool = _Pool([t.pk for t in tracks], track_features(tracks), [_style(t) for t in tracks])
    _pool_cache["pool"] = (key, pool)
    return pool


def pool_forget(**_signal_kwargs) -> None:
    _pool_cache.clear()


def _style(track: Track) -> str:
    return track.style.slug if track.style is not None else ""


def recommend(
    *, surface: str, recommender: str, listener: Listener | None = None, track: Track | None = None, n: int = 8
) -> list[Track]:
    """Up to `n` storefront tracks for a surface: similar to `track` (more like this) or for `listener`."""
    pool = _pool()
    if not len(pool):
        return []
    exclude = {track.pk} if track else set()
    if surface == Surface.MORE_LIKE_THIS and track is not None:
        scores = _more_like_this_scores(recommender, track, pool)
    else:
        scores, seen = _for_you_scores(recommender, listener, pool)
        exclude |= seen
    order = np.argsort(-scores, kind="stable")
    chosen = [pool.ids[i] for i in order if pool.ids[i] not in exclude and np.isfinite(scores[i])][:n]
    full = selectors.storefront_pool().in_bulk(chosen)  # the few shown, with their previews and moods
    return [full[pk] for pk in chosen if pk in full]


def _popular_scores(pool: _Pool) -> np.ndarray:
    counts = selectors.popularity(pool.ids)
    # Ties (a quiet shop) fall back to the newest first, the pool's order, through the stable sort.
    return np.array([counts.get(pk, 0.0) for pk in pool.ids], dtype=np.float64)


def _more_like_this_scores(recommender: str, track: Track, pool: _Pool) -> np.ndarray:
    if recommender == Recommender.POPULAR:
        return _popular_scores(pool)
    if recommender == Recommender.LEARNED:
        model = _active_model()
        if model is not None and track.pk in model.track_index:
            vectors = model.track_vectors(pool.ids)
            seed = model.track_factors[model.track_index[track.pk]]
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(seed) or 1.0)
            return np.where(norms > 0, vectors @ seed / np.maximum(norms, 1e-9), -1.0)
    [seed] = track_features([track])
    return content.similarity_rows([seed], [_style(track)], pool.features, pool.styles)[0]


def _for_you_scores(recommender: str, listener: Listener | None, pool: _Pool) -> tuple[np.ndarray, set[int]]:
    if listener is None or recommender == Recommender.POPULAR:
        return _popular_scores(pool), set()
    strengths = selectors.listener_strengths(listener, pool.ids)
    if not strengths:
        return _popular_scores(pool), set()  # a newcomer with nothing yet: what others like
    seen = set(strengths)
    if recommender == Recommender.LEARNED:
        model = _active_model()
        if model is not None:
            user = model.listener_vector(listener.pk)
            if user is not None:
                return model.track_vectors(pool.ids) @ user, seen
    index = {pk: i for i, pk in enumerate(pool.ids)}
    liked = [index[pk] for pk in strengths if pk in index]
    weights = np.array([strengths[pool.ids[i]] for i in liked], dtype=np.float32)
    rows = content.similarity_rows(
        [pool.features[i] for i in liked], [pool.styles[i] for i in liked], pool.features, pool.styles
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


def recommender_nightly() -> RecommenderModel | None:
    """The nightly run: forget preview plays older than PLAY_RETENTION (they teach little and need not be
    kept), then retrain the learned recommender."""
    PreviewPlay.objects.filter(created_at__lt=timezone.now() - PLAY_RETENTION).delete()
    return recommender_train()


def recommender_train(*, params: als.AlsParams = ALS_PARAMS) -> RecommenderModel | None:
    """Train the learned recommender on every listener's interactions with the storefront's tracks and make
    it the active model. With enough listeners it is first evaluated (leave-one-out hit rate at 10 against
    popularity) and the figures kept on the record. None when there is too little to learn from."""
    track_ids = list(_pool().ids)
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
