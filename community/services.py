"""Every community write: track requests and votes, the newsletter (double opt-in, unsubscribe, campaigns sent
in batches), YouTube comments (sync, scoring, triage, superfans), replies (draft, approve, post), social posts
and video statistics.

YouTube calls go through `distribution.youtube_services.youtube_client`, so they count against the channel's
daily quota like the publisher's; every function that calls YouTube takes `http` (tests pass googleapiclient's
HttpMockSequence there).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import get_connection
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from catalog.models import Release, Track
from community import briefs, captions, conf, emails, scoring, tokens
from community.models import (
    Campaign,
    CampaignDelivery,
    Comment,
    Commenter,
    CommentSyncState,
    LeadMagnet,
    Reply,
    ReplyTemplate,
    SocialPost,
    Subscriber,
    TrackRequest,
    TrackRequestVote,
    VideoStatsSnapshot,
    validate_zip_archive,
)
from community.templating import render_reply
from distribution.models import MetadataPlatform, Platform, PlatformAccount, Publication, ReleaseMetadata
from distribution.platforms import youtube as yt
from lofi_site.queue import enqueue
from lofi_site.ratelimit import private_hash
from operations.services import audit_log, checklist_attach
from production.models import RenderJob
from production.services import render_job_create

logger = logging.getLogger(__name__)

SOCIAL_POST_CHECKLIST = "social-post"  # standing data: community/procedures.py
APPROVE_REPLY_PERMISSION = "community.approve_reply"
SEND_CAMPAIGN_PERMISSION = "community.send_campaign"
PLAN_REQUEST_PERMISSIONS = ("community.change_trackrequest", "production.add_renderjob")

CONFIRMATION_TASK = "community.tasks.subscriber_confirmation_send_task"
CAMPAIGN_TASK = "community.tasks.campaign_deliver_task"
REPLY_POST_TASK = "community.tasks.reply_post_task"
REQUEST_RELEASED_TASK = "community.tasks.track_request_notify_released_task"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _require(actor, permission: str, what: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"You may not {what}.")


# === Track requests ========================================================================================


@transaction.atomic
def track_request_submit(*, mood: str, activity: str, tempo_feel: str, note: str = "", email: str = "") -> TrackRequest:
    """Record a listener's request from the public form. Raises ValidationError for values off the lists."""
    request = TrackRequest(
        mood=mood, activity=activity, tempo_feel=tempo_feel, note=note.strip(), email=email.strip().lower()
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def track_request_vote(*, track_request: TrackRequest, session_key: str, ip_address: str) -> bool:
    """Count one upvote unless this browser session or this IP address already voted for the request.

    Returns True when the vote counted. Only keyed hashes of the session key and the address are stored.
    """
    if track_request.status == TrackRequest.Status.RELEASED:
        return False
    vote = TrackRequestVote(
        request=track_request,
        session_hash=private_hash(session_key, purpose="vote-session"),
        ip_hash=private_hash(ip_address, purpose="vote-ip"),
    )
    try:
        with transaction.atomic():  # a savepoint: the unique constraints decide, also under concurrent votes
            vote.save()
    except IntegrityError:
        return False
    TrackRequest.objects.filter(pk=track_request.pk).update(votes=F("votes") + 1, updated_at=timezone.now())
    track_request.refresh_from_db(fields=["votes"])
    return True


@transaction.atomic
def track_request_plan(*, track_request: TrackRequest, actor) -> RenderJob:
    """Turn a request into a render job (the one-click brief): style from the activity, BPM from the tempo
    feel, key from the mood, seed from the request. The request becomes "planned".

    Idempotent: a request that already has a render job returns that job. Raises PermissionDenied unless the
    actor may change requests and create render jobs.
    """
    for permission in PLAN_REQUEST_PERMISSIONS:
        _require(actor, permission, "turn track requests into render briefs")
    track_request = TrackRequest.objects.select_for_update().get(pk=track_request.pk)
    if track_request.render_job_id:
        return track_request.render_job
    brief = briefs.brief_for_request(
        mood=track_request.mood,
        activity=track_request.activity,
        tempo_feel=track_request.tempo_feel,
        request_uuid=track_request.uuid,
        duration_s=conf.request_render_duration_s(),
    )
    job = render_job_create(**brief, created_by=actor)
    old = track_request.status
    track_request.render_job = job
    if track_request.status == TrackRequest.Status.NEW:
        track_request.status = TrackRequest.Status.PLANNED
    track_request.save(update_fields=["render_job", "status", "updated_at"])
    audit_log(
        actor=actor,
        verb="track_request.planned",
        obj=track_request,
        summary=f"Render job #{job.pk} created: {job.brief_summary}",
        changes={"status": [old, track_request.status], "render_job": job.pk},
    )
    return track_request.render_job


_STATUS_ORDER = [s.value for s in TrackRequest.Status]


@transaction.atomic
def track_request_advance(
    *,
    track_request: TrackRequest,
    status: str,
    actor=None,
    track: Track | None = None,
    release: Release | None = None,
) -> TrackRequest:
    """Move a request forward (new -> planned -> rendered -> released); never backwards. Reaching "released"
    queues the e-mail to the requester. Idempotent for the current status."""
    track_request = TrackRequest.objects.select_for_update().get(pk=track_request.pk)
    if status not in _STATUS_ORDER:
        raise ValidationError(f"Unknown status {status!r}.")
    if _STATUS_ORDER.index(status) < _STATUS_ORDER.index(track_request.status):
        raise ValidationError(
            f"The request is already {track_request.get_status_display().lower()}; requests only move forward."
        )
    old = track_request.status
    track_request.track = track or track_request.track
    track_request.release = release or track_request.release
    track_request.status = status
    track_request.save(update_fields=["status", "track", "release", "updated_at"])
    if old != status:
        audit_log(
            actor=actor,
            verb="track_request.advanced",
            obj=track_request,
            summary=f"Request {old} -> {status}",
            changes={"status": [old, status]},
        )
    if status == TrackRequest.Status.RELEASED and track_request.email and not track_request.released_notified_at:
        enqueue(REQUEST_RELEASED_TASK, track_request.pk)
    return track_request


def track_requests_progress() -> int:
    """Advance planned requests whose render succeeded to "rendered", and requests whose track is on a
    published release to "released". Run hourly. Returns how many requests moved."""
    moved = 0
    planned = TrackRequest.objects.filter(
        status=TrackRequest.Status.PLANNED,
        render_job__status=RenderJob.Status.SUCCEEDED,
        render_job__track__isnull=False,
    ).select_related("render_job")
    for track_request in planned:
        track_request_advance(
            track_request=track_request,
            status=TrackRequest.Status.RENDERED,
            track=track_request.render_job.track,
        )
        moved += 1
    rendered = TrackRequest.objects.filter(status=TrackRequest.Status.RENDERED, track__isnull=False)
    for track_request in rendered:
        release = (
            Release.objects.filter(status=Release.Status.PUBLISHED, release_tracks__track=track_request.track)
            .order_by("release_date", "id")
            .first()
        )
        if release is not None:
            track_request_advance(track_request=track_request, status=TrackRequest.Status.RELEASED, release=release)
            moved += 1
    return moved


def track_request_notify_released(*, track_request: TrackRequest) -> bool:
    """E-mail the requester that their track is out, once; then forget the address (it was only kept for
    this). Returns True when a mail was sent."""
    with transaction.atomic():
        track_request = (
            # of=self: PostgreSQL cannot lock the nullable side of the outer joins, and only the request is ours.
            TrackRequest.objects.select_for_update(of=("self",))
            .select_related("release", "track")
            .get(pk=track_request.pk)
        )
        if (
            track_request.status != TrackRequest.Status.RELEASED
            or not track_request.email
            or track_request.released_notified_at
        ):
            return False
        emails.send_templated(
            to=track_request.email,
            template="request_released",
            context={
                "track_request": track_request,
                "release": track_request.release,
                "track": track_request.track,
                "requests_url": _absolute(reverse("community:requests")),
            },
        )
        track_request.released_notified_at = timezone.now()
        track_request.email = ""
        track_request.save(update_fields=["released_notified_at", "email", "updated_at"])
    return True


# === Newsletter ============================================================================================

# A second sign-up within this time does not send another confirmation e-mail (no mail-bombing by form).
CONFIRMATION_RESEND_AFTER = timedelta(minutes=10)


def _normalise_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def subscriber_subscribe(*, email: str) -> Subscriber:
    """Start (or restart) double opt-in for `email`: the address is pending until its confirmation link is
    used.

    A confirmed address stays as it is and gets no mail (the form must not reveal who subscribed). The
    confirmation e-mail is queued at most once per CONFIRMATION_RESEND_AFTER. Raises ValidationError for an
    invalid address.
    """
    email = _normalise_email(email)
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        subscriber = Subscriber(email=email)
        subscriber.full_clean()
        subscriber.save()
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    now = timezone.now()
    if (
        subscriber.status == Subscriber.Status.PENDING
        and subscriber.confirmation_sent_at
        and now - subscriber.confirmation_sent_at < CONFIRMATION_RESEND_AFTER
    ):
        return subscriber
    subscriber.status = Subscriber.Status.PENDING
    subscriber.unsubscribed_at = None
    # The token carries this moment (to the microsecond): only the newest e-mail's link may confirm.
    subscriber.confirmation_sent_at = now
    subscriber.save(update_fields=["status", "unsubscribed_at", "confirmation_sent_at", "updated_at"])
    enqueue(CONFIRMATION_TASK, subscriber.pk)
    return subscriber


def _sent_stamp(moment: datetime) -> int:
    return round(moment.timestamp() * 1_000_000)


def confirm_url(subscriber: Subscriber) -> str:
    return _absolute(
        reverse(
            "community:newsletter_confirm",
            args=[tokens.confirm_token(subscriber.uuid, _sent_stamp(subscriber.confirmation_sent_at))],
        )
    )


def unsubscribe_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("community:newsletter_unsubscribe", args=[tokens.unsubscribe_token(subscriber.uuid)]))


