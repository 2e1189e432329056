"""Distribution reads shared by the cockpit, the tasks and other apps (community reads publications)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Asset, Release, ReleaseTrack, Track
from distribution.models import (
    UPC_PLATFORMS,
    DeliveryPackage,
    MetadataPlatform,
    Platform,
    PlatformAccount,
    Publication,
    ReleaseMedia,
    ReleaseMetadata,
    ReleasePlan,
)
from distribution.platforms.metadata import title_stem
from operations.selectors import checklist_blockers, open_required_items
from operations.services import RELEASE_QA


def release_tracks(release: Release) -> list[ReleaseTrack]:
    """The tracklist in order, each track with its artist, style, moods and assets loaded."""
    return list(
        ReleaseTrack.objects.filter(release=release)
        .order_by("position")
        .select_related("track__artist", "track__style")
        .prefetch_related("track__moods", "track__assets")
    )


def release_plan(release: Release) -> ReleasePlan | None:
    return ReleasePlan.objects.filter(release=release).prefetch_related("accounts").first()


def release_media(release: Release) -> ReleaseMedia | None:
    return ReleaseMedia.objects.filter(release=release).first()


def release_target_accounts(release: Release) -> list[PlatformAccount]:
    plan = release_plan(release)
    return list(plan.accounts.all()) if plan else []


def catalogue_titles(*, exclude_release: Release | None = None) -> set[str]:
    """Every title already used in the catalogue: tracks, other releases and other releases' platform
    titles (also without their decoration, "Rain Keys · lofi beats for study" counts as "Rain Keys").
    Generated titles must not repeat any of them."""
    releases = Release.objects.all()
    metadata = ReleaseMetadata.objects.all()
    if exclude_release is not None:
        releases = releases.exclude(pk=exclude_release.pk)
        metadata = metadata.exclude(release=exclude_release)
    platform_titles = set(metadata.values_list("title", flat=True))
    return (
        set(Track.objects.values_list("title", flat=True))
        | set(releases.values_list("title", flat=True))
        | platform_titles
        | {title_stem(title) for title in platform_titles}
    )


def track_audio_asset(track: Track) -> Asset | None:
    """The file a release is made from: the master, or the uploaded original when there is no master."""
    return track.asset(Asset.Kind.MASTER) or track.asset(Asset.Kind.ORIGINAL)


def _track_blockers(number: int, track: Track, *, duplicates: bool) -> list[str]:
    name = f"Track {number} '{track.title}'"
    reasons = []
    if track.status not in (Track.Status.APPROVED, Track.Status.RELEASED):
        reasons.append(f"{name} is not approved (it is {track.get_status_display()}).")
    # QC and duplicate verdicts in the catalogue's own words (the same reasons that block approval).
    reasons += [f"{name}: {reason}" for reason in track.approval_blockers() if duplicates or reason.startswith("QC")]
    if duplicates and track.duplicate_verdict == Track.DuplicateVerdict.UNCHECKED:
        reasons.append(f"{name}: the duplicate check has not run yet.")
    if not track.isrc:
        reasons.append(f"{name} has no ISRC.")
    if track_audio_asset(track) is None:
        reasons.append(f"{name} has no master audio file.")
    return reasons


def release_readiness_blockers(release: Release, *, duplicates: bool = True) -> list[str]:
    """Everything that keeps `release` from being ready, one sentence each; empty when it may be.

    Ready needs: at least one track; every track approved, QC passed, duplicate check clear, an ISRC and a
    master; a cover; generated metadata for every platform format; a UPC when a target store sells through
    the DSPs; a rendered video and a thumbnail when YouTube is a target; the release QA checklist attached
    and its required steps done. With `duplicates=False` the stored duplicate verdicts are left out (the
    scheduling check asks production's fingerprint store, which checks again and names the other track).
    """
    reasons: list[str] = []
    entries = release_tracks(release)
    if not entries:
        reasons.append("The release has no tracks.")
    for entry in entries:
        reasons += _track_blockers(entry.position, entry.track, duplicates=duplicates)
    if not release.artwork:
        reasons.append("There is no cover artwork: generate it or upload a 3000x3000 cover.")
    present = set(
        ReleaseMetadata.objects.filter(release=release)
        .exclude(title="")
        .exclude(description="")
        .values_list("platform", flat=True)
    )
    for value, label in MetadataPlatform.choices:
        if value not in present:
            reasons.append(f"Metadata for {label} has not been generated.")
    targets = release_target_accounts(release)
    reasons += [text for text, _ in account_connection_problems(targets)]
    upc_stores = [a.name for a in targets if a.platform in UPC_PLATFORMS]
    if upc_stores and not release.upc:
        reasons.append(f"A UPC/EAN is needed for {', '.join(upc_stores)}.")
    if any(a.platform == Platform.YOUTUBE for a in targets):
        media = release_media(release)
        if media is None or media.video_status != ReleaseMedia.VideoStatus.DONE:
            reasons.append("YouTube: the release video has not been rendered.")
        if media is None or not media.chosen_thumbnail:
            reasons.append("YouTube: there is no thumbnail.")
    reasons += release_qa_blockers(release)
    return reasons


def account_connection_problems(accounts) -> list[tuple[str, PlatformAccount]]:
    """(sentence, account) for each target account the publish task could not act for: inactive, or an API
    platform (YouTube, SoundCloud) without working OAuth tokens. Readiness names them, with a link to the fix."""
    problems = []
    for account in accounts:
        if not account.is_active:
            problems.append((f"{account} is inactive: turn it on or choose another account.", account))
        elif not account.is_connected:
            problems.append((f"{account} is not connected: connect it on its account page.", account))
    return problems


def release_qa_blockers(release: Release) -> list[str]:
    """checklist_blockers(release, require=["release-qa"]) without the steps of later checklists: the
    "manual-upload" checklist is attached when the release is scheduled and done after that."""
    later = {
        f"{item.checklist.template.name}: '{item.title}' is not done"
        for item in open_required_items(release).exclude(checklist__template__slug=RELEASE_QA)
    }
    return [reason for reason in checklist_blockers(release, require=[RELEASE_QA]) if reason not in later]


def release_schedule_blockers(release: Release, *, publish_at: datetime | None) -> list[str]:
    """What scheduling needs beyond readiness: targets that can take it and a time to go public."""
    reasons = []
    targets = release_target_accounts(release)
    if not targets:
        reasons.append("Choose at least one platform account to publish to.")
    for account in targets:
        if not account.is_active:
            reasons.append(f"{account} is inactive.")
        elif not account.is_connected:
            reasons.append(f"{account} is not connected.")
    if publish_at is None:
        reasons.append("Set a publish time or a release date.")
    return reasons


# --- Publications -----------------------------------------------------------------------------------------


def publication_list() -> QuerySet[Publication]:
    return Publication.objects.select_related("release__artist", "account")


def publications_between(start: datetime, end: datetime, *, platform: str = "") -> QuerySet[Publication]:
    """Open publications going public in [start, end), soonest first, for the release calendar."""
    qs = publication_list().filter(Publication.OPEN, scheduled_at__gte=start, scheduled_at__lt=end)
    if platform:
        qs = qs.filter(account__platform=platform)
    return qs.order_by("scheduled_at", "id")


def releases_planned_between(first_day: date, last_day: date) -> QuerySet[Release]:
    """Releases dated in [first_day, last_day] that are not scheduled yet (no open publication)."""
    return (
        Release.objects.filter(release_date__range=(first_day, last_day))
        .exclude(status__in=[Release.Status.PUBLISHED, Release.Status.WITHDRAWN])
        .exclude(publications__in=Publication.objects.filter(Publication.OPEN))
        .select_related("artist")
        .order_by("release_date", "title")
    )


@dataclass(frozen=True)
class PublicationCounts:
    due_24h: int
    waiting_quota: int
    failed: int
    manual: int
    publishing: int


def publication_counts(*, now: datetime | None = None) -> PublicationCounts:
    """The dashboard's numbers, in one query."""
    now = now or timezone.now()
    s = Publication.Status
    row = Publication.objects.aggregate(
        due_24h=Count(
            "id",
            filter=Q(
                status__in=[s.SCHEDULED, s.PENDING, s.WAITING_QUOTA],
                scheduled_at__lt=now + timedelta(hours=24),
            ),
        ),
        waiting_quota=Count("id", filter=Q(status=s.WAITING_QUOTA)),
        failed=Count("id", filter=Q(status=s.FAILED)),
        manual=Count("id", filter=Q(status=s.MANUAL)),
        publishing=Count("id", filter=Q(status=s.PUBLISHING)),
    )
    return PublicationCounts(**row)


def release_publications(release: Release) -> list[Publication]:
    return list(
        Publication.objects.filter(release=release)
        .select_related("account")
        .order_by("account__platform", "account__name", "-created_at")
    )


def publications_prefetch() -> Prefetch:
    """For release lists: each release's publications with their accounts, in one query."""
    return Prefetch(
        "publications",
        queryset=Publication.objects.filter(Publication.OPEN)
        .select_related("account")
        .order_by("account__platform", "account__name"),
    )


def delivery_packages_for(release: Release) -> list[DeliveryPackage]:
    return list(DeliveryPackage.objects.filter(release=release).select_related("account").order_by("account__name"))
