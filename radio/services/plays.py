"""What Liquidsoap reports (each track start -> the play log) and what listeners ask for (requests)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Track
from lofi_site.ratelimit import private_hash, rate_limit_allows
from radio.liquidsoap.icecast import IcecastUnreachable, fetch_admin_stats
from radio.models import ListenerRequest, Play, Station
from radio.selectors import radio_tracks
from radio.services.stations import icecast_passwords

logger = logging.getLogger(__name__)
STATS_TIMEOUT_S = 1.0  # the report must stay quick; listeners are also read by the watchdog every minute


def _listeners(station: Station) -> int | None:
    """Listeners on the station's mount now, or None when Icecast does not say."""
    passwords = icecast_passwords(station)
    try:
        stats = fetch_admin_stats(
            f"http://{station.icecast_host}:{station.icecast_port}",
            user=passwords["admin_user"],
            password=passwords["admin_password"],
            timeout_s=STATS_TIMEOUT_S,
        )
    except IcecastUnreachable as error:
        logger.info("listeners unknown for %s: %s", station.slug, error)
        return None
    mount = stats.get(station.mount)
    return mount.listeners if mount else None


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def play_report(
    *, station: Station, play_id: str = "", track_id: str = "", title: str = "", artist: str = "", filename: str = ""
) -> Play | None:
    """Record that a track started on air (Liquidsoap's on_track). Idempotent for a play already reported.

    A play the AutoDJ handed out carries its id; anything else (the safety playlist) becomes a new play, named
    by its metadata or file name. A report without any of them (Liquidsoap's blank filler) records nothing."""
    if not (play_id or track_id or title or filename):
        return None  # Liquidsoap's own silence (mksafe, nothing else left to play): not a play
    # Icecast is asked before the transaction opens: no database lock is held while it answers.
    listeners = _listeners(station)
    return _play_record(
        station=station,
        play_id=play_id,
        track_id=track_id,
        title=title,
        artist=artist,
        filename=filename,
        listeners=listeners,
    )


@transaction.atomic
def _play_record(
    *, station: Station, play_id: str, track_id: str, title: str, artist: str, filename: str, listeners: int | None
) -> Play:
    now = timezone.now()
    play = None
    if (pk := _int_or_none(play_id)) is not None:
        play = Play.objects.select_for_update().filter(station=station, pk=pk).first()
    if play is None:
        track_pk = _int_or_none(track_id) if track_id else None
        track = Track.objects.select_related("artist").filter(pk=track_pk).first() if track_pk is not None else None
        play = Play.objects.create(
            station=station,
            track=track,
            source=Play.Source.SAFETY,
            title=(title or (track.title if track else "") or Path(filename).stem or "Unknown")[:200],
            artist=(artist or (track.artist.name if track else ""))[:120],
            started_at=now,
            listeners=listeners,
        )
    elif play.started_at is None:
        play.started_at, play.listeners = now, listeners
        play.save(update_fields=["started_at", "listeners", "updated_at"])
        if play.request_id:
            ListenerRequest.objects.filter(pk=play.request_id).update(status=ListenerRequest.Status.PLAYED)
    if listeners is not None:
        Station.objects.filter(pk=station.pk).update(listeners=listeners)
    return play


class RequestRefused(ValidationError):
    """A listener request the station cannot take (unknown track, too many requests)."""


def visitor_key(address: str) -> str:
    return private_hash(address, purpose="radio-request")


@transaction.atomic
def listener_request_create(*, station: Station, track_uuid: str, visitor: str) -> ListenerRequest:
    """Queue a listener's request: a released track, one request per visitor per hour
    (RADIO_REQUEST_RATE_LIMIT_PER_HOUR). The AutoDJ plays it first as soon as it fits the station's rules."""
    try:
        track = radio_tracks(station).filter(uuid=uuid.UUID(str(track_uuid))).first()
    except ValueError:
        track = None
    if track is None:
        raise RequestRefused("This track cannot be requested: pick one from the station's catalogue.")
    if not rate_limit_allows(
        scope=f"radio-request:{station.pk}", key=visitor, limit=settings.RADIO_REQUEST_RATE_LIMIT_PER_HOUR
    ):
        raise RequestRefused("You have already requested a track this hour: try again later.")
    return ListenerRequest.objects.create(station=station, track=track, visitor=visitor_key(visitor))