def lead_magnet_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("community:lead_magnet_download", args=[tokens.lead_magnet_token(subscriber.uuid)]))


def subscriber_confirmation_send(*, subscriber: Subscriber) -> bool:
    """Send the double opt-in e-mail of a pending subscriber. Returns False when there is nothing to send."""
    subscriber.refresh_from_db()
    if subscriber.status != Subscriber.Status.PENDING or subscriber.confirmation_sent_at is None:
        return False
    emails.send_templated(
        to=subscriber.email,
        template="newsletter_confirm",
        context={
            "confirm_url": confirm_url(subscriber),
            "max_age_h": conf.confirm_max_age_s() // 3600,
        },
        headers=emails.unsubscribe_headers(unsubscribe_url(subscriber)),
    )
    return True


class TokenRefused(ValidationError):
    """A newsletter link that is forged, expired or superseded."""


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm the address a confirmation link was sent to. Idempotent for a confirmed subscriber.

    Raises TokenRefused when the token is forged or expired, or is not from the newest confirmation e-mail
    (after unsubscribing and signing up again, only the new link works).
    """
    claim = tokens.confirm_token_read(token)
    subscriber = Subscriber.objects.select_for_update().filter(uuid=claim.subscriber_uuid).first() if claim else None
    if subscriber is None:
        raise TokenRefused("This confirmation link is not valid or has expired. Sign up again to get a new one.")
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    sent = subscriber.confirmation_sent_at
    if subscriber.status != Subscriber.Status.PENDING or sent is None or _sent_stamp(sent) != claim.sent_stamp:
        raise TokenRefused("This confirmation link has been replaced by a newer one. Use the newest e-mail.")
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop all mail to the subscriber at once: status unsubscribed and any campaign mail not yet sent to them
    dropped. Idempotent."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    CampaignDelivery.objects.filter(subscriber=subscriber, status=CampaignDelivery.Status.PENDING).delete()
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    return subscriber


# --- Lead magnet --------------------------------------------------------------------------------------------

LEAD_MAGNET_MAX_BYTES = 2 * 1024**3  # a sample pack of WAV loops is large, but not this large


def _safe_zip_name(name: str) -> str:
    stem = PurePosixPath(name.replace("\\", "/")).stem.strip(". ")
    return f"{get_valid_filename(stem)[:150] if stem else 'free-pack'}.zip"


def lead_magnet_upload_check(upload: File) -> None:
    """Raise ValidationError unless `upload` is a readable .zip with files, at most LEAD_MAGNET_MAX_BYTES."""
    if not (upload.name or "").lower().endswith(".zip"):
        raise ValidationError("Upload a .zip file.")
    if upload.size > LEAD_MAGNET_MAX_BYTES:
        raise ValidationError(f"The zip is larger than {LEAD_MAGNET_MAX_BYTES // 1024**3} GB.")
    validate_zip_archive(upload)


def lead_magnet_save(*, magnet: LeadMagnet, actor, upload: File | None = None) -> LeadMagnet:
    """Save a lead magnet (headline, active flag) and, given `upload`, make that zip its download.

    Guarantees: the zip is checked (readable, at least one file, at most LEAD_MAGNET_MAX_BYTES) and the record
    validated (one active lead magnet) before anything is stored, raising ValidationError otherwise; the file
    goes to the private storage under a fresh name, so a download in progress keeps its file; the replaced file
    is deleted once the change is committed, and a new file is deleted again if the record cannot be saved. A
    new lead magnet needs a file.
    """
    if upload is None and not magnet.archive_path:
        raise ValidationError("Upload the zip subscribers will download.")
    if upload is not None:
        lead_magnet_upload_check(upload)
    magnet.full_clean()
    storage = storages["private"]
    old_path = magnet.archive_path
    new_path = ""
    if upload is not None:
        name = _safe_zip_name(upload.name)
        new_path = storage.save(f"lead-magnets/{uuid.uuid4().hex[:12]}/{name}", upload)
        magnet.archive_path, magnet.archive_name, magnet.archive_size_bytes = new_path, name, upload.size
    created = magnet.pk is None
    try:
        with transaction.atomic():
            magnet.save()
            audit_log(
                actor=actor,
                verb="lead_magnet.created" if created else "lead_magnet.changed",
                obj=magnet,
                summary=f"{magnet.headline}: {magnet.archive_name}" + ("" if magnet.is_active else " (inactive)"),
            )
            if new_path and old_path and old_path != new_path:
                transaction.on_commit(lambda: storage.delete(old_path))
    except Exception:
        if new_path:
            storage.delete(new_path)
            magnet.archive_path = old_path
        raise
    return magnet


# --- Campaigns ----------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_send(*, campaign: Campaign, actor) -> Campaign:
    """Start sending a draft campaign to every confirmed subscriber: one pending delivery each, then the task.

    Idempotent: a campaign already sending or sent is returned as it is. Raises PermissionDenied unless the
    actor may send campaigns, ValidationError for a campaign without subject or text.
    """
    _require(actor, SEND_CAMPAIGN_PERMISSION, "send newsletter campaigns")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        return campaign
    campaign.full_clean()
    recipients = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).values_list("pk", flat=True)
    CampaignDelivery.objects.bulk_create(
        (CampaignDelivery(campaign=campaign, subscriber_id=pk) for pk in recipients.iterator()),
        batch_size=1000,
        ignore_conflicts=True,
    )
    campaign.status = Campaign.Status.SENDING
    campaign.started_at = timezone.now()
    campaign.sent_by = actor
    campaign.save(update_fields=["status", "started_at", "sent_by", "updated_at"])
    count = campaign.deliveries.count()
    audit_log(
        actor=actor,
        verb="campaign.sending",
        obj=campaign,
        summary=f"Sending '{campaign.subject}' to {count} subscriber{'s' if count != 1 else ''}",
        changes={"status": [Campaign.Status.DRAFT, Campaign.Status.SENDING], "recipients": count},
    )
    enqueue(CAMPAIGN_TASK, campaign.pk)
    return campaign


def _campaign_message(campaign: Campaign, subscriber: Subscriber, connection):
    unsubscribe = unsubscribe_url(subscriber)
    return emails.message_from_templates(
        to=subscriber.email,
        template="campaign",
        context={"campaign": campaign, "unsubscribe_url": unsubscribe},
        headers=emails.unsubscribe_headers(unsubscribe),
        connection=connection,
    )


def _claimable(campaign: Campaign, now: datetime) -> Q:
    stale = now - timedelta(seconds=conf.campaign_claim_stale_s())
    return Q(campaign=campaign, status=CampaignDelivery.Status.PENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


@dataclass(frozen=True)
class BatchResult:
    sent: int
    failed: int
    remaining: int


def campaign_deliver_batch(*, campaign: Campaign, batch_size: int | None = None) -> BatchResult:
    """Send the next `batch_size` pending deliveries of a sending campaign, one e-mail each.

    Guarantees: each delivery is claimed before its e-mail goes out, so concurrent or redelivered runs never
    send one twice; a failing address is recorded as failed with its error and the batch goes on; only pending
    deliveries are sent, so a rerun after a crash resumes where it stopped; the campaign becomes "sent" when
    nothing is pending. Not one transaction on purpose: each delivery's outcome is committed as soon as it is
    known.
    """
    batch_size = batch_size or conf.campaign_batch_size()
    campaign.refresh_from_db()
    if campaign.status != Campaign.Status.SENDING:
        return BatchResult(sent=0, failed=0, remaining=0)
    now = timezone.now()
    candidates = list(
        CampaignDelivery.objects.filter(_claimable(campaign, now))
        .order_by("id")
        .values_list("pk", flat=True)[:batch_size]
    )
    sent = failed = 0
    connection = get_connection()
    for pk in candidates:
        if not CampaignDelivery.objects.filter(_claimable(campaign, now), pk=pk).update(claimed_at=timezone.now()):
            continue  # another run took it meanwhile
        delivery = CampaignDelivery.objects.select_related("subscriber").get(pk=pk)
        if delivery.subscriber.status != Subscriber.Status.CONFIRMED:
            delivery.delete()  # unsubscribed while the campaign was going out
            continue
        try:
            _campaign_message(campaign, delivery.subscriber, connection).send()
        except Exception as error:  # any failure of one address must not stop the others
            logger.warning("campaign %s: delivery %s failed: %s", campaign.pk, pk, error)
            CampaignDelivery.objects.filter(pk=pk).update(
                status=CampaignDelivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
            )
            failed += 1
            continue
        CampaignDelivery.objects.filter(pk=pk).update(
            status=CampaignDelivery.Status.SENT, sent_at=timezone.now(), error=""
        )
        sent += 1
    remaining = CampaignDelivery.objects.filter(campaign=campaign, status=CampaignDelivery.Status.PENDING).count()
    if remaining == 0:
        _campaign_finish(campaign)
    return BatchResult(sent=sent, failed=failed, remaining=remaining)


@transaction.atomic
def _campaign_finish(campaign: Campaign) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.SENDING:
        return
    counts = Counter(campaign.deliveries.values_list("status", flat=True))
    campaign.status = Campaign.Status.SENT
    campaign.finished_at = timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit_log(
        actor=None,
        verb="campaign.sent",
        obj=campaign,
        summary=f"Sent to {counts[CampaignDelivery.Status.SENT]}, failed {counts[CampaignDelivery.Status.FAILED]}",
        changes={"status": [Campaign.Status.SENDING, Campaign.Status.SENT]},
    )


def campaigns_resume() -> int:
    """Pick up campaigns a worker dropped: queue the delivery task of every sending campaign with deliveries a
    run may take (never claimed, or claimed by a run that died), and finish one with nothing pending left.
    Run hourly; the delivery task itself stops queueing itself when a run finds nothing it may take, so without
    this a campaign whose worker died mid-batch would stay "sending". Returns how many campaigns were queued."""
    now = timezone.now()
    queued = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.SENDING).order_by("id"):
        if CampaignDelivery.objects.filter(_claimable(campaign, now)).exists():
            enqueue(CAMPAIGN_TASK, campaign.pk)
            queued += 1
        elif not campaign.deliveries.filter(status=CampaignDelivery.Status.PENDING).exists():
            _campaign_finish(campaign)
    return queued


@transaction.atomic
def campaign_retry_failed(*, campaign: Campaign, actor) -> int:
    """Put a sent campaign's failed deliveries back to pending and send them again; returns how many."""
    _require(actor, SEND_CAMPAIGN_PERMISSION, "send newsletter campaigns")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    count = campaign.deliveries.filter(
        status=CampaignDelivery.Status.FAILED, subscriber__status=Subscriber.Status.CONFIRMED
    ).update(status=CampaignDelivery.Status.PENDING, claimed_at=None, error="")
    if count:
        campaign.status = Campaign.Status.SENDING
        campaign.finished_at = None
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
        audit_log(actor=actor, verb="campaign.retried", obj=campaign, summary=f"Retrying {count} failed deliveries")
        enqueue(CAMPAIGN_TASK, campaign.pk)
    return count


