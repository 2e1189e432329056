"""Running publications: claiming the due ones, one attempt per run, and each platform's steps.

Every attempt is a `PublicationAttempt` row. A run ends in exactly one of: published; waiting for quota
(the publication comes back by itself when the quota day resets); failed (an editor retries it). Each step
that reaches a platform is recorded on the publication as soon as it returns (`steps`, `external_id`), so
a retried or redelivered run continues where the last one stopped and never uploads twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from distribution import selectors
from distribution.audit_verbs import DistributionVerb
from distribution.crypto import CredentialsError
from distribution.models import (
    MetadataPlatform,
    Platform,
    Publication,
    PublicationAttempt,
    ReleaseMedia,
    ReleaseMetadata,
    ReleasePlan,
)
from distribution.platforms import soundcloud as sc
from distribution.platforms import youtube as yt
from distribution.platforms.metadata import YOUTUBE_DESCRIPTION_MAX_BYTES, soundcloud_tag_string
from distribution.services.release_media import release_audio
from distribution.services.releases import release_refresh_published
from distribution.services.soundcloud import soundcloud_client
from distribution.services.youtube import youtube_client
from lofi_site.files import PRIVATE, PUBLIC, local_copy
from lofi_site.queue import enqueue
from operations.services import audit_log

PUBLISH_TASK = "distribution.tasks.publication_publish_task"
YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v={}"


class PublishError(RuntimeError):
    """A publication that cannot go out as it stands (missing media, metadata or credentials)."""


# Errors a run records as a failure and returns from; anything else is recorded and raised again.
_EXPECTED = (yt.YouTubeError, sc.SoundCloudError, PublishError, CredentialsError, ValidationError, OSError)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- Claiming ---------------------------------------------------------------------------------------------


def publications_claim_due(*, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Mark up to `limit` due API publications (scheduled, or waiting for quota whose wait is over) as
    publishing and return their ids. Rows are locked with SKIP LOCKED, so two workers running this at the
    same moment never take the same publication."""
    now = _now(now)
    with transaction.atomic():
        due = list(
            Publication.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status__in=[Publication.Status.SCHEDULED, Publication.Status.WAITING_QUOTA],
                run_at__lte=now,
                account__is_active=True,
            )
            .order_by("run_at", "id")[:limit]
        )
        for publication in due:
            publication.status = Publication.Status.PUBLISHING
            publication.claimed_at = now
            publication.attempts += 1
            publication.status_detail = ""
        Publication.objects.bulk_update(due, ["status", "claimed_at", "attempts", "status_detail"])
    return [p.pk for p in due]


def publications_release_stale(*, now: datetime | None = None) -> int:
    """Publications stuck in "publishing" longer than a task may run (the worker died) go back to the queue;
    their open attempt is closed as failed. The next run looks the upload up before sending it again."""
    now = _now(now)
    stale_after = timedelta(seconds=int(str(settings.Q_CLUSTER.get("timeout", 1800))) + 60)
    with transaction.atomic():
        stuck = list(
            Publication.objects.select_for_update(skip_locked=True).filter(
                status=Publication.Status.PUBLISHING, claimed_at__lt=now - stale_after
            )
        )
        for publication in stuck:
            publication.attempt_log.filter(outcome=PublicationAttempt.Outcome.RUNNING).update(
                outcome=PublicationAttempt.Outcome.FAILED,
                finished_at=now,
                error="The worker stopped before the attempt finished.",
            )
            publication.status = Publication.Status.SCHEDULED
            publication.run_at = now
            publication.status_detail = "the last attempt was interrupted; retrying"
            publication.save(update_fields=["status", "run_at", "status_detail", "updated_at"])
    return len(stuck)


def publications_run_due(*, now: datetime | None = None) -> list[int]:
    """The every-minute job: requeue interrupted publications, claim due ones and enqueue one publish task
    each, and mark releases published whose publications are all out."""
    from distribution.services.releases import releases_refresh_published

    now = _now(now)
    publications_release_stale(now=now)
    claimed = publications_claim_due(now=now)
    for publication_id in claimed:
        enqueue(PUBLISH_TASK, publication_id)
    releases_refresh_published(now=now)
    return claimed


# --- One attempt ------------------------------------------------------------------------------------------


