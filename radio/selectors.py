"""Radio reads: what a station may play, what it is playing, what it played."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Asset, Track
from catalog.selectors import PUBLIC_TRACK_STATUSES, public_tracks, track_list
from radio.models import Daypart, Incident, Play, RtmpTarget, Station, StationProcess

# Audio a station plays, best first: the master (full quality), else the original upload, else the preview.
AUDIO_KINDS = (Asset.Kind.MASTER, Asset.Kind.ORIGINAL, Asset.Kind.PREVIEW)


def station_list() -> QuerySet[Station]:
    return Station.objects.prefetch_related(
        Prefetch("dayparts", queryset=Daypart.objects.prefetch_related("moods", "styles")),
        Prefetch("rtmp_targets", queryset=RtmpTarget.objects.order_by("name")),
    )


def station_by_slug(slug: str) -> Station | None:
    return station_list().filter(slug=slug).first()


def stations_public() -> QuerySet[Station]:
    """Stations the storefront lists: the ones that should be on air."""
    return station_list().filter(on_air=True)


def radio_tracks(station: Station | None = None) -> QuerySet[Track]:
    """Tracks a station may play: released ones (catalog.selectors.public_tracks whose release is out: a track
    only offered for licensing before its release is not on the radio) plus the approved tracks an editor marked
    for this station; always with a playable file. Drafts and archived tracks never play."""
    # `is_out` is public_tracks()' annotation, which django-stubs cannot see through the QuerySet[Track] it returns.
    allowed = Q(pk__in=public_tracks().filter(is_out=True).values("pk"))  # type: ignore[misc]
    if station is not None:
        allowed |= Q(pk__in=station.marked_tracks.filter(status__in=PUBLIC_TRACK_STATUSES).values("pk"))
    playable = Asset.objects.filter(kind__in=AUDIO_KINDS, label="").values("track_id")
    return track_list().filter(allowed, pk__in=playable)


def track_audio_asset(track: Track) -> Asset | None:
    """The file a station plays for `track` (prefetched assets are used when present)."""
    assets = {a.kind: a for a in track.assets.all() if a.label == ""}
    return next((assets[kind] for kind in AUDIO_KINDS if kind in assets), None)


def daypart_now(station: Station, now: datetime | None = None) -> Daypart | None:
    """The daypart covering the station's local hour now (TIME_ZONE); None outside every daypart."""
    hour = timezone.localtime(now or timezone.now()).hour
    return next((part for part in station.dayparts.all() if part.covers(hour)), None)


def last_started_play(station: Station) -> Play | None:
    return (
        Play.objects.filter(station=station, started_at__isnull=False)
        .select_related("track__artist")
        .order_by("-started_at", "-id")
        .first()
    )


def recent_plays(station: Station, *, limit: int = 10) -> list[Play]:
    """The last `limit` tracks that started, newest first."""
    return list(
        Play.objects.filter(station=station, started_at__isnull=False)
        .select_related("track__artist")
        .prefetch_related("track__releases")
        .order_by("-started_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class NowPlaying:
    play: Play | None
    track_id: str | None  # the catalogue track's UUID (public id)
    title: str
    artist: str
    started_at: datetime | None
    listeners: int | None
    stream_url: str
    track: Track | None


def now_playing(station: Station, *, now: datetime | None = None) -> NowPlaying:
    """What the station plays now, as Liquidsoap last reported. For a long mix, the track inside the mix at this
    moment (from the mix's tracklist), so listeners see the actual tune."""
    play = last_started_play(station)
    listeners = station.listeners if station.listeners is not None else (play.listeners if play else None)
    if play is None:
        return NowPlaying(None, None, "", "", None, listeners, station.stream_url, None)
    track, title, artist = play.track, play.title, play.artist
    if play.source == Play.Source.LONG_MIX and play.started_at and station.long_mix and station.long_mix.tracklist:
        entry = _mix_entry_at(station.long_mix, (now or timezone.now()) - play.started_at)
        if entry is not None:
            title, artist = entry.get("title", title), entry.get("artist", artist)
            track_pk = entry.get("track_id")
            track = Track.objects.select_related("artist").filter(pk=track_pk).first() if track_pk else None
    return NowPlaying(
        play=play,
        track_id=str(track.uuid) if track else None,
        title=title,
        artist=artist,
        started_at=play.started_at,
        listeners=listeners,
        stream_url=station.stream_url,
        track=track,
    )


def _mix_entry_at(mix, elapsed: timedelta) -> dict | None:
    position_s = elapsed.total_seconds()
    if mix.duration_s:
        position_s %= mix.duration_s  # the mix plays on repeat
    current = None
    for entry in sorted(mix.tracklist, key=lambda e: e.get("start_s", 0)):
        if entry.get("start_s", 0) <= position_s:
            current = entry
    return current


def processes_of(station: Station) -> dict[str, StationProcess]:
    return {p.piece: p for p in StationProcess.objects.filter(station=station)}


def last_incident(station: Station) -> Incident | None:
    return Incident.objects.filter(station=station).order_by("-created_at", "-id").first()


def plays_per_track(since: datetime, until: datetime, *, limit: int = 10) -> list[dict]:
    """The most played tracks on every station in [since, until): [{track_id, title, artist, plays}]."""
    return list(
        Play.objects.filter(started_at__gte=since, started_at__lt=until, track__isnull=False)
        .values("track_id", "track__title", "track__artist__name")
        .annotate(plays=Count("id"))
        .order_by("-plays", "track__title")[:limit]
    )


def track_cover_url(track: Track) -> str:
    """The artwork of a release of the track that is out, or ''."""
    from catalog.selectors import releases_out

    release = releases_out().filter(release_tracks__track=track).exclude(artwork="").order_by("-release_date").first()
    return release.artwork.url if release else ""


def requestable_tracks(station: Station, *, limit: int = 200) -> list[Track]:
    """Tracks listeners may request on the station's page, by title."""
    return list(radio_tracks(station).order_by("title")[:limit])


HLS_PLAYLIST = "radio/hls/{slug}/live.m3u8"  # in public storage, where Liquidsoap's HLS output writes


def station_hls_url(station: Station) -> str:
    """The public URL of the station's HLS playlist, or '' when HLS is off."""
    if not station.hls_enabled:
        return ""
    from django.core.files.storage import storages

    return storages["default"].url(HLS_PLAYLIST.format(slug=station.slug))
