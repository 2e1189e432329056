"""The AutoDJ: the platform decides each next track, Liquidsoap plays it and reports it back.

Rules, in order of strength:
1. only tracks the public may hear (radio.selectors.radio_tracks: catalog's public_tracks rule) - never relaxed;
2. a listener request goes first when its track fits every rule below;
3. no track again within `no_repeat_hours`, no artist again within `artist_separation_min`;
4. the daypart's moods and/or styles;
5. among what is left, the track that follows the previous one best (Camelot key, tempo, energy, moods: the
   sequencing engine's `compatibility`), the least recently played among the near-best.
When nothing fits, rules are relaxed from the weakest (artist, then repeats - taking the least recently played -,
then the daypart), so a small catalogue still plays; the answer says which rule gave way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Track, camelot_code
from production.engine.sequencing import TrackFeatures, compatibility_matrix
from radio.liquidsoap.annotate import annotate_request, gain_to_target_db
from radio.models import Incident, ListenerRequest, Play, Station
from radio.selectors import daypart_now, radio_tracks, track_audio_asset

TRUE_PEAK_CEILING_DB = -1.0  # a positive gain never pushes a track's true peak over this
NEAR_BEST = 0.05  # compatibility within this of the best counts as equally good
REQUEST_MAX_AGE = timedelta(hours=6)  # a request that never fitted the rules is dropped after this


class AutoDJEmpty(RuntimeError):
    """The station has nothing it may play."""


@dataclass(frozen=True)
class Pick:
    play: Play
    location: str
    metadata: dict[str, str]
    relaxed: list[str] = field(default_factory=list)

    @property
    def request_line(self) -> str:
        """The answer Liquidsoap reads: `annotate:...:location`."""
        return annotate_request(self.location, self.metadata)


def _location(storage_name: str, path: str) -> str:
    """A local path when the storage is a filesystem, else a (presigned, for private files) URL."""
    storage = storages[storage_name]
    try:
        local = Path(storage.path(path))
    except NotImplementedError:  # object stores (S3) have no local path
        return storage.url(path)
    return str(local)


def _features(track: Track) -> TrackFeatures:
    return TrackFeatures(
        id=track.pk,
        bpm=float(track.bpm or 0.0),
        key=track.key or "",
        mode=track.mode or "",
        camelot=track.camelot_code,
        energy=float(track.energy if track.energy is not None else 0.5),
        moods=frozenset(m.slug for m in track.moods.all()),
        duration_s=float(track.duration_s or 0.0),
    )


def _metadata(station: Station, play: Play, *, gain_db: float, duration_s: float | None) -> dict[str, str]:
    fade_s = max(station.crossfade_s / 2, 0.0)
    meta = {
        "title": play.title,
        "artist": play.artist,
        "lofi_play_id": str(play.pk),
        "lofi_track_id": str(play.track_id or ""),
        "liq_amplify": f"{gain_db:+.2f} dB",
        "liq_cue_in": "0.",
        "liq_fade_in": f"{fade_s:.2f}",
        "liq_fade_out": f"{fade_s:.2f}",
    }
    if duration_s:
        meta["liq_cue_out"] = f"{duration_s:.3f}"
    return meta


def track_gain_db(station: Station, track: Track) -> float:
    """The gain that brings the track's measured loudness to the station's target, limited so the track's true
    peak stays under TRUE_PEAK_CEILING_DB."""
    gain = gain_to_target_db(measured_lufs=track.integrated_lufs, target_lufs=station.loudness_target_lufs)
    if track.true_peak_dbtp is not None:
        gain = min(gain, TRUE_PEAK_CEILING_DB - track.true_peak_dbtp)
    return round(gain, 2)


@dataclass(frozen=True)
class _Candidate:
    """A playable track as plain values: loading hundreds of model instances per request would dominate the
    endpoint's time (Liquidsoap waits for it)."""

    pk: int
    artist_id: int
    style_id: int | None
    mood_ids: frozenset[int]
    features: TrackFeatures


def _matches_daypart(track: _Candidate, mood_ids: set[int], style_ids: set[int]) -> bool:
    if mood_ids and not mood_ids & track.mood_ids:
        return False
    return not (style_ids and track.style_id not in style_ids)