def _begin(publication: Publication, now: datetime) -> PublicationAttempt | None:
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("release__artist", "account")
            .get(pk=publication.pk)
        )
        if publication.status in (Publication.Status.SCHEDULED, Publication.Status.WAITING_QUOTA):
            publication.status = Publication.Status.PUBLISHING  # run directly (a command, a test): claim it
            publication.claimed_at = now
            publication.attempts += 1
            publication.status_detail = ""
            publication.save(update_fields=["status", "claimed_at", "attempts", "status_detail", "updated_at"])
        elif publication.status != Publication.Status.PUBLISHING:
            return None  # published, failed, cancelled or manual: a redelivered task has nothing to do
        elif publication.attempt_log.filter(outcome=PublicationAttempt.Outcome.RUNNING).exists():
            return None  # the same claim is already being worked on by another delivery of the task
        return PublicationAttempt.objects.create(publication=publication, number=publication.attempts, started_at=now)


def publication_publish(
    *,
    publication: Publication,
    now: datetime | None = None,
    http=None,
    session=None,
    sleep: Callable[[float], None] = time.sleep,
) -> Publication:
    """Run one attempt of a publication and return it as it ended.

    A scheduled or quota-waiting publication is claimed first; a claimed one (the task's case) runs as it
    is; any other status returns at once without contacting a platform. Quota exhaustion ends the attempt
    as "waiting for quota until <reset>", never as an error; platform refusals and missing media end it as
    failed with the reason. `http` (YouTube) and `session` (SoundCloud) replace the network (tests).
    """
    now = _now(now)
    attempt = _begin(publication, now)
    if attempt is None:
        return Publication.objects.select_related("release", "account").get(pk=publication.pk)
    publication = attempt.publication
    try:
        if publication.account.platform == Platform.YOUTUBE:
            detail = _publish_youtube(publication, now=now, http=http, sleep=sleep)
        elif publication.account.platform == Platform.SOUNDCLOUD:
            detail = _publish_soundcloud(publication, session=session, sleep=sleep)
        else:
            raise PublishError(f"{publication.account} has no upload API: it is uploaded by hand.")
    except yt.QuotaExceeded as error:
        return _end_waiting_quota(publication, attempt, error.resume_at, str(error))
    except _EXPECTED as error:
        return _end_failed(publication, attempt, error)
    except Exception as error:
        _end_failed(publication, attempt, error)
        raise
    return _end_published(publication, attempt, detail, now)


def _message(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or type(error).__name__


def _end(
    publication: Publication,
    attempt: PublicationAttempt,
    *,
    outcome: str,
    error: str = "",
    detail: dict | None = None,
) -> None:
    attempt.outcome = outcome
    attempt.error = error
    attempt.detail = detail or {}
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["outcome", "error", "detail", "finished_at"])


@transaction.atomic
def _end_published(publication: Publication, attempt: PublicationAttempt, detail: dict, now: datetime) -> Publication:
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    publication.status = Publication.Status.PUBLISHED
    publication.published_at = now
    publication.run_at = None
    publication.last_error = ""
    goes_public = timezone.localtime(publication.scheduled_at)
    publication.status_detail = (
        f"uploaded; goes public {goes_public:%Y-%m-%d %H:%M %Z}" if publication.scheduled_at > now else ""
    )
    publication.save()
    _end(publication, attempt, outcome=PublicationAttempt.Outcome.PUBLISHED, detail=detail)
    audit_log(
        actor=None,
        verb=DistributionVerb.PUBLICATION_PUBLISHED,
        obj=publication.release,
        summary=f"{publication.account.name}: {publication.external_url or publication.external_id}",
        changes={"status": [Publication.Status.PUBLISHING, Publication.Status.PUBLISHED]},
    )
    release_refresh_published(release=publication.release, now=now)
    return publication


@transaction.atomic
def _end_waiting_quota(
    publication: Publication, attempt: PublicationAttempt, resume_at: datetime, message: str
) -> Publication:
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    publication.status = Publication.Status.WAITING_QUOTA
    publication.run_at = resume_at
    publication.status_detail = f"waiting for quota until {timezone.localtime(resume_at):%Y-%m-%d %H:%M %Z}"
    publication.save()
    _end(
        publication,
        attempt,
        outcome=PublicationAttempt.Outcome.WAITING_QUOTA,
        error=message,
        detail={"resume_at": resume_at.isoformat()},
    )
    return publication


