"""Keeping stations on air: the supervisor's heartbeats, incidents, and the every-minute watchdog.

How a restart reaches a process that `manage.py radio` runs, possibly on another host: the watchdog (a django-q2
task, anywhere) never signals processes itself. It records an Incident and sets `restart_requested_at` on the
piece's StationProcess row; the station's supervisor polls its rows every few seconds, restarts that piece and
clears the flag. The supervisor also restarts a piece that exits on its own at once (with backoff), and records
that as an incident too. If the supervisor itself stops heartbeating, the watchdog records it: its service
manager (the systemd unit in the README, Restart=always) brings it back.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from radio.liquidsoap.icecast import IcecastUnreachable, fetch_admin_stats
from radio.models import Incident, Station, StationProcess
from radio.selectors import last_started_play, processes_of, radio_tracks
from radio.services.stations import icecast_passwords

logger = logging.getLogger(__name__)
Piece = StationProcess.Piece

SUPERVISOR_STALE = timedelta(seconds=90)
STARTUP_GRACE = timedelta(seconds=60)  # a piece that just (re)started gets this long before it is judged
REPORT_MARGIN = timedelta(minutes=2)  # on top of the longest track
VIDEO_SILENT = timedelta(seconds=60)  # ffmpeg prints its statistics every 2 s while it pushes
RESTART_PENDING = timedelta(minutes=2)  # a restart already asked for is not asked for again before this
INCIDENT_REPEAT = timedelta(minutes=10)  # the same kind of incident is recorded at most this often


def _host() -> str:
    return socket.gethostname()


@transaction.atomic
def incident_record(
    *, station: Station, kind: str, piece: str = "", detail: str = "", action: str = ""
) -> Incident | None:
    """Record an incident unless the same kind for the same piece was recorded within INCIDENT_REPEAT."""
    recent = Incident.objects.filter(
        station=station, kind=kind, piece=piece, created_at__gte=timezone.now() - INCIDENT_REPEAT
    )
    if recent.exists():
        return None
    logger.warning("radio incident on %s: %s %s %s", station.slug, kind, piece, detail)
    return Incident.objects.create(station=station, kind=kind, piece=piece, detail=detail[:2000], action=action[:200])


@transaction.atomic
def process_heartbeat(
    *,
    station: Station,
    piece: str,
    running: bool,
    pid: int | None = None,
    started_at: datetime | None = None,
    progress_at: datetime | None = None,
    restarts: int = 0,
    detail: str = "",
) -> None:
    """The supervisor's report for one piece (every few seconds)."""
    StationProcess.objects.update_or_create(
        station=station,
        piece=piece,
        defaults={
            "host": _host(),
            "running": running,
            "pid": pid,
            "started_at": started_at,
            "heartbeat_at": timezone.now(),
            "progress_at": progress_at,
            "restarts": restarts,
            "detail": detail[:300],
        },
    )


@transaction.atomic
def process_restart_request(*, station: Station, piece: str, reason: str) -> bool:
    """Ask the station's supervisor to restart `piece`; False when a restart is already pending."""
    row, _ = StationProcess.objects.select_for_update().get_or_create(station=station, piece=piece)
    if row.restart_requested_at and row.restart_requested_at > timezone.now() - RESTART_PENDING:
        return False
    row.restart_requested_at, row.restart_reason = timezone.now(), reason[:300]
    row.save(update_fields=["restart_requested_at", "restart_reason"])
    return True


@transaction.atomic
def process_restart_requests_take(*, station: Station) -> list[tuple[str, str]]:
    """The supervisor's poll: [(piece, reason)] asked for, and the flags cleared."""
    rows = list(StationProcess.objects.select_for_update().filter(station=station, restart_requested_at__isnull=False))
    StationProcess.objects.filter(pk__in=[r.pk for r in rows]).update(restart_requested_at=None)
    return [(r.piece, r.restart_reason) for r in rows]


def _longest_item_s(station: Station) -> float:
    if station.mode == Station.Mode.LONG_MIX and station.long_mix and station.long_mix.duration_s:
        return station.long_mix.duration_s
    longest = radio_tracks(station).aggregate(longest=Max("duration_s"))["longest"]
    return float(longest or 600.0)


def _just_started(process: StationProcess | None, now: datetime) -> bool:
    return process is not None and process.started_at is not None and process.started_at > now - STARTUP_GRACE


def _act(station: Station, kind: str, piece: str, detail: str) -> Incident | None:
    asked = process_restart_request(station=station, piece=piece, reason=detail)
    action = f"Asked the supervisor to restart {piece}." if asked else f"A restart of {piece} is already pending."
    return incident_record(station=station, kind=kind, piece=piece, detail=detail, action=action)