def _last_played(station: Station, track_ids: list[int]) -> dict[int, datetime]:
    rows = (
        Play.objects.filter(station=station, track_id__in=track_ids).values("track_id").annotate(last=Max("created_at"))
    )
    return {row["track_id"]: row["last"] for row in rows}


def _choose(station: Station, pool: list[_Candidate], previous: Track | None) -> _Candidate:
    """The near-best follower of `previous` in `pool`, least recently played first."""
    last = _last_played(station, [t.pk for t in pool])
    never = datetime(1970, 1, 1, tzinfo=UTC)
    if previous is None:
        return min(pool, key=lambda t: (last.get(t.pk, never), t.pk))
    scores = compatibility_matrix([_features(previous)], [t.features for t in pool])[0]
    near = [t for t, score in zip(pool, scores, strict=True) if score >= float(np.max(scores)) - NEAR_BEST]
    return min(near, key=lambda t: (last.get(t.pk, never), t.pk))


def _candidates(station: Station, now: datetime) -> tuple[list[_Candidate], dict[str, set[int]]]:
    """Every playable track, and the ids each rule excludes now."""
    fields = ("pk", "artist_id", "style_id", "bpm", "key", "mode", "energy", "duration_s")
    rows = list(radio_tracks(station).order_by().values(*fields))
    moods: dict[int, list[tuple[int, str]]] = defaultdict(list)
    links = Track.moods.through.objects.filter(track_id__in=[r["pk"] for r in rows])
    for track_id, mood_id, slug in links.values_list("track_id", "mood_id", "mood__slug"):
        moods[track_id].append((mood_id, slug))
    tracks = [
        _Candidate(
            pk=r["pk"],
            artist_id=r["artist_id"],
            style_id=r["style_id"],
            mood_ids=frozenset(m for m, _ in moods[r["pk"]]),
            features=TrackFeatures(
                id=r["pk"],
                bpm=float(r["bpm"] or 0.0),
                key=r["key"] or "",
                mode=r["mode"] or "",
                camelot=camelot_code(r["key"] or "", r["mode"] or ""),
                energy=float(r["energy"] if r["energy"] is not None else 0.5),
                moods=frozenset(slug for _, slug in moods[r["pk"]]),
                duration_s=float(r["duration_s"] or 0.0),
            ),
        )
        for r in rows
    ]
    recent = Play.objects.filter(station=station, track__isnull=False)
    repeat_ids = set(
        recent.filter(created_at__gte=now - timedelta(hours=station.no_repeat_hours)).values_list("track_id", flat=True)
    )
    recent_artists = set(
        recent.filter(created_at__gte=now - timedelta(minutes=station.artist_separation_min)).values_list(
            "track__artist_id", flat=True
        )
    )
    part = daypart_now(station, now)
    mood_ids = {m.pk for m in part.moods.all()} if part else set()
    style_ids = {s.pk for s in part.styles.all()} if part else set()
    excluded = {
        "repeat": repeat_ids,
        "artist": {t.pk for t in tracks if t.artist_id in recent_artists},
        "daypart": {t.pk for t in tracks if not _matches_daypart(t, mood_ids, style_ids)},
    }
    return tracks, excluded


def _previous_track(station: Station) -> Track | None:
    play = (
        Play.objects.filter(station=station, track__isnull=False)
        .select_related("track")
        .order_by("-created_at")
        .first()
    )
    return play.track if play else None


def _jingle_due(station: Station) -> bool:
    if not station.jingle or not station.jingle_every_n_tracks:
        return False
    last_jingle = Play.objects.filter(station=station, source=Play.Source.JINGLE).order_by("-created_at").first()
    since = Play.objects.filter(station=station).exclude(source__in=[Play.Source.JINGLE, Play.Source.SAFETY])
    if last_jingle is not None:
        since = since.filter(created_at__gt=last_jingle.created_at)
    return since.count() >= station.jingle_every_n_tracks