@transaction.atomic
def _end_failed(publication: Publication, attempt: PublicationAttempt, error: BaseException) -> Publication:
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    message = _message(error)
    publication.status = Publication.Status.FAILED
    publication.run_at = None
    publication.last_error = message[:4000]
    publication.status_detail = message[:300]
    publication.save()
    _end(
        publication,
        attempt,
        outcome=PublicationAttempt.Outcome.FAILED,
        error=message,
        detail={"error_type": type(error).__name__},
    )
    audit_log(
        actor=None,
        verb=DistributionVerb.PUBLICATION_FAILED,
        obj=publication.release,
        summary=f"{publication.account.name}: {message[:300]}",
        changes={"status": [Publication.Status.PUBLISHING, Publication.Status.FAILED]},
    )
    return publication


def _record(publication: Publication, **fields) -> None:
    """Write what a platform just confirmed at once, outside any longer transaction."""
    for name, value in fields.items():
        setattr(publication, name, value)
    Publication.objects.filter(pk=publication.pk).update(**fields, updated_at=timezone.now())


def _step(publication: Publication, **done) -> None:
    _record(publication, steps={**publication.steps, **done})


def _metadata(publication: Publication, platform: str) -> ReleaseMetadata:
    row = ReleaseMetadata.objects.filter(release=publication.release, platform=platform).first()
    if row is None:
        raise PublishError(
            f"There is no {MetadataPlatform(platform).label} metadata for this release: generate it first."
        )
    return row


# --- YouTube ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VideoMetadata:
    title: str
    description: str
    tags: list[str] = field(default_factory=list)


def description_with_marker(description: str, marker: str) -> str:
    """The description ending with the reference marker, cut where needed to stay within YouTube's 5000
    UTF-8 bytes (editors may have removed the marker or written up to the limit)."""
    if marker in description:
        return description
    tail = f"\n\n{marker}"
    room = YOUTUBE_DESCRIPTION_MAX_BYTES - len(tail.encode())
    body = description.encode()[:room].decode("utf-8", errors="ignore").rstrip()
    return body + tail


def playlist_titles(publication: Publication, metadata: ReleaseMetadata) -> list[tuple[str, str]]:
    """(title, description) of the mood and activity playlists the video joins."""
    label = settings.LABEL_NAME
    moods = sorted({m.name for entry in selectors.release_tracks(publication.release) for m in entry.track.moods.all()})
    playlists = [(f"{mood} Lo-Fi", f"{mood} lo-fi from {label}.") for mood in moods]
    if metadata.activity:
        activity = metadata.activity.title()
        playlists.append((f"Lo-Fi for {activity}", f"Lo-fi from {label} for {metadata.activity}."))
    return playlists


def _publish_youtube(publication: Publication, *, now: datetime, http, sleep) -> dict:
    release = publication.release
    metadata = _metadata(publication, MetadataPlatform.YOUTUBE)
    media = ReleaseMedia.objects.filter(release=release).first()
    if media is None or not media.video_path:
        raise PublishError("The release video has not been rendered.")
    thumbnail = media.chosen_thumbnail
    if not thumbnail:
        raise PublishError("The release has no thumbnail.")
    plan = ReleasePlan.objects.filter(release=release).first()
    synthetic = any(entry.track.is_ai_generated for entry in selectors.release_tracks(release))
    chunk = int(getattr(settings, "DISTRIBUTION_YOUTUBE_CHUNK_BYTES", 8 * 1024 * 1024))
    detail: dict = {}
    with youtube_client(account=publication.account, http=http, clock=lambda: now, sleep=sleep) as client:
        if not publication.external_id:
            # Only a run after one that started an upload looks it up first (2 units); a first run sends.
            lookup = publication.reference_marker if publication.steps.get("upload_started") else None
            _step(publication, upload_started=True)
            video_meta = _VideoMetadata(
                metadata.title,
                description_with_marker(metadata.description, publication.reference_marker),
                list(metadata.tags),
            )
            with local_copy(PRIVATE, media.video_path) as video:
                result = client.upload_video(
                    video,
                    video_meta,
                    publish_at=publication.scheduled_at if publication.scheduled_at > now else None,
                    made_for_kids=bool(plan and plan.made_for_kids),
                    contains_synthetic_media=synthetic,
                    chunk_size=chunk,
                    existing_video_id_lookup=lookup,
                )
            _record(
                publication,
                external_id=result.video_id,
                external_url=YOUTUBE_WATCH_URL.format(result.video_id),
            )
            detail["upload"] = {
                "video_id": result.video_id,
                "created": result.created,
                "retries": result.retries,
            }
        video_id = publication.external_id
        if not publication.steps.get("thumbnail"):
            with local_copy(PUBLIC, thumbnail.name) as image:
                client.set_thumbnail(video_id, image)
            _step(publication, thumbnail=media.thumbnail_choice)
        joined = dict(publication.steps.get("playlists") or {})
        for title, description in playlist_titles(publication, metadata):
            if title in joined:
                continue
            playlist_id = client.ensure_playlist(title, description)
            client.add_to_playlist(playlist_id, video_id)
            joined[title] = playlist_id
            _step(publication, playlists=joined)
        detail["units"] = client.units_spent
    return detail


