"""Catalogue reads shared by the cockpit, the API and the storefront."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import Artist, Asset, Release, ReleaseTrack, Track

PUBLIC_TRACK_STATUSES = (Track.Status.APPROVED, Track.Status.RELEASED)


def track_list() -> QuerySet[Track]:
    return Track.objects.select_related("artist", "style").prefetch_related("moods", "assets")


def track_list_public() -> QuerySet[Track]:
    """Tracks the public may see: approved or released, never drafts or archived ones."""
    return track_list().filter(status__in=PUBLIC_TRACK_STATUSES)


def release_list() -> QuerySet[Release]:
    return Release.objects.select_related("artist").prefetch_related(
        Prefetch("release_tracks", queryset=ReleaseTrack.objects.select_related("track__artist").order_by("position"))
    )


def release_list_public() -> QuerySet[Release]:
    return release_list().filter(status=Release.Status.PUBLISHED)


def artist_list() -> QuerySet[Artist]:
    return Artist.objects.all()


def track_assets(track: Track) -> QuerySet[Asset]:
    return Asset.objects.filter(track=track)