# === Comments ==============================================================================================


def _fingerprint(text: str) -> str:
    return hashlib.sha256(scoring.normalise_text(text).encode()).hexdigest()


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _commenter_key(thread: yt.CommentThread) -> str:
    return thread.author_channel_id or f"name:{thread.author}"[:120]


def youtube_publications() -> Iterable[Publication]:
    """Published YouTube videos of active accounts, with their account and release."""
    return (
        Publication.objects.filter(
            status=Publication.Status.PUBLISHED, account__platform=Platform.YOUTUBE, account__is_active=True
        )
        .exclude(external_id="")
        .select_related("account", "release")
        .order_by("account_id", "id")
    )


def comments_sync_publication(*, publication: Publication, client: yt.YouTubeClient) -> int:
    """Read the comment threads of one published video that are newer than the newest one stored, score them
    and store them. Returns how many comments were new.

    Threads come newest first; paging stops at the first page holding a thread not newer than the stored
    watermark, and after COMMUNITY_COMMENT_SYNC_MAX_PAGES pages. A thread stored before is never stored twice
    (unique thread id). The watermark only moves once the comments are saved.
    """
    state, _ = CommentSyncState.objects.get_or_create(publication=publication)
    threads: list[yt.CommentThread] = []
    token, pages = None, 0
    while pages < conf.comment_sync_max_pages():
        page = client.comment_threads(
            publication.external_id, page_token=token, published_after=state.newest_published_at
        )
        pages += 1
        threads.extend(page.threads)
        token = page.next_page_token
        if not token:
            break
    created = _comments_store(publication=publication, threads=threads)
    newest = max((_parse_time(t.published_at) for t in threads if t.published_at), default=None)
    updates = {"last_synced_at": timezone.now(), "last_error": "", "pages_read": pages}
    if newest and (state.newest_published_at is None or newest > state.newest_published_at):
        updates["newest_published_at"] = newest
    CommentSyncState.objects.filter(pk=state.pk).update(**updates)
    return created