# --- SoundCloud -------------------------------------------------------------------------------------------


def _publish_soundcloud(publication: Publication, *, session, sleep) -> dict:
    release = publication.release
    metadata = _metadata(publication, MetadataPlatform.SOUNDCLOUD)
    if publication.external_id:
        return {"upload": "already uploaded"}
    if publication.steps.get("upload_started"):
        # SoundCloud offers no lookup by reference: sending again could make a second track.
        raise PublishError(
            "An earlier upload was started but never confirmed. Check the SoundCloud account: "
            "if the track is there, record its URL; if not, retry with a fresh upload."
        )
    if not release.artwork:
        raise PublishError("The release has no cover.")
    client = soundcloud_client(account=publication.account, session=session, sleep=sleep)
    _step(publication, upload_started=True)
    try:
        with release_audio(release) as (audio, _chapters), local_copy(PUBLIC, release.artwork.name) as cover:
            uploaded = client.upload_track(
                audio,
                title=metadata.title,
                description=metadata.description,
                tag_list=soundcloud_tag_string(metadata.tags),
                sharing="public",
                artwork_path=cover,
            )
    except sc.SoundCloudError as error:
        if error.status is not None and 400 <= error.status < 500:
            # SoundCloud answered and refused (or the token did): no track exists, a retry may send it again.
            _step(publication, upload_started=False)
        raise
    _record(publication, external_id=str(uploaded.track_id), external_url=uploaded.permalink_url)
    return {"upload": {"track_id": uploaded.track_id}}


# --- Reading YouTube back ---------------------------------------------------------------------------------

_TERMINAL_UPLOAD = ("failed", "rejected", "deleted")
_TERMINAL_PROCESSING = ("failed", "terminated")


def publications_sync_status(*, now: datetime | None = None, http=None) -> int:
    """Read processing and privacy state back for YouTube videos published in the last 30 days or never read,
    per account (videos.list, 1 unit per 50 videos). A video YouTube failed, rejected or no longer has makes
    its publication failed with the reason. Returns how many publications were read. A spent quota stops
    that account's reading until the next run."""
    now = _now(now)
    publications = list(
        Publication.objects.filter(
            account__platform=Platform.YOUTUBE, account__is_active=True, status=Publication.Status.PUBLISHED
        )
        .exclude(external_id="")
        .filter(Q(published_at__gte=now - timedelta(days=30)) | Q(remote_checked_at__isnull=True))
        .select_related("account")
    )
    by_account: dict[int, list[Publication]] = {}
    for publication in publications:
        by_account.setdefault(publication.account_id, []).append(publication)
    read = 0
    for items in by_account.values():
        account = items[0].account
        try:
            with youtube_client(account=account, http=http) as client:
                states = client.video_status([p.external_id for p in items])
        except (yt.YouTubeError, ValidationError, CredentialsError):
            continue
        for publication in items:
            _apply_state(publication, states.get(publication.external_id), now)
            read += 1
    return read


@transaction.atomic
def _apply_state(publication: Publication, state: yt.VideoState | None, now: datetime) -> None:
    publication = (
        Publication.objects.select_for_update(of=("self",)).select_related("release", "account").get(pk=publication.pk)
    )
    publication.remote_checked_at = now
    if state is None:
        publication.remote_state = {"missing": True}
        problem = "the video is no longer on the channel"
    else:
        publication.remote_state = asdict(state)
        problem = ""
        if state.upload_status in _TERMINAL_UPLOAD or state.processing_status in _TERMINAL_PROCESSING:
            reason = state.failure_reason or state.rejection_reason or state.upload_status
            problem = f"YouTube {state.upload_status or state.processing_status}: {reason}"
    if problem and publication.status == Publication.Status.PUBLISHED:
        publication.status = Publication.Status.FAILED
        publication.last_error = problem
        publication.status_detail = problem
        audit_log(
            actor=None,
            verb=DistributionVerb.PUBLICATION_FAILED,
            obj=publication.release,
            summary=f"{publication.account.name}: {problem}",
            changes={"status": [Publication.Status.PUBLISHED, Publication.Status.FAILED]},
        )
    publication.save()
