"""Listeners' reads: libraries, playlists as others may see them, mixes, ratings, interactions for training and
the A/B counts. Purchases are read from monetization (orders and licences stay Finance's records)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from catalog.models import Release, Track
from catalog.selectors import release_list_public
from listeners.models import (
    Experiment,
    ExperimentEvent,
    Favourite,
    Feedback,
    Follow,
    Listener,
    MixStream,
    Playlist,
    PlaylistItem,
    PreviewPlay,
)
from listeners.recommend.abtest import VariantCounts
from listeners.weights import INTERACTION_WEIGHTS, PLAY_STRENGTH_CAP
from monetization import selectors as shop_selectors
from monetization.models import Licence, Order
from production.models import MixRender

POPULAR_WINDOW = timedelta(days=90)


# --- Library -------------------------------------------------------------------------------------------------


def storefront_pool() -> QuerySet[Track]:
    """Tracks recommendations may point at: the ones the storefront shows and sells."""
    return shop_selectors.storefront_tracks()


def favourites(listener: Listener) -> QuerySet[Favourite]:
    return (
        Favourite.objects.filter(listener=listener)
        .select_related("track__artist", "track__style", "release__artist", "pack")
        .prefetch_related("track__assets", "track__moods")
    )


def favourite_keys(listener: Listener | None) -> set[str]:
    """ "track:<uuid>", "release:<uuid>", "pack:<uuid>" for each favourite: one query for a page's buttons."""
    if listener is None:
        return set()
    keys = set()
    for track, release, pack in Favourite.objects.filter(listener=listener).values_list(
        "track__uuid", "release__uuid", "pack__uuid"
    ):
        keys.add(f"track:{track}" if track else f"release:{release}" if release else f"pack:{pack}")
    return keys


def playlists_of(listener: Listener) -> QuerySet[Playlist]:
    return Playlist.objects.filter(listener=listener).annotate(track_count=Count("items"))


def playlist_items(playlist: Playlist) -> QuerySet[PlaylistItem]:
    return playlist.items.select_related("track__artist", "track__style").prefetch_related(
        "track__assets", "track__moods"
    )


def playlist_for_owner(listener: Listener, uuid) -> Playlist | None:
    return Playlist.objects.filter(listener=listener, uuid=uuid).first()


def playlist_shared(share_token: str, viewer: Listener | None) -> Playlist | None:
    """A playlist by its share link: public and unlisted ones for anyone, a private one for its owner only."""
    playlist = Playlist.objects.select_related("listener").filter(share_token=share_token).first()
    if playlist is None:
        return None
    if playlist.visibility == Playlist.Visibility.PRIVATE and (viewer is None or viewer.pk != playlist.listener_id):
        return None
    return playlist


def public_profile(uuid) -> Listener | None:
    return Listener.objects.filter(uuid=uuid, is_public=True).first()


def public_playlists(listener: Listener) -> QuerySet[Playlist]:
    return playlists_of(listener).filter(visibility=Playlist.Visibility.PUBLIC)


def followed_artist_ids(listener: Listener | None) -> set[int]:
    if listener is None:
        return set()
    return set(Follow.objects.filter(listener=listener).values_list("artist_id", flat=True))


def follows(listener: Listener) -> QuerySet[Follow]:
    return Follow.objects.filter(listener=listener).select_related("artist")


def orders(listener: Listener) -> QuerySet[Order]:
    """The listener's own paid orders with licences and live download links: matched by the signed-in,
    link-verified e-mail address, never by anything the browser sends."""
    return shop_selectors.orders_for_email(listener.email)


# --- Mixes and ratings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MixPage:
    release: Release
    render: MixRender
    stream: MixStream | None  # the public MP3, when made


def mix_releases(*, with_stream: bool = True) -> list[MixPage]:
    """Mix releases that are out and have a finished continuous master, newest first; by default only those
    whose public stream is ready (what the mix list shows)."""
    releases = list(release_list_public().filter(kind=Release.Kind.MIX))
    renders = _latest_renders([r.pk for r in releases])
    streams = _ready_streams(list(renders.values()))
    pages = [MixPage(r, renders[r.pk], streams.get(renders[r.pk].pk)) for r in releases if r.pk in renders]
    return [p for p in pages if p.stream] if with_stream else pages