@transaction.atomic
def autodj_next(*, station: Station, now: datetime | None = None) -> Pick:
    """Decide the station's next item and record it as a Play (started_at is set when Liquidsoap reports it).

    Raises AutoDJEmpty when the station has nothing it may play (Liquidsoap then plays its safety playlist)."""
    now = now or timezone.now()
    if station.mode == Station.Mode.LONG_MIX:
        return _long_mix_pick(station)
    if _jingle_due(station):
        play = Play.objects.create(station=station, source=Play.Source.JINGLE, title=f"{station.name} station ID")
        return Pick(
            play, _location("default", station.jingle.name), _metadata(station, play, gain_db=0.0, duration_s=None)
        )

    tracks, excluded = _candidates(station, now)
    if not tracks:
        raise AutoDJEmpty(f"Station {station.slug!r} has no released track with audio to play.")
    strict = [t for t in tracks if not any(t.pk in ids for ids in excluded.values())]

    request = _fitting_request(station, now, {t.pk for t in strict})
    relaxed: list[str] = []
    if request is not None:
        chosen_pk, source = request.track_id, Play.Source.REQUEST
    else:
        pool = strict
        for rule in ("artist", "repeat", "daypart"):  # weakest rule first
            if pool:
                break
            relaxed.append(rule)
            pool = [t for t in tracks if not any(t.pk in excluded[r] for r in excluded if r not in relaxed)]
        chosen_pk, source = _choose(station, pool, _previous_track(station)).pk, Play.Source.AUTODJ

    track = Track.objects.select_related("artist").prefetch_related("assets").get(pk=chosen_pk)
    asset = track_audio_asset(track)
    if asset is None:  # its file was removed since the candidates were read
        raise AutoDJEmpty(f"Track {track.pk} of station {station.slug!r} has no audio file to play.")
    gain = track_gain_db(station, track)
    duration = track.duration_s or asset.duration_s
    play = Play.objects.create(
        station=station,
        track=track,
        source=source,
        title=track.title,
        artist=track.artist.name,
        duration_s=duration,
        gain_db=gain,
        request=request,
    )
    if request is not None:
        ListenerRequest.objects.filter(pk=request.pk).update(status=ListenerRequest.Status.QUEUED)
    return Pick(
        play, _location(asset.storage, asset.path), _metadata(station, play, gain_db=gain, duration_s=duration), relaxed
    )


def _fitting_request(station: Station, now: datetime, allowed_ids: set[int]) -> ListenerRequest | None:
    """The oldest pending request whose track fits every rule now; stale requests expire."""
    pending = ListenerRequest.objects.filter(station=station, status=ListenerRequest.Status.PENDING)
    pending.filter(created_at__lt=now - REQUEST_MAX_AGE).update(status=ListenerRequest.Status.EXPIRED)
    return next((r for r in pending.order_by("created_at", "id") if r.track_id in allowed_ids), None)


def _long_mix_pick(station: Station) -> Pick:
    mix = station.long_mix
    if mix is None or not mix.path or mix.status != mix.Status.SUCCEEDED:
        raise AutoDJEmpty(f"Station {station.slug!r} plays a long mix but has no rendered one.")
    play = Play.objects.create(
        station=station,
        source=Play.Source.LONG_MIX,
        title=f"{mix.release.title} (long mix)",
        artist=mix.release.artist.name,
        duration_s=mix.duration_s,
        gain_db=gain_to_target_db(measured_lufs=mix.integrated_lufs, target_lufs=station.loudness_target_lufs),
    )
    meta = _metadata(station, play, gain_db=play.gain_db, duration_s=mix.duration_s)
    return Pick(play, _location("private", mix.path), meta)


@transaction.atomic
def autodj_empty_record(*, station: Station, detail: str) -> None:
    """An incident that the AutoDJ had nothing to play, at most one per 10 minutes per station."""
    recent = Incident.objects.filter(
        station=station, kind=Incident.Kind.AUTODJ_EMPTY, created_at__gte=timezone.now() - timedelta(minutes=10)
    )
    if not recent.exists():
        Incident.objects.create(
            station=station, kind=Incident.Kind.AUTODJ_EMPTY, detail=detail, action="Safety playlist plays."
        )