@transaction.atomic
def _comments_store(*, publication: Publication, threads: list[yt.CommentThread]) -> int:
    known = set(
        Comment.objects.filter(youtube_thread_id__in=[t.thread_id for t in threads]).values_list(
            "youtube_thread_id", flat=True
        )
    )
    fresh = [t for t in reversed(threads) if t.thread_id not in known]  # oldest first: copies count in order
    if not fresh:
        return 0
    rules = conf.scoring_rules()
    commenters = _commenters_ensure(fresh)
    fingerprints = {t.thread_id: _fingerprint(t.text) for t in fresh}
    # Copies already stored, in one query: by text, and by text and author.
    stored = Counter()
    stored_by_author = Counter()
    for fp, channel_id in Comment.objects.filter(text_fingerprint__in=set(fingerprints.values())).values_list(
        "text_fingerprint", "commenter__channel_id"
    ):
        stored[fp] += 1
        stored_by_author[(fp, channel_id)] += 1
    rows = []
    for thread in fresh:
        fp, author = fingerprints[thread.thread_id], _commenter_key(thread)
        verdict = scoring.comment_verdict(
            thread.text,
            copies_elsewhere=stored[fp],
            same_author_copies=stored_by_author[(fp, author)],
            rules=rules,
        )
        stored[fp] += 1
        stored_by_author[(fp, author)] += 1
        rows.append(
            Comment(
                publication=publication,
                commenter=commenters[author],
                youtube_thread_id=thread.thread_id,
                youtube_comment_id=thread.top_comment_id,
                author_name=thread.author[:200],
                text=thread.text,
                published_at=_parse_time(thread.published_at) if thread.published_at else timezone.now(),
                like_count=thread.like_count,
                reply_count=thread.reply_count,
                sentiment=verdict.sentiment,
                sentiment_label=verdict.label,
                is_spam=verdict.is_spam,
                is_abusive=verdict.is_abusive,
                flags=verdict.reasons,
                text_fingerprint=fp,
                status=scoring.initial_triage(verdict),
            )
        )
    Comment.objects.bulk_create(rows, ignore_conflicts=True)
    commenters_refresh(commenter_ids=[c.pk for c in commenters.values()])
    return len(rows)


