"""Every write to the catalogue goes through here."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum import isrc

from catalog.models import (
    Artist,
    Asset,
    IsrcCounter,
    Mood,
    Release,
    ReleaseTrack,
    Style,
    Track,
)
from lofi_site.actors import Actor
from lofi_site.files import delete_prefix
from lofi_site.status_events import announce_status_change

_CHUNK = 1024 * 1024


def asset_store(
    *,
    track: Track,
    kind: str,
    content: bytes | BinaryIO,
    filename: str,
    label: str = "",
    **details,
) -> Asset:
    """Write a file of a track to its storage (private for masters, stems, originals and MIDI) and record it.

    Replaces the earlier file of the same kind and label. `details` fills format, sample_rate,
    bit_depth, channels and duration_s. The sha256 is computed while the file is copied, in chunks.
    """
    storage_name = Asset.StorageName.PUBLIC if kind in PUBLIC_KINDS else Asset.StorageName.PRIVATE
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    digest, size = _sha256_and_size(stream)
    storage = storages[storage_name]
    path = storage.save(f"{track_folder(track)}/{filename}", File(stream, name=filename))
    previous = Asset.objects.filter(track=track, kind=kind, label=label).first()
    if previous is not None:
        storages[previous.storage].delete(previous.path)
        previous.delete()
    asset = Asset(
        track=track, kind=kind, label=label, storage=storage_name, path=path, size_bytes=size, sha256=digest, **details
    )
    asset.full_clean()
    asset.save()
    return asset


def track_folder(track: Track) -> str:
    """The storage folder of a track's files, the same in both storages; named by the track's uuid, so it holds
    this track's files only."""
    return f"tracks/{track.uuid}"


def track_files_delete(*, track: Track) -> None:
    """Delete every stored file in the track's folder, in both storages (a failed render or ingest removes
    what it stored before its Track is rolled back). Idempotent."""
    for storage_name in (Asset.StorageName.PUBLIC, Asset.StorageName.PRIVATE):
        delete_prefix(storage_name, track_folder(track))


PUBLIC_KINDS = {Asset.Kind.PREVIEW, Asset.Kind.WAVEFORM, Asset.Kind.PEAKS, Asset.Kind.SPECTROGRAM}


def _sha256_and_size(stream: BinaryIO) -> tuple[str, int]:
    stream.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def track_assign_isrc(*, track: Track, year: int | None = None) -> str:
    """Give the track the next ISRC of the label's registrant prefix; a track that has one keeps it.

    The code is ISRC_PREFIX (country + registrant), the two-digit year (this year unless `year` is
    given) and the next 5-digit designation number of that year, so numbering restarts at 00001 each
    January. Codes already on a track (typed in by hand) are skipped. Guarantees a code that
    python-stdnum validates and that no other track carries; raises ValidationError when the prefix is
    malformed or the year's 99,999 numbers are used up.
    """
    track = Track.objects.select_for_update().get(pk=track.pk)
    if track.isrc:
        return track.isrc
    prefix = settings.ISRC_PREFIX
    yy = (year or timezone.now().year) % 100
    if len(prefix) != 5 or not isrc.is_valid(f"{prefix}{yy:02d}00001"):
        raise ValidationError(
            f"ISRC_PREFIX {prefix!r} must be a known 2-letter country code plus a 3-character registrant code."
        )
    counter, _ = IsrcCounter.objects.select_for_update().get_or_create(prefix=prefix, year=yy)
    while True:
        if counter.last_number >= 99999:
            raise ValidationError(f"All 99,999 ISRCs of {prefix} for year {yy:02d} are used.")
        counter.last_number += 1
        code = f"{prefix}{yy:02d}{counter.last_number:05d}"
        if not Track.objects.filter(isrc=code).exists():
            break
    counter.save(update_fields=["last_number"])
    track.isrc = code
    track.full_clean()
    track.save(update_fields=["isrc", "updated_at"])
    return code


# The editor's decision over a track's status (approving it for sale, archiving it): held by Editors, never VAs.
DECIDE_TRACK_STATUS = "catalog.approve_track"


def _require_status_decision(actor: Actor, what: str) -> None:
    """A person must hold the editor's permission; None is the system (a task, a demo seed) and may."""
    if actor is not None and not actor.has_perm(DECIDE_TRACK_STATUS):
        raise PermissionDenied(f"{what} is an editor's decision; your account may not do it.")


def _track_status_set(track: Track, status: str, actor: Actor) -> None:
    """Change the status and announce it to the audit trail, in the caller's transaction."""
    old = track.status
    track.status = status
    track.save(update_fields=["status", "updated_at"])
    announce_status_change(obj=track, old=old, new=status, actor=actor)


@transaction.atomic
def track_approve(*, track: Track, actor: Actor = None) -> Track:
    """Approve a draft track. Refused, with every reason, when QC failed or it duplicates the catalogue."""
    _require_status_decision(actor, "Approving a track")
    track = Track.objects.select_for_update().get(pk=track.pk)
    if track.status == Track.Status.APPROVED:
        return track
    if track.status != Track.Status.DRAFT:
        raise ValidationError(f"Only draft tracks can be approved; this one is {track.get_status_display()}.")
    blockers = track.approval_blockers()
    if blockers:
        raise ValidationError(blockers)
    _track_status_set(track, Track.Status.APPROVED, actor)
    return track