def mix_page(uuid) -> MixPage | None:
    release = release_list_public().filter(kind=Release.Kind.MIX, uuid=uuid).first()
    if release is None:
        return None
    render = _latest_renders([release.pk]).get(release.pk)
    return MixPage(release, render, _ready_streams([render]).get(render.pk)) if render else None


def _ready_streams(renders: list[MixRender]) -> dict[int, MixStream]:
    ready = MixStream.objects.filter(render__in=renders, status=MixStream.Status.READY)
    return {stream.render_id: stream for stream in ready}


def _latest_renders(release_ids: list[int]) -> dict[int, MixRender]:
    latest: dict[int, MixRender] = {}
    for render in MixRender.objects.filter(
        release_id__in=release_ids, status=MixRender.Status.SUCCEEDED, path__gt=""
    ).order_by("release_id", "-finished_at", "-id"):
        latest.setdefault(render.release_id, render)
    return latest


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int
    published: list[Feedback]


def rating_summary(release: Release) -> RatingSummary:
    stats = Feedback.objects.filter(release=release).aggregate(avg=Avg("rating"), n=Count("id"))
    published = list(
        Feedback.objects.filter(release=release, status=Feedback.Status.PUBLISHED)
        .exclude(text="")
        .select_related("listener")[:20]
    )
    return RatingSummary(stats["avg"], stats["n"], published)


def own_feedback(listener: Listener | None, release: Release) -> Feedback | None:
    if listener is None:
        return None
    return Feedback.objects.filter(listener=listener, release=release).first()


def feedback_queue_counts() -> dict[str, int]:
    return dict(Feedback.objects.values_list("status").annotate(n=Count("id")))


# --- Interactions (what the recommender learns from) ------------------------------------------------------------


def interaction_strengths(track_ids: list[int]) -> tuple[list[int], dict[int, dict[int, float]]]:
    """(listener ids, {listener id: {track id: strength}}) over `track_ids`: favourites (a favourite release
    counts for each of its tracks), playlist adds, preview plays (capped) and purchases, weighted by
    INTERACTION_WEIGHTS."""
    wanted = set(track_ids)
    strengths: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))

    def add(listener_id: int, track_id: int, amount: float) -> None:
        if track_id in wanted:
            strengths[listener_id][track_id] += amount

    real = {"listener__is_demo": False}  # demo accounts never teach the model what real listeners like
    for listener_id, track_id in Favourite.objects.filter(track__isnull=False, **real).values_list(
        "listener_id", "track_id"
    ):
        add(listener_id, track_id, INTERACTION_WEIGHTS["favourite"])
    for listener_id, track_id in Favourite.objects.filter(release__isnull=False, **real).values_list(
        "listener_id", "release__release_tracks__track_id"
    ):
        if track_id:
            add(listener_id, track_id, INTERACTION_WEIGHTS["favourite"] / 2)
    for listener_id, track_id in PlaylistItem.objects.filter(playlist__listener__is_demo=False).values_list(
        "playlist__listener_id", "track_id"
    ):
        add(listener_id, track_id, INTERACTION_WEIGHTS["playlist_add"])
    plays = (
        PreviewPlay.objects.filter(listener__isnull=False, **real)
        .values_list("listener_id", "track_id")
        .annotate(n=Count("id"))
    )
    for listener_id, track_id, n in plays:
        add(listener_id, track_id, min(n * INTERACTION_WEIGHTS["play"], PLAY_STRENGTH_CAP))
    emails = dict(Listener.objects.filter(is_demo=False).values_list("email", "id"))
    for email, track_id in _licensed_tracks(list(emails)):
        add(emails[email], track_id, INTERACTION_WEIGHTS["purchase"])
    listener_ids = sorted(strengths)
    return listener_ids, {lid: dict(strengths[lid]) for lid in listener_ids}


def listener_strengths(listener: Listener, track_ids: list[int]) -> dict[int, float]:
    """One listener's strengths, read live (their newest favourites count before the nightly retrain)."""
    wanted = set(track_ids)
    out: dict[int, float] = defaultdict(float)
    for track_id in Favourite.objects.filter(listener=listener, track__isnull=False).values_list("track_id", flat=True):
        out[track_id] += INTERACTION_WEIGHTS["favourite"]
    for track_id in PlaylistItem.objects.filter(playlist__listener=listener).values_list("track_id", flat=True):
        out[track_id] += INTERACTION_WEIGHTS["playlist_add"]
    for track_id, n in PreviewPlay.objects.filter(listener=listener).values_list("track_id").annotate(n=Count("id")):
        out[track_id] += min(n * INTERACTION_WEIGHTS["play"], PLAY_STRENGTH_CAP)
    for _, track_id in _licensed_tracks([listener.email]):
        out[track_id] += INTERACTION_WEIGHTS["purchase"]
    return {k: v for k, v in out.items() if k in wanted}