def _commenters_ensure(threads: list[yt.CommentThread]) -> dict[str, Commenter]:
    names = {_commenter_key(t): t.author[:200] for t in threads}
    existing = {c.channel_id: c for c in Commenter.objects.filter(channel_id__in=names)}
    Commenter.objects.bulk_create(
        [Commenter(channel_id=key, display_name=name or key) for key, name in names.items() if key not in existing],
        ignore_conflicts=True,
    )
    commenters = {c.channel_id: c for c in Commenter.objects.filter(channel_id__in=names)}
    for key, commenter in commenters.items():  # people rename their channels: keep the newest name
        if names[key] and commenter.display_name != names[key]:
            commenter.display_name = names[key]
            commenter.save(update_fields=["display_name", "updated_at"])
    return commenters


@transaction.atomic
def commenters_refresh(*, commenter_ids: Iterable[int]) -> None:
    """Recount comments, positive comments and videos per commenter and decide who is a superfan. Spam and
    abuse do not count as positive, whatever their score."""
    ids = list(commenter_ids)
    positive = Q(sentiment_label=Comment.Sentiment.POSITIVE, is_spam=False, is_abusive=False)
    by_video: dict[int, dict[str, int]] = defaultdict(dict)
    for commenter_id, publication_id, n in (
        Comment.objects.filter(positive, commenter_id__in=ids)
        .values_list("commenter_id", "publication_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_video[commenter_id][str(publication_id)] = n
    totals = {
        row["pk"]: row
        for row in Commenter.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(total=Count("comments"), last=Max("comments__published_at"))
    }
    for commenter in Commenter.objects.filter(pk__in=ids):
        videos = by_video.get(commenter.pk, {})
        commenter.comment_count = totals[commenter.pk]["total"]
        commenter.last_comment_at = totals[commenter.pk]["last"]
        commenter.positive_count = sum(videos.values())
        commenter.positive_videos = len(videos)
        commenter.is_superfan = scoring.is_superfan(
            videos, min_positive=conf.superfan_min_positive(), min_videos=conf.superfan_min_videos()
        )
        commenter.save(
            update_fields=[
                "comment_count",
                "last_comment_at",
                "positive_count",
                "positive_videos",
                "is_superfan",
                "updated_at",
            ]
        )


@dataclass(frozen=True)
class SyncReport:
    videos: int
    new_comments: int
    errors: list[str]


def _due_for_comment_sync(publications: Iterable[Publication], now: datetime) -> list[Publication]:
    """Recent videos every run; older ones once a day. Every video costs a quota unit per run, and old videos
    get few comments: syncing them hourly would spend a channel's quota on nothing."""
    recent_after = now - timedelta(days=conf.comment_sync_recent_days())
    synced = dict(
        CommentSyncState.objects.filter(publication__in=[p.pk for p in publications]).values_list(
            "publication_id", "last_synced_at"
        )
    )
    due = []
    for publication in publications:
        last = synced.get(publication.pk)
        recent = publication.published_at is None or publication.published_at >= recent_after
        if recent or last is None or last <= now - timedelta(hours=23):
            due.append(publication)
    return due


def quota_reserve_left(account: PlatformAccount, *, now: datetime | None = None) -> bool:
    """True while the account's remaining daily quota is above COMMUNITY_QUOTA_RESERVE_UNITS: comments and
    replies must never eat the units an upload needs."""
    from distribution.youtube_services import quota_ledger

    now = now or timezone.now()
    return quota_ledger(account, now=now).remaining(now) > conf.quota_reserve_units()


def comments_sync_all(*, http=None) -> SyncReport:
    """Sync the comments of published YouTube videos, account by account: recent videos every run, older ones
    once a day. A video that fails is noted on its sync state and the others go on; a spent quota, or a
    quota down to the reserve kept for uploads, stops that account until the next run."""
    from distribution.youtube_services import youtube_client

    now = timezone.now()
    by_account: dict[int, list[Publication]] = defaultdict(list)
    accounts: dict[int, PlatformAccount] = {}
    for publication in _due_for_comment_sync(list(youtube_publications()), now):
        by_account[publication.account_id].append(publication)
        accounts[publication.account_id] = publication.account
    videos = new = 0
    errors: list[str] = []
    for account_id, publications in by_account.items():
        account = accounts[account_id]
        try:
            with youtube_client(account=account, http=http) as client:
                for publication in publications:
                    if client.ledger is not None and client.ledger.remaining(now) <= conf.quota_reserve_units():
                        errors.append(f"{account}: daily quota down to the reserve kept for uploads")
                        break
                    try:
                        new += comments_sync_publication(publication=publication, client=client)
                        videos += 1
                    except yt.QuotaExceeded:
                        raise
                    except yt.YouTubeError as error:
                        errors.append(f"{publication}: {error}")
                        CommentSyncState.objects.filter(publication=publication).update(last_error=str(error)[:2000])
        except yt.QuotaExceeded as error:
            errors.append(f"{account}: {error}")
        except ValidationError as error:  # not connected
            errors.append(f"{account}: {'; '.join(error.messages)}")
    return SyncReport(videos=videos, new_comments=new, errors=errors)


@transaction.atomic
def comment_triage(*, comment: Comment, status: str, actor) -> Comment:
    """Set a comment's triage state (new, needs reply, replied, ignored, escalated). Idempotent."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if status not in Comment.Status.values:
        raise ValidationError(f"Unknown triage state {status!r}.")
    if comment.status != status:
        comment.status = status
        comment.triaged_by = actor if getattr(actor, "is_authenticated", False) else None
        comment.triaged_at = timezone.now()
        comment.save(update_fields=["status", "triaged_by", "triaged_at", "updated_at"])
    return comment


# === Replies ===============================================================================================


def reply_context(comment: Comment) -> dict[str, str]:
    """Values for a reply template's placeholders, from the comment's video and release."""
    publication = comment.publication
    release = publication.release
    tracks = list(release.release_tracks.select_related("track").order_by("position")[:2])
    track_title = tracks[0].track.title if len(tracks) == 1 else release.title
    account = publication.account
    return {
        "author": comment.author_name,
        "track_title": track_title,
        "release_title": release.title,
        "channel": account.external_account_name or account.name,
    }


# Answers most comments need; the cockpit edits them. Created once by name (edited templates stay as edited).
STANDARD_REPLY_TEMPLATES = {
    "Thanks": "Thank you {author}! Glad {track_title} keeps you company. New music on {channel} every week.",
    "Track ID": "Hi {author}, this is {track_title} from {release_title}. It is on the streaming services too.",
    "Licensing": "Hi {author}, thanks for asking! Licences for videos, streams and podcasts are on our "
    "website (link in the channel description): each comes with a certificate you can show if a platform "
    "asks.",
    "Request noted": "Thanks {author}! Add it on our track requests page (link in the channel description) "
    "so others can upvote it: the most wanted requests are made first.",
}


@transaction.atomic
def reply_templates_ensure() -> list[ReplyTemplate]:
    """Create the standard reply templates that do not exist yet (by name); returns the ones created."""
    existing = set(ReplyTemplate.objects.values_list("name", flat=True))
    created = []
    for name, body in STANDARD_REPLY_TEMPLATES.items():
        if name in existing:
            continue
        template = ReplyTemplate(name=name, body=body)
        template.full_clean()
        template.save()
        created.append(template)
    return created


class ReplyNotApproved(ValidationError):
    """Posting was asked for a reply an editor has not approved (or whose text changed since)."""


@transaction.atomic
def reply_draft(*, comment: Comment, actor, text: str = "", template: ReplyTemplate | None = None) -> Reply:
    """Draft a reply to a comment, from `text` or else from `template` filled in for this comment.

    Idempotent per comment: an open reply (not rejected) is returned as it is. Drafting moves a "new" comment
    to "needs reply".
    """
    comment = (
        Comment.objects.select_for_update(of=("self",))  # the comment, not its video's rows
        .select_related("publication__release", "publication__account")
        .get(pk=comment.pk)
    )
    existing = comment.replies.exclude(status=Reply.Status.REJECTED).first()
    if existing is not None:
        return existing
    if not text.strip() and template is not None:
        text = render_reply(template.body, reply_context(comment))
    reply = Reply(
        comment=comment,
        template=template,
        text=text.strip(),
        drafted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    reply.full_clean()
    reply.save()
    if comment.status == Comment.Status.NEW:
        comment_triage(comment=comment, status=Comment.Status.NEEDS_REPLY, actor=actor)
    return reply


@transaction.atomic
def reply_update(*, reply: Reply, actor, text: str) -> Reply:
    """Change a reply's text. A changed text of an approved or failed reply goes back to draft: the editor's
    approval was for the old words. Posted and rejected replies cannot change."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    text = text.strip()
    if text == reply.text:
        return reply
    if reply.status in (Reply.Status.POSTED, Reply.Status.POSTING, Reply.Status.REJECTED):
        raise ValidationError(f"A {reply.get_status_display().lower()} reply cannot be edited.")
    reply.text = text
    if reply.status != Reply.Status.DRAFT:
        reply.status = Reply.Status.DRAFT
        reply.approved_by = None
        reply.approved_at = None
        reply.approved_text = ""
    reply.full_clean()
    reply.save()
    return reply


@transaction.atomic
def reply_approve(*, reply: Reply, actor) -> Reply:
    """An editor approves a draft (or a failed reply, to try again): the exact text is recorded and the post
    task is queued. Raises PermissionDenied without `community.approve_reply` (VAs draft, editors approve)."""
    _require(actor, APPROVE_REPLY_PERMISSION, "approve replies")
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status in (Reply.Status.APPROVED, Reply.Status.POSTING, Reply.Status.POSTED):
        return reply
    if reply.status == Reply.Status.REJECTED:
        raise ValidationError("A rejected reply cannot be approved; draft a new one.")
    if not reply.text.strip():
        raise ValidationError("An empty reply cannot be approved.")
    old = reply.status
    reply.status = Reply.Status.APPROVED
    reply.approved_by = actor
    reply.approved_at = timezone.now()
    reply.approved_text = reply.text
    reply.error = ""
    reply.save()
    audit_log(
        actor=actor,
        verb="reply.approved",
        obj=reply,
        summary=f"Approved: {reply.text[:200]}",
        changes={"status": [old, Reply.Status.APPROVED]},
    )
    enqueue(REPLY_POST_TASK, reply.pk)
    return reply


@transaction.atomic
def reply_reject(*, reply: Reply, actor, reason: str = "") -> Reply:
    """An editor turns a draft down; the comment may get a new draft."""
    _require(actor, APPROVE_REPLY_PERMISSION, "reject replies")
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status == Reply.Status.REJECTED:
        return reply
    if reply.status in (Reply.Status.POSTING, Reply.Status.POSTED):
        raise ValidationError("A reply already posted cannot be rejected.")
    old = reply.status
    reply.status = Reply.Status.REJECTED
    reply.error = reason[:2000]
    reply.save(update_fields=["status", "error", "updated_at"])
    audit_log(
        actor=actor,
        verb="reply.rejected",
        obj=reply,
        summary=f"Rejected{': ' + reason if reason else ''}",
        changes={"status": [old, Reply.Status.REJECTED]},
    )
    return reply


def reply_post(*, reply: Reply, client: yt.YouTubeClient) -> Reply:
    """Post an approved reply under its comment with comments.insert.

    Guarantees: nothing is posted unless the reply is approved and its text is exactly the approved text
    (raises ReplyNotApproved otherwise, before any call); one run claims the reply, so a duplicate task posts
    nothing; on success the reply is posted with YouTube's comment id and the comment is "replied"; a spent
    quota puts it back to approved for the next run; any other refusal marks it failed with the reason.
    """
    reply.refresh_from_db()
    if reply.status != Reply.Status.APPROVED or not reply.approved_text or reply.approved_text != reply.text:
        raise ReplyNotApproved(
            f"Only replies an editor approved are posted; this one is {reply.get_status_display().lower()}."
        )
    claimed = Reply.objects.filter(pk=reply.pk, status=Reply.Status.APPROVED, approved_text=reply.text).update(
        status=Reply.Status.POSTING, claimed_at=timezone.now()
    )
    if not claimed:
        reply.refresh_from_db()
        return reply
    comment = Comment.objects.get(pk=reply.comment_id)
    try:
        youtube_id = client.insert_reply(comment.youtube_comment_id, reply.approved_text)
    except yt.QuotaExceeded as error:
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.APPROVED, claimed_at=None, error=f"Waiting for quota: {error}"[:2000]
        )
        reply.refresh_from_db()
        return reply
    except yt.YouTubeError as error:
        Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED, error=str(error)[:2000])
        reply.refresh_from_db()
        return reply
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.POSTED, posted_at=timezone.now(), youtube_comment_id=youtube_id, error=""
        )
        reply.refresh_from_db()
        comment_triage(comment=comment, status=Comment.Status.REPLIED, actor=None)
        audit_log(
            actor=None,
            verb="reply.posted",
            obj=reply,
            summary=f"Posted on YouTube as {youtube_id}",
            changes={"status": [Reply.Status.APPROVED, Reply.Status.POSTED]},
        )
    return reply