@transaction.atomic
def track_archive(*, track: Track, actor: Actor) -> Track:
    """Take a track out of the catalogue (off sale, out of the API and radio): an editor's decision, audited."""
    _require_status_decision(actor, "Archiving a track")
    track = Track.objects.select_for_update().get(pk=track.pk)
    if track.status != Track.Status.ARCHIVED:
        _track_status_set(track, Track.Status.ARCHIVED, actor)
    return track


@transaction.atomic
def release_set_tracks(*, release: Release, tracks: Iterable[Track]) -> None:
    """Replace a release's tracklist with `tracks`, in that order."""
    tracks = list(tracks)
    if len({t.pk for t in tracks}) != len(tracks):
        raise ValidationError("A track can appear only once in a release.")
    ReleaseTrack.objects.filter(release=release).delete()
    ReleaseTrack.objects.bulk_create(
        ReleaseTrack(release=release, track=track, position=i) for i, track in enumerate(tracks, start=1)
    )


# --- Plain records: created and edited by the API, the cockpit and the demo seed -------------------------

TRACK_EDITABLE_FIELDS = frozenset(
    {"title", "artist", "style", "is_ai_generated", "isrc", "bpm", "key", "mode", "licensable_before_release"}
)
RELEASE_EDITABLE_FIELDS = frozenset(
    {"title", "slug", "artist", "kind", "upc", "catalogue_number", "release_date", "genre", "p_line", "c_line"}
)
ARTIST_EDITABLE_FIELDS = frozenset({"name", "slug", "bio", "is_persona"})


def _apply(instance, allowed: frozenset[str], fields: dict) -> None:
    unknown = set(fields) - allowed
    if unknown:
        # Status, QC and analysis facts change only through their own services, never as plain edits.
        raise TypeError(f"{type(instance).__name__} fields {sorted(unknown)} cannot be set here")
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()


@transaction.atomic
def track_create(*, moods: Iterable[Mood] = (), **fields) -> Track:
    """A new draft track from editable metadata (see TRACK_EDITABLE_FIELDS); validated with full_clean."""
    track = Track()
    _apply(track, TRACK_EDITABLE_FIELDS, fields)
    track.moods.set(moods)
    return track


@transaction.atomic
def track_update(*, track: Track, moods: Iterable[Mood] | None = None, **fields) -> Track:
    """Edit a track's metadata; moods are replaced only when given. Status and facts are not editable."""
    _apply(track, TRACK_EDITABLE_FIELDS, fields)
    if moods is not None:
        track.moods.set(moods)
    return track


@transaction.atomic
def release_create(**fields) -> Release:
    """A new draft release from editable metadata (see RELEASE_EDITABLE_FIELDS)."""
    release = Release()
    _apply(release, RELEASE_EDITABLE_FIELDS, fields)
    return release


@transaction.atomic
def release_update(*, release: Release, **fields) -> Release:
    _apply(release, RELEASE_EDITABLE_FIELDS, fields)
    return release


@transaction.atomic
def artist_create(**fields) -> Artist:
    artist = Artist()
    _apply(artist, ARTIST_EDITABLE_FIELDS, fields)
    return artist


@transaction.atomic
def artist_update(*, artist: Artist, **fields) -> Artist:
    _apply(artist, ARTIST_EDITABLE_FIELDS, fields)
    return artist


def artist_ensure(*, slug: str, name: str, bio: str = "", is_persona: bool = True) -> Artist:
    """The artist with this slug, created when missing; an existing one is left as editors made it.

    Race-safe: simultaneous calls for one new slug (uploads naming the same new artist) make one Artist and all
    return it. The loser of the race meets the unique slug (IntegrityError at the insert, or the uniqueness check
    of full_clean once the winner committed) and reads the winner's row; any other refusal is raised as it is.
    """
    artist = Artist.objects.filter(slug=slug).first()
    if artist is not None:
        return artist
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            return artist_create(slug=slug, name=name, bio=bio, is_persona=is_persona)
    except (IntegrityError, ValidationError):
        artist = Artist.objects.filter(slug=slug).first()
        if artist is None:
            raise  # not a race for this slug: a bad name, or the name taken by another artist
        return artist


def style_ensure(*, slug: str, name: str, description: str = "") -> Style:
    """The style with this slug, created when missing (idempotent: seeds and migrations call it again).

    Race-safe like artist_ensure: render workers on several hosts finishing their first track of a new style
    at the same moment all get the one row."""
    return _vocabulary_ensure(Style, slug=slug, name=name, description=description)


def mood_ensure(*, slug: str, name: str) -> Mood:
    """The mood with this slug, created when missing; race-safe like style_ensure."""
    return _vocabulary_ensure(Mood, slug=slug, name=name)


def _vocabulary_ensure(model, *, slug: str, **fields):
    row = model.objects.filter(slug=slug).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            row = model(slug=slug, **fields)
            row.full_clean()
            row.save()
            return row
    except (IntegrityError, ValidationError):
        row = model.objects.filter(slug=slug).first()
        if row is None:
            raise  # not a race for this slug: a bad value
        return row
