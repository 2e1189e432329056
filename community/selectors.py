"""Community reads: public request lists, the inbox counts, and the YouTube analytics behind the cockpit
charts. Revenue is not read here: monetization owns the ledger and draws its own chart on the analytics page
(lofi_site/analytics.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from catalog.models import ReleaseTrack
from community import conf
from community.engine.upload_times import UploadOutcome, UploadSlot, best_upload_slots
from community.models import (
    Comment,
    Commenter,
    LeadMagnet,
    Reply,
    SocialPost,
    Subscriber,
    TrackRequest,
    VideoStatsSnapshot,
)
from distribution.models import Platform, Publication
from lofi_site import charts

# --- Public pages -------------------------------------------------------------------------------------------


def track_requests_public() -> QuerySet[TrackRequest]:
    """Requests not yet released, most wanted first. Callers show only mood, activity, tempo, votes,
    status."""
    return (
        TrackRequest.objects.exclude(status=TrackRequest.Status.RELEASED)
        .only("uuid", "mood", "activity", "tempo_feel", "status", "votes", "created_at")
        .order_by("-votes", "-created_at")
    )


def subscriber_by_uuid(uuid, *, confirmed_only: bool = False) -> Subscriber | None:
    """The subscriber a newsletter link names (None for no uuid or an unknown one); `confirmed_only` for what
    only confirmed subscribers may have (the lead magnet)."""
    if not uuid:
        return None
    subscribers = Subscriber.objects.filter(uuid=uuid)
    if confirmed_only:
        subscribers = subscribers.filter(status=Subscriber.Status.CONFIRMED)
    return subscribers.first()


def lead_magnet_active() -> LeadMagnet | None:
    """The active lead magnet with its zip uploaded, or None (then no free download is offered)."""
    return LeadMagnet.objects.filter(is_active=True).exclude(archive_path="").first()


# --- Inbox --------------------------------------------------------------------------------------------------


def inbox_counts() -> dict[str, int]:
    """Comments by triage state, replies waiting for approval, new requests, superfans: the dashboard
    numbers."""
    by_status = dict(Comment.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {
        **{status: by_status.get(status, 0) for status in Comment.Status.values},
        "replies_to_approve": Reply.objects.filter(status=Reply.Status.DRAFT).count(),
        "replies_failed": Reply.objects.filter(status=Reply.Status.FAILED).count(),
        "requests_new": TrackRequest.objects.filter(status=TrackRequest.Status.NEW).count(),
        "superfans": Commenter.objects.filter(is_superfan=True).count(),
        "social_due": SocialPost.objects.filter(
            status=SocialPost.Status.SCHEDULED, scheduled_at__lte=timezone.now() + timedelta(days=1)
        ).count(),
    }


def superfans(limit: int = 20) -> QuerySet[Commenter]:
    return Commenter.objects.filter(is_superfan=True).order_by("-positive_count", "display_name")[:limit]


# --- Analytics ----------------------------------------------------------------------------------------------


def views_per_release(*, days: int = 90, limit: int = 6, today: date | None = None) -> list[charts.Series]:
    """Daily total views of each release's YouTube videos over the last `days` days, the `limit` most viewed
    releases (by their latest total) as chart series."""
    today = today or timezone.localdate()
    rows = (
        VideoStatsSnapshot.objects.filter(day__gt=today - timedelta(days=days), day__lte=today)
        .values("publication__release_id", "publication__release__title", "day")
        .annotate(views=Sum("views"))
        .order_by()
    )
    points: dict[int, list[tuple[date, float]]] = defaultdict(list)
    titles: dict[int, str] = {}
    for row in rows:
        release_id = row["publication__release_id"]
        titles[release_id] = row["publication__release__title"]
        points[release_id].append((row["day"], float(row["views"])))
    latest = {rid: max(pts)[1] for rid, pts in points.items()}
    chosen = sorted(points, key=lambda rid: (-latest[rid], titles[rid]))[:limit]
    return [charts.Series(name=titles[rid], points=sorted(points[rid])) for rid in chosen]


def _latest_views_by_release() -> dict[int, int]:
    latest = VideoStatsSnapshot.objects.filter(publication=OuterRef("pk")).order_by("-day")
    rows = (
        Publication.objects.filter(account__platform=Platform.YOUTUBE)
        .annotate(latest_views=Subquery(latest.values("views")[:1]))
        .filter(latest_views__isnull=False)
        .values_list("release_id", "latest_views")
    )
    totals: dict[int, int] = defaultdict(int)
    for release_id, views in rows:
        totals[release_id] += views
    return totals


def top_tracks(*, limit: int = 10) -> list[tuple[str, int]]:
    """Tracks ranked by the latest views of the YouTube videos they are on: (title, views). A track on a
    compilation gets that video's views too; for a mix they measure the mix, not the single track."""
    by_release = _latest_views_by_release()
    totals: dict[int, int] = defaultdict(int)
    titles: dict[int, str] = {}
    for row in ReleaseTrack.objects.filter(release_id__in=by_release).values("release_id", "track_id", "track__title"):
        totals[row["track_id"]] += by_release[row["release_id"]]
        titles[row["track_id"]] = row["track__title"]
    ranked = sorted(totals, key=lambda tid: (-totals[tid], titles[tid]))[:limit]
    return [(titles[tid], totals[tid]) for tid in ranked]


def upload_outcomes(*, today: date | None = None) -> list[UploadOutcome]:
    """Each published YouTube video with a week behind it: its local publish time and its views after 7 days
    (the latest snapshot no later than day 7, which must be from day 6 or 7 to count as "a week")."""
    today = today or timezone.localdate()
    publications = Publication.objects.filter(
        account__platform=Platform.YOUTUBE,
        published_at__isnull=False,
        published_at__date__lte=today - timedelta(days=7),
    ).values_list("pk", "published_at")
    published = {pk: timezone.localtime(at) for pk, at in publications}
    if not published:
        return []
    week: dict[int, tuple[date, int]] = {}
    for pk, day, views in VideoStatsSnapshot.objects.filter(publication_id__in=published).values_list(
        "publication_id", "day", "views"
    ):
        limit = published[pk].date() + timedelta(days=7)
        if day <= limit and (pk not in week or day > week[pk][0]):
            week[pk] = (day, views)
    return [
        UploadOutcome(published_at=published[pk], views_first_7_days=views)
        for pk, (day, views) in week.items()
        if day >= published[pk].date() + timedelta(days=6)
    ]


def upload_suggestions(*, today: date | None = None) -> tuple[list[UploadSlot], int]:
    """(best slots, number of videos they are based on). Defaults while fewer than BEST_UPLOAD_MIN_VIDEOS."""
    outcomes = upload_outcomes(today=today)
    slots = best_upload_slots(outcomes, min_videos=conf.best_upload_min_videos(), defaults=conf.best_upload_defaults())
    return slots, len(outcomes)


def stats_summary() -> dict[str, int]:
    latest_day = VideoStatsSnapshot.objects.aggregate(day=Max("day"))["day"]
    if latest_day is None:
        return {"videos": 0, "views": 0}
    row = VideoStatsSnapshot.objects.filter(day=latest_day).aggregate(videos=Count("id"), views=Sum("views"))
    return {"videos": row["videos"], "views": row["views"] or 0, "day": latest_day}