def reply_post_now(*, reply: Reply, http=None) -> Reply:
    """Post one approved reply with its channel's client (the post task)."""
    from distribution.youtube_services import youtube_client

    reply = Reply.objects.select_related("comment__publication__account").get(pk=reply.pk)
    account = reply.comment.publication.account
    if reply.status == Reply.Status.APPROVED and not quota_reserve_left(account):
        Reply.objects.filter(pk=reply.pk).update(error="Waiting for quota: the day's reserve is kept for uploads.")
        reply.refresh_from_db()
        return reply  # still approved: the hourly run posts it once the quota resets
    with youtube_client(account=account, http=http) as client:
        return reply_post(reply=reply, client=client)


def replies_post_pending(*, http=None) -> int:
    """Post approved replies left waiting (quota ran out, a task was lost) and fail replies stuck "posting"
    past COMMUNITY_REPLY_POSTING_STALE_S: the call may or may not have reached YouTube, so an editor checks
    the video before approving again. Returns how many replies were posted."""
    stale = timezone.now() - timedelta(seconds=conf.reply_posting_stale_s())
    Reply.objects.filter(status=Reply.Status.POSTING, claimed_at__lt=stale).update(
        status=Reply.Status.FAILED,
        error="Interrupted while posting: check on YouTube whether it appeared before approving it again.",
    )
    posted = 0
    for reply in Reply.objects.filter(status=Reply.Status.APPROVED).order_by("approved_at"):
        try:
            posted += reply_post_now(reply=reply, http=http).status == Reply.Status.POSTED
        except (yt.QuotaExceeded, ValidationError) as error:
            logger.info("reply %s not posted: %s", reply.pk, error)
    return posted


