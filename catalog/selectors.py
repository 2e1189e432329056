"""Catalogue reads shared by the cockpit, the API, the storefront and the radio."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Artist, Release, ReleaseTrack, Track

PUBLIC_TRACK_STATUSES = (Track.Status.APPROVED, Track.Status.RELEASED)


def track_list() -> QuerySet[Track]:
    return Track.objects.select_related("artist", "style").prefetch_related("moods", "assets")


def releases_out() -> QuerySet[Release]:
    """Releases the public may see: published on the platforms, and their release date (if any) has come."""
    today = timezone.localdate()
    return Release.objects.filter(status=Release.Status.PUBLISHED).filter(
        Q(release_date__isnull=True) | Q(release_date__lte=today)
    )


def _on_a_release_out():
    return Exists(ReleaseTrack.objects.filter(track_id=OuterRef("pk"), release__in=releases_out()))


def public_tracks() -> QuerySet[Track]:
    """THE rule for what the public sees (storefront, API, radio): an approved or released track whose release
    is out, or one the editor made "available for licensing before release".

    Each track carries `is_out` (True when one of its releases is out): the ISRC is shown only then.
    """
    return (
        track_list()
        .filter(status__in=PUBLIC_TRACK_STATUSES)
        .annotate(is_out=_on_a_release_out())
        .filter(Q(is_out=True) | Q(licensable_before_release=True))
    )


def track_is_out(track: Track) -> bool:
    """Whether one of the track's releases is out (uses the `is_out` annotation of public_tracks() when present)."""
    if hasattr(track, "is_out"):
        return bool(track.is_out)
    return ReleaseTrack.objects.filter(track=track, release__in=releases_out()).exists()


def public_isrc(track: Track) -> str:
    """The ISRC as the public may see it: only once the track's release is out."""
    return (track.isrc or "") if track_is_out(track) else ""


def release_list() -> QuerySet[Release]:
    return Release.objects.select_related("artist").prefetch_related(
        Prefetch("release_tracks", queryset=ReleaseTrack.objects.select_related("track__artist").order_by("position"))
    )


def release_list_public() -> QuerySet[Release]:
    """Releases that are out (see releases_out), with their tracklists."""
    return release_list().filter(pk__in=releases_out().values("pk"))


def release_cards_public() -> QuerySet[Release]:
    """Releases that are out, with their artist and without their tracklists: for pages that show release cards
    or links (a tracklist's tracks are whole Track rows, most of such a page's cost when prefetched unused)."""
    return Release.objects.select_related("artist").filter(pk__in=releases_out().values("pk"))


def public_release(slug: str) -> Release | None:
    return release_list_public().filter(slug=slug).first()


def artist_list() -> QuerySet[Artist]:
    return Artist.objects.all()


def artist_public(slug: str) -> Artist | None:
    """An artist the public may see: one with a release out or a public track."""
    artist = Artist.objects.filter(slug=slug).first()
    if artist is None:
        return None
    has_release = releases_out().filter(artist=artist).exists()
    return artist if has_release or public_tracks().filter(artist=artist).exists() else None
