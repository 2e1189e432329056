"""Listeners' track requests: submit, vote, plan as a render job, follow to release, tell the requester."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from catalog.models import Release, Track
from community import briefs, conf, emails
from community.audit_verbs import CommunityVerb
from community.models import TrackRequest, TrackRequestVote
from community.services.common import absolute_url, require_permission
from lofi_site.actors import Actor
from lofi_site.ratelimit import private_hash
from operations.outbox import outbox_add
from operations.services import audit_log
from production.models import RenderJob
from production.services import render_job_create

PLAN_REQUEST_PERMISSIONS = ("community.change_trackrequest", "production.add_renderjob")
REQUEST_RELEASED_TASK = "community.tasks.track_request_notify_released_task"


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
def track_request_plan(*, track_request: TrackRequest, actor: Actor) -> RenderJob:
    """Turn a request into a render job (the one-click brief): style from the activity, BPM from the tempo
    feel, key from the mood, seed from the request. The request becomes "planned".

    Idempotent: a request that already has a render job returns that job. Raises PermissionDenied unless the
    actor may change requests and create render jobs.
    """
    for permission in PLAN_REQUEST_PERMISSIONS:
        require_permission(actor, permission, "turn track requests into render briefs")
    track_request = TrackRequest.objects.select_for_update().get(pk=track_request.pk)
    if track_request.render_job is not None:
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
        verb=CommunityVerb.TRACK_REQUEST_PLANNED,
        obj=track_request,
        summary=f"Render job #{job.pk} created: {job.brief_summary}",
        changes={"status": [old, track_request.status], "render_job": job.pk},
    )
    return track_request.render_job


# What the cockpit may correct on a request (a listener's typo, the track it became); the workflow fields
# (status, render job, votes) move only through the services above and below.
TRACK_REQUEST_EDITABLE = ("mood", "activity", "tempo_feel", "note", "email", "track", "release")
# Personal data stays out of the audit trail: a change is recorded, not the address.
_REDACTED = {"email"}


@transaction.atomic
def track_request_update(*, track_request: TrackRequest, actor: Actor, **fields) -> TrackRequest:
    """Correct a request's editable fields (TRACK_REQUEST_EDITABLE) from the cockpit and audit what changed.

    Raises ValidationError for a field that is not editable or a value off the lists. Idempotent: the same
    values again change nothing and write no audit event.
    """
    unknown = set(fields) - set(TRACK_REQUEST_EDITABLE)
    if unknown:
        raise ValidationError(f"These fields are not edited here: {', '.join(sorted(unknown))}.")
    track_request = TrackRequest.objects.select_for_update().get(pk=track_request.pk)
    changes: dict[str, object] = {}
    for name, value in fields.items():
        old = getattr(track_request, name)
        if old != value:
            setattr(track_request, name, value)
            if name in _REDACTED:
                changes[name] = "changed"
            else:
                changes[name] = [str(old) if old is not None else None, str(value) if value is not None else None]
    if not changes:
        return track_request
    track_request.full_clean()
    track_request.save(update_fields=[*changes, "updated_at"])
    audit_log(
        actor=actor,
        verb=CommunityVerb.TRACK_REQUEST_CHANGED,
        obj=track_request,
        summary=f"Corrected in the cockpit: {', '.join(changes)}",
        changes=changes,
    )
    return track_request


_STATUS_ORDER = [s.value for s in TrackRequest.Status]


@transaction.atomic
def track_request_advance(
    *,
    track_request: TrackRequest,
    status: str,
    actor: Actor = None,
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
            verb=CommunityVerb.TRACK_REQUEST_ADVANCED,
            obj=track_request,
            summary=f"Request {old} -> {status}",
            changes={"status": [old, status]},
        )
    if status == TrackRequest.Status.RELEASED and track_request.email and not track_request.released_notified_at:
        outbox_add(REQUEST_RELEASED_TASK, track_request.pk, description="Your requested track is out")
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
        job = track_request.render_job
        assert job is not None  # filtered above
        track_request_advance(
            track_request=track_request,
            status=TrackRequest.Status.RENDERED,
            track=job.track,
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
                "requests_url": absolute_url(reverse("community:requests")),
            },
        )
        track_request.released_notified_at = timezone.now()
        track_request.email = ""
        track_request.save(update_fields=["released_notified_at", "email", "updated_at"])
    return True
