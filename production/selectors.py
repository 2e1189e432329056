"""Production reads shared by the cockpit, the dashboard and the CLI: render jobs and batches, and tracks as
features for the sequencing engine (next-track candidates, mixes)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from catalog.models import Track
from production.engine.sequencing import TEMPO_TOLERANCE, TrackFeatures, suggest_next
from production.models import Batch, RenderJob

SUGGESTION_POOL_MAX = 2000  # candidates scored per suggestion request, after the tempo filter in SQL


def render_job_list() -> QuerySet[RenderJob]:
    return RenderJob.objects.select_related("track", "batch", "artist", "reused_from")


def batch_list() -> QuerySet[Batch]:
    """Batches with their job counts per status and mean progress (annotations named job_*)."""
    statuses = RenderJob.Status
    return Batch.objects.select_related("artist", "created_by").annotate(
        job_count=Count("jobs"),
        job_queued=Count("jobs", filter=Q(jobs__status=statuses.QUEUED)),
        job_running=Count("jobs", filter=Q(jobs__status=statuses.RUNNING)),
        job_succeeded=Count("jobs", filter=Q(jobs__status=statuses.SUCCEEDED)),
        job_failed=Count("jobs", filter=Q(jobs__status=statuses.FAILED)),
        job_progress=Avg("jobs__progress"),
    )


def render_job_counts(*, failed_since_hours: int = 24) -> dict[str, int]:
    """How many jobs run and wait now, and how many failed recently: one query."""
    since = timezone.now() - timedelta(hours=failed_since_hours)
    statuses = RenderJob.Status
    return RenderJob.objects.aggregate(
        running=Count("id", filter=Q(status=statuses.RUNNING)),
        queued=Count("id", filter=Q(status=statuses.QUEUED)),
        failed=Count("id", filter=Q(status=statuses.FAILED, finished_at__gte=since)),
    )


# --- Tracks for sequencing ------------------------------------------------------------------------------


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
    by_id: dict[Hashable, Track] = {t.pk: t for t in pool}
    [own] = track_features([track])
    return [
        (by_id[track_id], score, reasons) for track_id, score, reasons in suggest_next(own, track_features(pool), n=n)
    ]