def _licensed_tracks(emails: list[str]) -> list[tuple[str, int]]:
    if not emails:
        return []
    rows = (
        Licence.objects.filter(licensee_email__in=emails, track__isnull=False)
        .exclude(status=Licence.Status.REVOKED)
        .values_list("licensee_email", "track_id")
    )
    return [(email.lower(), track_id) for email, track_id in rows]


def popularity(track_ids: list[int]) -> dict[int, float]:
    """Distinct people (listeners or anonymous visitors) who played, saved or listed each track lately."""
    since = timezone.now() - POPULAR_WINDOW
    counts: dict[int, float] = defaultdict(float)
    for track_id, n in (
        PreviewPlay.objects.filter(track_id__in=track_ids, created_at__gte=since)
        .values_list("track_id")
        .annotate(n=Count("visitor_hash", distinct=True))
    ):
        counts[track_id] += n
    for track_id, n in (
        Favourite.objects.filter(track_id__in=track_ids, listener__is_demo=False)
        .values_list("track_id")
        .annotate(n=Count("listener_id"))
    ):
        counts[track_id] += n
    for track_id, n in (
        PlaylistItem.objects.filter(track_id__in=track_ids, playlist__listener__is_demo=False)
        .values_list("track_id")
        .annotate(n=Count("playlist__listener_id", distinct=True))
    ):
        counts[track_id] += n
    return dict(counts)


def paid_tracks_of_orders(order_uuids: list[str]) -> set[int]:
    """Tracks licensed in paid orders among `order_uuids` (the checkouts one browser session started)."""
    return set(
        Licence.objects.filter(
            order_line__order__uuid__in=order_uuids,
            order_line__order__status__in=Order.PAID_STATUSES,
            track__isnull=False,
        ).values_list("track_id", flat=True)
    )


# --- Experiments -------------------------------------------------------------------------------------------------


def running_experiment(surface: str) -> Experiment | None:
    return Experiment.objects.filter(surface=surface, status=Experiment.Status.RUNNING).first()


def experiment_counts(experiment: Experiment, conversion: str = ExperimentEvent.Kind.CLICK) -> list[VariantCounts]:
    """Per variant: distinct visitors shown recommendations, event counts, and visitors who converted (did
    `conversion` at least once). Two queries whatever the traffic."""
    kinds = ExperimentEvent.Kind
    totals = {
        row["variant"]: row
        for row in ExperimentEvent.objects.filter(experiment=experiment)
        .values("variant")
        .annotate(
            visitors=Count("visitor_hash", filter=Q(kind=kinds.IMPRESSION), distinct=True),
            impressions=Count("id", filter=Q(kind=kinds.IMPRESSION)),
            clicks=Count("id", filter=Q(kind=kinds.CLICK)),
            plays=Count("id", filter=Q(kind=kinds.PLAY)),
            cart_adds=Count("id", filter=Q(kind=kinds.CART_ADD)),
            purchases=Count("id", filter=Q(kind=kinds.PURCHASE)),
        )
    }
    shown = ExperimentEvent.objects.filter(experiment=experiment, kind=kinds.IMPRESSION)
    converted = dict(
        ExperimentEvent.objects.filter(
            experiment=experiment, kind=conversion, visitor_hash__in=shown.values("visitor_hash")
        )
        .values_list("variant")
        .annotate(n=Count("visitor_hash", distinct=True))
    )
    rows = []
    for variant in experiment.variants:
        row = totals.get(variant, {})
        rows.append(
            VariantCounts(
                variant=variant,
                visitors=row.get("visitors", 0),
                impressions=row.get("impressions", 0),
                clicks=row.get("clicks", 0),
                plays=row.get("plays", 0),
                cart_adds=row.get("cart_adds", 0),
                purchases=row.get("purchases", 0),
                converted=converted.get(variant, 0),
            )
        )
    return rows


def feedback_list() -> QuerySet[Feedback]:
    return Feedback.objects.select_related("listener", "release__artist", "triaged_by")