def station_check(*, station: Station, now: datetime | None = None) -> list[Incident]:
    """Check one on-air station; record incidents and ask for restarts. Returns the incidents recorded."""
    now = now or timezone.now()
    processes = processes_of(station)
    incidents: list[Incident | None] = []
    supervisor = processes.get(Piece.SUPERVISOR)
    if supervisor is None or supervisor.heartbeat_at is None or supervisor.heartbeat_at < now - SUPERVISOR_STALE:
        seen = (
            f"last heartbeat {supervisor.heartbeat_at:%Y-%m-%d %H:%M:%S}"
            if supervisor and supervisor.heartbeat_at
            else "never started"
        )
        incidents.append(
            incident_record(
                station=station,
                kind=Incident.Kind.SUPERVISOR_DOWN,
                piece=Piece.SUPERVISOR,
                detail=f"`manage.py radio {station.slug}` is not running ({seen}).",
                action=f"Start it (systemctl start lofi-radio@{station.slug}); its unit restarts it by itself.",
            )
        )
        return [i for i in incidents if i]

    liquidsoap = processes.get(Piece.LIQUIDSOAP)
    passwords = icecast_passwords(station)
    try:
        stats = fetch_admin_stats(
            f"http://{station.icecast_host}:{station.icecast_port}",
            user=passwords["admin_user"],
            password=passwords["admin_password"],
        )
    except IcecastUnreachable as error:
        if not _just_started(processes.get(Piece.ICECAST), now):
            piece = Piece.ICECAST if station.icecast_local else Piece.LIQUIDSOAP
            incidents.append(_act(station, Incident.Kind.ICECAST_DOWN, piece, str(error)))
        return [i for i in incidents if i]

    mount = stats.get(station.mount)
    if mount is None:
        if not _just_started(liquidsoap, now):
            incidents.append(
                _act(station, Incident.Kind.NO_SOURCE, Piece.LIQUIDSOAP, f"Mount {station.mount} has no source.")
            )
    else:
        flowing = station.icecast_bytes_read is None or mount.total_bytes_read > station.icecast_bytes_read
        if not flowing and not _just_started(liquidsoap, now):
            detail = f"Mount {station.mount} received no bytes since the last check ({mount.total_bytes_read} in all)."
            incidents.append(_act(station, Incident.Kind.NO_BYTES, Piece.LIQUIDSOAP, detail))
    Station.objects.filter(pk=station.pk).update(
        listeners=mount.listeners if mount else 0,
        icecast_bytes_read=mount.total_bytes_read if mount else None,
        checked_at=now,
    )

    last_play = last_started_play(station)
    limit = timedelta(seconds=_longest_item_s(station)) + REPORT_MARGIN
    reference = last_play.started_at if last_play else (liquidsoap.started_at if liquidsoap else None)
    if reference is not None and reference < now - limit and not _just_started(liquidsoap, now):
        detail = f"No track reported for {(now - reference).total_seconds() / 60:.0f} min (limit {limit})."
        incidents.append(_act(station, Incident.Kind.NO_TRACK_REPORT, Piece.LIQUIDSOAP, detail))

    if station.rtmp_targets.filter(enabled=True).exists():
        video = processes.get(Piece.VIDEO)
        stalled = (
            video is None or not video.running or video.progress_at is None or video.progress_at < now - VIDEO_SILENT
        )
        if stalled and not _just_started(video, now):
            detail = video.detail if video and video.detail else "The RTMP push is not running."
            incidents.append(_act(station, Incident.Kind.VIDEO_STALLED, Piece.VIDEO, detail))
        elif video is not None and not stalled and video.started_at is not None:
            incidents.append(_rtmp_targets_check(station, video))
    return [i for i in incidents if i]


def _rtmp_targets_check(station: Station, video: StationProcess) -> Incident | None:
    """Each RTMP target of a running push: one the tee muxer dropped since the push started stays down while the
    others go on, so the push is restarted (one encode: the restart tries every target again)."""
    dead = station.rtmp_targets.filter(enabled=True, last_error_at__gte=video.started_at).order_by("name")
    if not dead:
        return None
    detail = "; ".join(f"{target.name}: {target.last_error}" for target in dead)
    return _act(station, Incident.Kind.RTMP_TARGET_DOWN, Piece.VIDEO, detail)


def stations_watchdog_run(*, now: datetime | None = None) -> list[Incident]:
    """Check every station that should be on air (the every-minute schedule)."""
    incidents = []
    for station in Station.objects.filter(on_air=True).select_related("long_mix"):
        try:
            incidents += station_check(station=station, now=now)
        except Exception:  # one station's failure must not keep the others unchecked
            logger.exception("watchdog failed for station %s", station.slug)
    return incidents
