"""Reads for catalogue intelligence: tracks as features for the sequencing engine, next-track candidates."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from catalog.models import Track
from production.engine.sequencing import TEMPO_TOLERANCE, TrackFeatures, suggest_next

SUGGESTION_POOL_MAX = 2000  # candidates scored per suggestion request, after the tempo filter in SQL


def track_features(tracks: Iterable[Track]) -> list[TrackFeatures]:
    """Engine features of tracks (moods prefetched by the caller, or fetched per track)."""
    return [
        TrackFeatures(
            id=t.pk,
            bpm=float(t.bpm or 0.0),
            key=t.key or "",
            mode=t.mode or "",
            camelot=t.camelot_code,
            energy=float(t.energy if t.energy is not None else 0.5),
            moods=frozenset(m.slug for m in t.moods.all()),
            duration_s=float(t.duration_s or 0.0),
        )
        for t in tracks
    ]


def suggestion_candidates(track: Track) -> QuerySet[Track]:
    """Tracks that could follow `track` in a set: not archived, not flagged as duplicates, not itself, and
    (when its tempo is known) within the tempo tolerance at the same, half or double time."""
    queryset = (
        Track.objects.exclude(pk=track.pk)
        .exclude(status=Track.Status.ARCHIVED)
        .exclude(duplicate_verdict__in=[Track.DuplicateVerdict.EXACT, Track.DuplicateVerdict.CONTAINS])
        .select_related("artist")
        .prefetch_related("moods")
    )
    if track.bpm:
        band = Q()
        for ratio in (1.0, 0.5, 2.0):
            centre = track.bpm * ratio
            band |= Q(bpm__gte=centre * (1 - TEMPO_TOLERANCE), bpm__lte=centre * (1 + TEMPO_TOLERANCE))
        queryset = queryset.filter(band)
    return queryset.order_by("-created_at")


def next_track_suggestions(track: Track, *, n: int = 8) -> list[tuple[Track, float, list[str]]]:
    """The `n` catalogue tracks that follow `track` best (Camelot neighbours, tempo within ±6% or at
    half/double time, energy continuity, shared moods): (track, score 0-1, reasons), best first."""
    pool = list(suggestion_candidates(track)[:SUGGESTION_POOL_MAX])
    if not pool:
        return []
    by_id = {t.pk: t for t in pool}
    [own] = track_features([track])
    return [
        (by_id[track_id], score, reasons) for track_id, score, reasons in suggest_next(own, track_features(pool), n=n)
    ]
