"""Release workflow and publication writes. Every change of `Release.status` is made here.

    draft --release_mark_ready--> ready --release_schedule--> scheduled --(all out)--> published
      ^                             |                            |                            |
      +----release_return_to_draft--+----------------------------+    release_withdraw -> withdrawn

Media (artwork, video) lives in media_services, publishing runs in publishing, YouTube accounts in
youtube_services, delivery packages in delivery_services.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog.models import Release
from distribution import selectors
from distribution.audit_verbs import DistributionVerb
from distribution.models import (
    API_PLATFORMS,
    MetadataPlatform,
    Platform,
    PlatformAccount,
    Publication,
    ReleaseMetadata,
    ReleasePlan,
    reference_marker,
)
from distribution.platforms import metadata as metadata_engine
from distribution.services.delivery import DELIVERY_TASK
from distribution.services.release_media import mix_render_for, release_media_ensure
from lofi_site.actors import Actor, actor_user
from lofi_site.queue import enqueue
from operations.services import MANUAL_UPLOAD, RELEASE_QA, audit_log, checklist_attach
from production.models import RenderJob

PUBLISH_PERMISSION = "catalog.publish_release"
RETRY_PERMISSION = "distribution.publish_publication"


def _require(actor: Actor, permission: str, what: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"Only editors allowed to publish may {what}.")


def _set_release_status(
    release: Release, status: str, *, actor: Actor, verb: DistributionVerb, summary: str, changes: dict | None = None
) -> Release:
    old = release.status
    release.status = status
    release.full_clean()
    release.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor,
        verb=verb,
        obj=release,
        summary=summary,
        changes={"status": [old, status], **(changes or {})},
    )
    return release


def _locked(release: Release) -> Release:
    return Release.objects.select_for_update(of=("self",)).select_related("artist").get(pk=release.pk)


# --- Preparation ------------------------------------------------------------------------------------------


@transaction.atomic
def release_prepare(*, release: Release, actor: Actor = None) -> ReleasePlan:
    """Everything a release needs before work on it starts: its distribution plan and media rows and the
    "release-qa" checklist. Idempotent; the cockpit calls it when a release is created."""
    plan, _ = release_media_ensure(release=release)
    checklist_attach(template_slug=RELEASE_QA, obj=release)
    return plan


@transaction.atomic
def release_plan_update(
    *,
    release: Release,
    actor: Actor,
    accounts: list[PlatformAccount] | None = None,
    publish_at: datetime | None = None,
    made_for_kids: bool | None = None,
    video_effect: str | None = None,
) -> ReleasePlan:
    """Change where and when a release goes out. Arguments left as None keep their value, except
    `publish_at`, which is always set (None means "the release date at the default hour")."""
    plan = release_prepare(release=release, actor=actor)
    plan = ReleasePlan.objects.select_for_update().get(pk=plan.pk)
    before = sorted(plan.accounts.values_list("name", flat=True))
    plan.publish_at = publish_at
    if made_for_kids is not None:
        plan.made_for_kids = made_for_kids
    if video_effect is not None:
        plan.video_effect = video_effect
    plan.full_clean()
    plan.save()
    if accounts is not None:
        plan.accounts.set(accounts)
        after = sorted(a.name for a in accounts)
        if after != before:
            audit_log(
                actor=actor,
                verb=DistributionVerb.RELEASE_PLATFORMS_CHANGED,
                obj=release,
                summary=f"Platforms: {', '.join(after) or 'none'}",
                changes={"platforms": [before, after]},
            )
    return plan


# --- Metadata ---------------------------------------------------------------------------------------------


def _absolute(name: str, **kwargs) -> str:
    try:
        return settings.SITE_URL + reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _release_info(release: Release, *, title: str, seed: int, activity: str) -> metadata_engine.ReleaseInfo:
    entries = selectors.release_tracks(release)
    tracks = [entry.track for entry in entries]
    moods = Counter(m.slug for t in tracks for m in t.moods.all())
    styles = Counter(t.style.slug for t in tracks if t.style)
    ambiences = Counter(
        a for a in RenderJob.objects.filter(track__in=tracks).values_list("ambience", flat=True) if a and a != "none"
    )

    mix = mix_render_for(release) if release.kind == Release.Kind.MIX else None
    # In a crossfaded mix each track starts where the mix's tracklist says, not where the last one ended.
    mix_starts = {entry.get("track_id"): entry.get("start_s") for entry in mix.tracklist} if mix else {}

    def duration(track) -> float:
        asset = selectors.track_audio_asset(track)
        return float(track.duration_s or (asset.duration_s if asset else 0) or 0)

    return metadata_engine.ReleaseInfo(
        title=title,
        kind=release.kind,
        artist=release.artist.name,
        tracks=[
            metadata_engine.TrackInfo(
                title=t.title,
                artist=t.artist.name,
                duration_s=duration(t),
                isrc=t.isrc or "",
                bpm=t.bpm,
                key=t.key_display,
                ai_generated=t.is_ai_generated,
                start_s=mix_starts.get(t.pk),
            )
            for t in tracks
        ],
        moods=[slug for slug, _ in moods.most_common()],
        style=styles.most_common(1)[0][0] if styles else "lofi",
        label_name=settings.LABEL_NAME,
        licence_url=_absolute("monetization:licence_tiers"),
        store_url=_absolute("monetization:release_detail", uuid=release.uuid),
        release_date=release.release_date,
        ambience=ambiences.most_common(1)[0][0] if ambiences else "none",
        genre=release.genre,
        activity=activity,
        seed=seed,
    )


@transaction.atomic
def release_metadata_generate(
    *, release: Release, actor: Actor = None, regenerate: bool = False
) -> list[ReleaseMetadata]:
    """Generate the YouTube, distributor and SoundCloud metadata of a release and store it.

    YouTube and SoundCloud titles grow from a newly generated title that no track, no other release and no
    other release's platform title already uses; the distributor title is the release title (it must match
    the cover and the delivery package). The YouTube description ends with the release's reference marker.
    Without `regenerate`, platforms that already have metadata keep it (editors' edits survive); with it,
    all three are rebuilt from a new seed. Raises ValidationError for a release without tracks.
    """
    plan = release_prepare(release=release, actor=actor)
    plan = ReleasePlan.objects.select_for_update().get(pk=plan.pk)
    existing = {m.platform: m for m in ReleaseMetadata.objects.filter(release=release)}
    missing = [p for p in MetadataPlatform.values if regenerate or p not in existing]
    if not missing:
        return sorted(existing.values(), key=lambda m: m.platform)
    if not selectors.release_tracks(release):
        raise ValidationError("Add tracks before generating metadata: titles, tags and the tracklist come from them.")
    if regenerate or not existing:
        plan.metadata_revision += 1
        plan.save(update_fields=["metadata_revision", "updated_at"])
    seed = release.pk * 1000 + plan.metadata_revision
    activity = random.Random(f"activity|{seed}").choice(metadata_engine.ACTIVITY_WORDS).lower()
    info = _release_info(release, title=release.title, seed=seed, activity=activity)
    generated = metadata_engine.generate_title(
        mood=info.moods[0] if info.moods else "chill",
        style=info.style,
        ambience=info.ambience,
        seed=seed,
        taken=selectors.catalogue_titles(exclude_release=release),
    )
    now = timezone.now()
    for platform in missing:
        title = release.title if platform == MetadataPlatform.DISTRIBUTOR else generated
        marker = reference_marker(release) if platform == MetadataPlatform.YOUTUBE else ""
        built = metadata_engine.build_metadata(replace(info, title=title, reference_marker=marker), platform)
        row = existing.get(platform) or ReleaseMetadata(release=release, platform=platform)
        row.title, row.description, row.tags = built.title, built.description, list(built.tags)
        row.chapters, row.ai_disclosure, row.activity = list(built.chapters), built.ai_disclosure, activity
        row.generated_at, row.edited_by = now, None
        row.full_clean()
        row.save()
        existing[platform] = row
    audit_log(
        actor=actor,
        verb=DistributionVerb.RELEASE_METADATA_GENERATED,
        obj=release,
        summary=f"Metadata {'regenerated' if regenerate else 'generated'} for {', '.join(missing)}: '{generated}'",
        changes={"platforms": missing, "revision": plan.metadata_revision},
    )
    return sorted(existing.values(), key=lambda m: m.platform)


@transaction.atomic
def release_metadata_update(
    *, metadata: ReleaseMetadata, actor: Actor, title: str, description: str, tags: list[str]
) -> ReleaseMetadata:
    """An editor's edit of one platform's metadata, checked against that platform's limits."""
    row = ReleaseMetadata.objects.select_for_update().get(pk=metadata.pk)
    before = {"title": row.title, "tags": row.tags}
    row.title, row.description, row.tags = title, description, tags
    row.edited_by = actor_user(actor)
    row.full_clean()
    row.save()
    changes = {k: [before[k], getattr(row, k)] for k in before if before[k] != getattr(row, k)}
    audit_log(
        actor=actor,
        verb=DistributionVerb.RELEASE_METADATA_EDITED,
        obj=row.release,
        summary=f"{row.get_platform_display()} metadata edited",
        changes=changes,
    )
    return row


# --- Status changes ---------------------------------------------------------------------------------------


@transaction.atomic
def release_mark_ready(*, release: Release, actor: Actor) -> Release:
    """draft -> ready. Refused with a ValidationError listing every missing thing
    (see selectors.release_readiness_blockers). Idempotent on a ready release."""
    release = _locked(release)
    if release.status == Release.Status.READY:
        return release
    if release.status != Release.Status.DRAFT:
        raise ValidationError(f"Only a draft release can be marked ready; this one is {release.get_status_display()}.")
    release_prepare(release=release, actor=actor)
    blockers = selectors.release_readiness_blockers(release)
    if blockers:
        raise ValidationError(blockers)
    return _set_release_status(
        release,
        Release.Status.READY,
        actor=actor,
        verb=DistributionVerb.RELEASE_READY,
        summary="Marked ready: every readiness check passed",
    )


def default_publish_at(release: Release) -> datetime | None:
    """The release date at DISTRIBUTION_PUBLISH_HOUR (local time, default 16:00), or None without a date."""
    if release.release_date is None:
        return None
    hour = int(getattr(settings, "DISTRIBUTION_PUBLISH_HOUR", 16))
    return timezone.make_aware(datetime.combine(release.release_date, time(hour, 0)))


def _run_at(account: PlatformAccount, publish_at: datetime, now: datetime) -> datetime:
    """When the publish task acts: YouTube uploads go up ahead (private with publishAt, processed by the
    time they go public); SoundCloud uploads go up at the time they should appear."""
    if account.platform == Platform.YOUTUBE:
        lead = timedelta(hours=float(getattr(settings, "DISTRIBUTION_YOUTUBE_UPLOAD_LEAD_H", 24)))
        return max(now, publish_at - lead)
    return max(now, publish_at)


def release_schedule(
    *, release: Release, actor: Actor, publish_at: datetime | None = None, now: datetime | None = None
) -> list[Publication]:
    """ready -> scheduled: one publication per target account, going public at `publish_at` (else the
    plan's time, else the release date at the default hour).

    Needs `catalog.publish_release` (PermissionDenied otherwise: VAs cannot schedule). The readiness checks
    run again, with the duplicate check and the QA checklist, plus connected targets and a time; any failure
    raises a ValidationError listing every reason. API platforms get a scheduled publication the publish task
    picks up; the others get a "manual" one, the "manual-upload" checklist and a delivery package build.
    Idempotent: a scheduled release keeps its publications and only gains those of newly added accounts.
    """
    _require(actor, PUBLISH_PERMISSION, "schedule releases")
    # The duplicate check records each track's verdict as it goes. It runs before the scheduling transaction,
    # so a refusal (which rolls that transaction back) keeps what it found visible on the tracks.
    # (A release that cannot be scheduled skips it here; should it become ready meanwhile, it runs under the lock.)
    status = Release.objects.filter(pk=release.pk).values_list("status", flat=True).first()
    schedulable = status in (Release.Status.READY, Release.Status.SCHEDULED)
    duplicate_blockers = _duplicate_blockers(release) if schedulable else None
    return _release_schedule(
        release=release, actor=actor, publish_at=publish_at, now=now, duplicate_blockers=duplicate_blockers
    )


@transaction.atomic
def _release_schedule(
    *,
    release: Release,
    actor: Actor,
    publish_at: datetime | None,
    now: datetime | None,
    duplicate_blockers: list[str] | None,
) -> list[Publication]:
    now = now or timezone.now()
    release = _locked(release)
    plan = release_prepare(release=release, actor=actor)
    if release.status not in (Release.Status.READY, Release.Status.SCHEDULED):
        raise ValidationError(f"Only a ready release can be scheduled; this one is {release.get_status_display()}.")
    when = publish_at or plan.publish_at or default_publish_at(release)
    # Production checked every track against the catalogue again (new tracks may match) and named the match.
    blockers = list(duplicate_blockers) if duplicate_blockers is not None else _duplicate_blockers(release)
    blockers += selectors.release_readiness_blockers(release, duplicates=False)
    blockers += selectors.release_schedule_blockers(release, publish_at=when)
    if blockers:
        raise ValidationError(blockers)
    assert when is not None  # release_schedule_blockers refuses a release with neither a time nor a date
    if publish_at and plan.publish_at != publish_at:
        plan.publish_at = publish_at
        plan.save(update_fields=["publish_at", "updated_at"])
    publications = []
    manual_accounts = []
    open_by_account = {p.account_id: p for p in Publication.objects.filter(Publication.OPEN, release=release)}
    for account in selectors.release_target_accounts(release):
        existing = open_by_account.get(account.pk)
        if existing is not None:
            publications.append(existing)
            continue
        publication = Publication(release=release, account=account, scheduled_at=when)
        if account.platform in API_PLATFORMS:
            publication.status = Publication.Status.SCHEDULED
            publication.run_at = _run_at(account, when, now)
        else:
            publication.status = Publication.Status.MANUAL
            publication.status_detail = "waiting for a VA to upload it and paste the URL"
            manual_accounts.append(account)
        publication.full_clean()
        publication.save()
        publications.append(publication)
    if manual_accounts:
        # Each kind of target gets its own steps (DistroKid's form, Bandcamp's page, the DDEX distributor's delivery).
        checklist_attach(
            template_slug=MANUAL_UPLOAD,
            obj=release,
            due_at=when,
            tags={a.platform for a in manual_accounts},
            assign_default=True,  # a default assignee or the VA group in turn: it is in someone's "My work"
        )
        for account in manual_accounts:
            enqueue(DELIVERY_TASK, release.pk, account.pk)
    if release.status != Release.Status.SCHEDULED:
        _set_release_status(
            release,
            Release.Status.SCHEDULED,
            actor=actor,
            verb=DistributionVerb.RELEASE_SCHEDULED,
            summary=f"Scheduled for {timezone.localtime(when):%Y-%m-%d %H:%M} on "
            f"{', '.join(p.account.name for p in publications)}",
            changes={"publish_at": [None, when.isoformat()]},
        )
    return publications


def _duplicate_blockers(release: Release) -> list[str]:
    from production.services.fingerprints import release_duplicate_blockers

    return list(release_duplicate_blockers(release))


@transaction.atomic
def release_return_to_draft(*, release: Release, actor: Actor) -> Release:
    """ready/scheduled -> draft for more work; publications not yet out are cancelled. Refused once any
    publication is live (withdraw it instead)."""
    release = _locked(release)
    if release.status == Release.Status.DRAFT:
        return release
    if release.status not in (Release.Status.READY, Release.Status.SCHEDULED):
        raise ValidationError(f"A {release.get_status_display().lower()} release cannot go back to draft.")
    if release.status == Release.Status.SCHEDULED:
        _require(actor, PUBLISH_PERMISSION, "unschedule releases")
    live = Publication.objects.filter(release=release, status=Publication.Status.PUBLISHED)
    if live.exists():
        raise ValidationError(
            "It is already out on "
            + ", ".join(p.account.name for p in live.select_related("account"))
            + "; withdraw it instead."
        )
    _cancel_open(release, reason="release returned to draft")
    return _set_release_status(
        release,
        Release.Status.DRAFT,
        actor=actor,
        verb=DistributionVerb.RELEASE_RETURNED_TO_DRAFT,
        summary="Back to draft; publications not yet out were cancelled",
    )


@transaction.atomic
def release_withdraw(*, release: Release, actor: Actor) -> list[Publication]:
    """-> withdrawn. Publications not yet out are cancelled; returns those already live, which must be taken
    down on their platforms by hand (the audit event names them). Needs `catalog.publish_release`."""
    _require(actor, PUBLISH_PERMISSION, "withdraw releases")
    release = _locked(release)
    live = list(
        Publication.objects.filter(release=release, status=Publication.Status.PUBLISHED).select_related("account")
    )
    if release.status == Release.Status.WITHDRAWN:
        return live
    _cancel_open(release, reason="release withdrawn")
    summary = "Withdrawn"
    if live:
        summary += "; still live, take down by hand: " + ", ".join(
            f"{p.account.name} {p.external_url}".strip() for p in live
        )
    _set_release_status(
        release, Release.Status.WITHDRAWN, actor=actor, verb=DistributionVerb.RELEASE_WITHDRAWN, summary=summary
    )
    return live


def _cancel_open(release: Release, *, reason: str) -> None:
    Publication.objects.filter(release=release).exclude(
        status__in=[Publication.Status.PUBLISHED, Publication.Status.CANCELLED]
    ).update(status=Publication.Status.CANCELLED, status_detail=reason, run_at=None, updated_at=timezone.now())


@transaction.atomic
def release_refresh_published(*, release: Release, now: datetime | None = None) -> Release:
    """scheduled -> published once every open publication is out and its public time has passed."""
    now = now or timezone.now()
    release = _locked(release)
    if release.status != Release.Status.SCHEDULED:
        return release
    publications = list(Publication.objects.filter(Publication.OPEN, release=release))
    if not publications or any(p.status != Publication.Status.PUBLISHED or p.scheduled_at > now for p in publications):
        return release
    return _set_release_status(
        release,
        Release.Status.PUBLISHED,
        actor=None,
        verb=DistributionVerb.RELEASE_PUBLISHED,
        summary="Out on " + ", ".join(p.account.name for p in publications),
    )


def releases_refresh_published(*, now: datetime | None = None) -> int:
    """Run `release_refresh_published` over scheduled releases whose publications are all out; returns how
    many became published."""
    now = now or timezone.now()
    candidates = (
        Release.objects.filter(status=Release.Status.SCHEDULED)
        .exclude(
            publications__in=Publication.objects.filter(Publication.OPEN).exclude(status=Publication.Status.PUBLISHED)
        )
        .exclude(publications__in=Publication.objects.filter(Publication.OPEN, scheduled_at__gt=now))
    )
    changed = 0
    for release in candidates:
        if release_refresh_published(release=release, now=now).status == Release.Status.PUBLISHED:
            changed += 1
    return changed


# --- Publications: the cockpit's actions ------------------------------------------------------------------


@transaction.atomic
def publication_record_url(*, publication: Publication, actor: Actor, url: str) -> Publication:
    """A VA (or editor) records where a manual upload went; the publication becomes published.

    Allowed on manual publications, and on failed API ones whose upload an editor finished by hand.
    Idempotent for the same URL. Raises ValidationError for an invalid URL or another state.
    """
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as error:
        raise ValidationError("Paste the full https:// address of the release on the platform.") from error
    if publication.status == Publication.Status.PUBLISHED and publication.external_url == url:
        return publication
    if publication.status not in (Publication.Status.MANUAL, Publication.Status.FAILED):
        raise ValidationError(
            f"A {publication.get_status_display().lower()} publication's URL is set by the publish task, not by hand."
        )
    old_status = publication.status
    publication.external_url = url
    publication.status = Publication.Status.PUBLISHED
    publication.status_detail = ""
    publication.published_at = timezone.now()
    publication.run_at = None
    publication.full_clean()
    publication.save()
    audit_log(
        actor=actor,
        verb=DistributionVerb.PUBLICATION_URL_RECORDED,
        obj=publication.release,
        summary=f"{publication.account.name}: published at {url}",
        changes={"status": [old_status, publication.status], "url": ["", url]},
    )
    release_refresh_published(release=publication.release)
    return publication


@transaction.atomic
def publication_retry(
    *, publication: Publication, actor: Actor, fresh_upload: bool = False, now: datetime | None = None
) -> Publication:
    """Put a failed (or quota-waiting) API publication back in the queue to run now. Steps already done are
    skipped (a stored video id is never uploaded again). `fresh_upload` forgets that an earlier upload was
    started but never confirmed (SoundCloud has no way to look it up), so the file is sent again.
    Needs `distribution.publish_publication`."""
    _require(actor, RETRY_PERMISSION, "retry publications")
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    if publication.status not in (Publication.Status.FAILED, Publication.Status.WAITING_QUOTA):
        raise ValidationError(
            f"Only failed or quota-waiting publications are retried; this one is "
            f"{publication.get_status_display().lower()}."
        )
    if not publication.account.has_upload_api:
        raise ValidationError(f"{publication.account} has no upload API: record the URL of the manual upload.")
    old = publication.status
    publication.status = Publication.Status.SCHEDULED
    publication.run_at = now or timezone.now()
    publication.status_detail = "retry requested"
    if fresh_upload and not publication.external_id:
        publication.steps = {k: v for k, v in publication.steps.items() if k != "upload_started"}
    publication.save()
    audit_log(
        actor=actor,
        verb=DistributionVerb.PUBLICATION_RETRIED,
        obj=publication.release,
        summary=f"{publication.account.name}: retry" + (" with a fresh upload" if fresh_upload else ""),
        changes={"status": [old, publication.status]},
    )
    return publication


@transaction.atomic
def publication_cancel(*, publication: Publication, actor: Actor) -> Publication:
    """Cancel a publication that is not out yet (the release stays as it is). Needs publish permission."""
    _require(actor, RETRY_PERMISSION, "cancel publications")
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    if publication.status == Publication.Status.CANCELLED:
        return publication
    if publication.status in (Publication.Status.PUBLISHED, Publication.Status.PUBLISHING):
        raise ValidationError(f"A {publication.get_status_display().lower()} publication cannot be cancelled.")
    old = publication.status
    publication.status = Publication.Status.CANCELLED
    publication.run_at = None
    publication.status_detail = "cancelled by an editor"
    publication.save()
    audit_log(
        actor=actor,
        verb=DistributionVerb.PUBLICATION_CANCELLED,
        obj=publication.release,
        summary=f"{publication.account.name}: cancelled",
        changes={"status": [old, publication.status]},
    )
    return publication