# === Social posts ==========================================================================================


def _release_caption(release: Release, platform: str) -> str:
    metadata = {m.platform: m for m in ReleaseMetadata.objects.filter(release=release)}
    chosen = metadata.get(MetadataPlatform.YOUTUBE) or metadata.get(MetadataPlatform.DISTRIBUTOR)
    youtube = (
        Publication.objects.filter(Publication.OPEN, release=release, account__platform=Platform.YOUTUBE)
        .exclude(external_url="")
        .first()
    )
    return captions.social_caption(
        platform=platform,
        title=chosen.title if chosen else release.title,
        artist=release.artist.name,
        tags=chosen.tags if chosen else [],
        link=youtube.external_url if youtube else "",
        ai_disclosure=chosen.ai_disclosure if chosen else "",
    )


@transaction.atomic
def social_post_schedule(
    *, release: Release, platform: str, scheduled_at: datetime, actor, assignee=None
) -> SocialPost:
    """Plan a hand-made post of `release` on `platform` at `scheduled_at`: the caption is written from the
    release's metadata and the "social-post" checklist is attached, due at the post time.

    Idempotent per (release, platform, time). No platform API is called: these platforms need app review.
    """
    post = SocialPost.objects.filter(release=release, platform=platform, scheduled_at=scheduled_at).first()
    if post is None:
        post = SocialPost(
            release=release,
            platform=platform,
            scheduled_at=scheduled_at,
            caption=_release_caption(release, platform),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        post.full_clean()
        post.save()
        audit_log(
            actor=actor,
            verb="social_post.scheduled",
            obj=post,
            summary=f"{post.get_platform_display()} post planned for {scheduled_at:%Y-%m-%d %H:%M}",
        )
    checklist_attach(template_slug=SOCIAL_POST_CHECKLIST, obj=post, assignee=assignee, due_at=scheduled_at)
    return post


URL_HOSTS = {
    SocialPost.Platform.INSTAGRAM: ("instagram.com",),
    SocialPost.Platform.TIKTOK: ("tiktok.com",),
    SocialPost.Platform.X: ("x.com", "twitter.com"),
    SocialPost.Platform.REDDIT: ("reddit.com", "redd.it"),
}


@transaction.atomic
def social_post_record_url(*, post: SocialPost, actor, url: str) -> SocialPost:
    """The VA records where the post went live; the post becomes "posted". The URL must be an https link on
    the post's platform. Recording again replaces the URL (a typo fixed)."""
    from urllib.parse import urlparse

    post = SocialPost.objects.select_for_update().get(pk=post.pk)
    if post.status == SocialPost.Status.CANCELLED:
        raise ValidationError("This post was cancelled.")
    url = url.strip()
    URLValidator(schemes=["https"])(url)
    host = (urlparse(url).hostname or "").lower()
    hosts = URL_HOSTS[post.platform]
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise ValidationError(f"This is not a {post.get_platform_display()} link (expected {', '.join(hosts)}).")
    old = post.posted_url
    post.posted_url = url
    post.status = SocialPost.Status.POSTED
    post.posted_at = post.posted_at or timezone.now()
    post.posted_by = actor if getattr(actor, "is_authenticated", False) else None
    post.save(update_fields=["posted_url", "status", "posted_at", "posted_by", "updated_at"])
    audit_log(
        actor=actor,
        verb="social_post.posted",
        obj=post,
        summary=f"Posted: {url}",
        changes={"posted_url": [old, url]},
    )
    return post


@transaction.atomic
def social_post_cancel(*, post: SocialPost, actor) -> SocialPost:
    post = SocialPost.objects.select_for_update().get(pk=post.pk)
    if post.status == SocialPost.Status.POSTED:
        raise ValidationError("This post is already live; delete it on the platform instead.")
    if post.status != SocialPost.Status.CANCELLED:
        post.status = SocialPost.Status.CANCELLED
        post.save(update_fields=["status", "updated_at"])
        audit_log(actor=actor, verb="social_post.cancelled", obj=post, summary="Cancelled")
    return post


# === Video statistics ======================================================================================


def video_stats_snapshot_take(*, day: date | None = None, http=None) -> int:
    """Store today's (or `day`'s) views, likes and comments of every published YouTube video: one videos.list
    call per 50 videos per account. Idempotent per day: taking it again updates the day's rows. Returns how
    many snapshots were written."""
    from distribution.youtube_services import youtube_client

    day = day or timezone.localdate()
    by_account: dict[int, list[Publication]] = defaultdict(list)
    for publication in youtube_publications():
        by_account[publication.account_id].append(publication)
    written = 0
    for publications in by_account.values():
        account = publications[0].account
        try:
            with youtube_client(account=account, http=http) as client:
                stats = client.video_statistics([p.external_id for p in publications])
        except (yt.YouTubeError, ValidationError) as error:
            logger.warning("statistics of %s not read: %s", account, error)
            continue
        written += _snapshots_store(publications=publications, stats=stats, day=day)
    return written


@transaction.atomic
def _snapshots_store(*, publications: list[Publication], stats: dict[str, yt.VideoStats], day: date) -> int:
    now = timezone.now()
    written = 0
    for publication in publications:
        s = stats.get(publication.external_id)
        if s is None:  # deleted or private on YouTube: no row rather than a false zero
            continue
        VideoStatsSnapshot.objects.update_or_create(
            publication=publication,
            day=day,
            defaults={"views": s.views, "likes": s.likes, "comments": s.comments, "taken_at": now},
        )
        written += 1
    return written
