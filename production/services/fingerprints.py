"""The fingerprint index in the database, catalogue look-ups, and each track's duplicate verdict.

The index is FingerprintHash rows (hash, track, offset_frame), whose primary key starts with the hash.
A look-up selects the rows sharing a hash with the query, QUERY_CHUNK hashes per statement, and lets
production.engine.fingerprint.match_offsets vote on time offsets in numpy: memory follows the number of
rows that share a hash with the query, never the size of the catalogue.

Who duplicates whom: a track is only ever compared with tracks that entered the catalogue before it (lower
id). The first copy stays clear and the later one carries the verdict and the pointer, so an original is
never blocked by its own copy.
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from catalog.models import Release, Track
from lofi_site.actors import Actor
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.engine import audio_io
from production.engine import fingerprint as engine
from production.models import FingerprintHash, TrackFingerprint
from production.services.track_audio import local_audio_path, track_audio_asset

QUERY_CHUNK = 1000  # hashes per SELECT: well under every database's bound-parameter limit
INSERT_BATCH = 5000
VERDICTS = {
    "clear": Track.DuplicateVerdict.CLEAR,
    "contains_catalogue_audio": Track.DuplicateVerdict.CONTAINS,
    "exact_duplicate": Track.DuplicateVerdict.EXACT,
}


# --- Reads ---------------------------------------------------------------------------------------------------


def _column(name: str) -> str:
    """The database column of one of FingerprintHash's concrete fields (the raw look-up SQL names them)."""
    field = FingerprintHash._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return field.column


def catalogue_rows(hashes: np.ndarray, *, before_track_id: int | None = None) -> np.ndarray:
    """Rows (track_id, hash, offset_frame) of the index whose hash is one of `hashes`, as an (m, 3) int64
    array; with `before_track_id`, only rows of tracks with a lower id."""
    unique = np.unique(np.asarray(hashes, dtype=np.int64))
    if unique.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in ("track", "hash", "offset_frame"))
    table = quote(FingerprintHash._meta.db_table)
    hash_column = quote(_column("hash"))
    track_column = quote(_column("track"))
    parts: list[np.ndarray] = []
    with connection.cursor() as cursor:
        for start in range(0, unique.size, QUERY_CHUNK):
            chunk = unique[start : start + QUERY_CHUNK].tolist()
            # Raw SQL because a look-up may fetch 10^5 rows and model-free tuples are several times faster;
            # identifiers come from the model's meta, quoted, and every value is a bound parameter.
            placeholders = ", ".join(["%s"] * len(chunk))
            sql = f"SELECT {columns} FROM {table} WHERE {hash_column} IN ({placeholders})"  # noqa: S608
            params: list[int] = chunk
            if before_track_id is not None:
                sql += f" AND {track_column} < %s"
                params = [*chunk, int(before_track_id)]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if rows:
                parts.append(np.array(rows, dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.int64)


def catalogue_matches(query: np.ndarray, *, before_track_id: int | None = None, limit: int = 10) -> list[engine.Match]:
    """Catalogue tracks that share aligned audio with a query fingerprint ((k, 2) hash/offset rows from
    engine.fingerprint), best first (see engine.fingerprint.match_offsets)."""
    query = np.asarray(query, dtype=np.int64).reshape(-1, 2)
    if query.shape[0] == 0:
        return []
    return engine.match_offsets(query, catalogue_rows(query[:, 0], before_track_id=before_track_id), limit=limit)


def identify(query: np.ndarray, *, limit: int = 10) -> list[dict]:
    """What `identify_audio` prints: [{"track_id", "offset_s", "confidence"}], best first."""
    return [
        {"track_id": m.track_id, "offset_s": round(m.offset_s, 3), "confidence": round(m.confidence, 4)}
        for m in catalogue_matches(query, limit=limit)
    ]


def track_hashes(track_id: int) -> np.ndarray:
    """The stored fingerprint of one track: (k, 2) int64 rows (hash, offset_frame)."""
    rows = FingerprintHash.objects.filter(track_id=track_id).values_list("hash", "offset_frame")
    return np.array(list(rows), dtype=np.int64).reshape(-1, 2)


# --- Writes --------------------------------------------------------------------------------------------------


@transaction.atomic
def fingerprint_store(*, track: Track, hashes: np.ndarray, duration_s: float) -> TrackFingerprint:
    """Replace the track's rows in the index with `hashes` ((k, 2) hash/offset_frame from the engine).

    Idempotent: storing the same fingerprint again leaves the same rows. Rows go in with bulk_create in
    batches of INSERT_BATCH.
    """
    rows = np.unique(np.asarray(hashes, dtype=np.int64).reshape(-1, 2), axis=0)
    FingerprintHash.objects.filter(track_id=track.pk).delete()
    for start in range(0, rows.shape[0], INSERT_BATCH):
        FingerprintHash.objects.bulk_create(
            FingerprintHash(track_id=track.pk, hash=int(h), offset_frame=int(o))
            for h, o in rows[start : start + INSERT_BATCH].tolist()
        )
    fingerprint, _ = TrackFingerprint.objects.update_or_create(
        track=track,
        defaults={"hash_count": rows.shape[0], "duration_s": float(duration_s), "fingerprinted_at": timezone.now()},
    )
    return fingerprint


@transaction.atomic
def track_duplicate_check(*, track: Track, actor: Actor = None) -> str:
    """Compare the track's stored fingerprint with every earlier catalogue track and record the verdict.

    Sets Track.duplicate_verdict (clear / contains catalogue audio / exact duplicate) and duplicate_of
    (the best matching earlier track, or None when clear), and the match details on its TrackFingerprint.
    Returns the verdict. A verdict that changes is written to the audit trail. Raises ValidationError when
    the track has not been fingerprinted.
    """
    fingerprint = TrackFingerprint.objects.select_for_update().filter(track_id=track.pk).first()
    if fingerprint is None:
        raise ValidationError(f"{track} has no fingerprint yet: fingerprint it before checking it.")
    matches = catalogue_matches(track_hashes(track.pk), before_track_id=track.pk)
    durations = dict(
        TrackFingerprint.objects.filter(track_id__in=[m.track_id for m in matches]).values_list(
            "track_id", "duration_s"
        )
    )
    matches = [m for m in matches if m.track_id in durations]
    verdict = VERDICTS[engine.verdict(fingerprint.duration_s, matches, durations)]
    best = max(matches, key=lambda m: m.confidence) if matches else None
    duplicate_of_id = best.track_id if best is not None and verdict != Track.DuplicateVerdict.CLEAR else None

    fingerprint.checked_at = timezone.now()
    fingerprint.match_track_id = best.track_id if best is not None else None
    fingerprint.match_offset_s = round(best.offset_s, 3) if best is not None else None
    fingerprint.match_confidence = round(best.confidence, 4) if best is not None else None
    fingerprint.save()

    locked = Track.objects.select_for_update().get(pk=track.pk)
    before = (locked.duplicate_verdict, locked.duplicate_of_id)
    if before != (verdict, duplicate_of_id):
        Track.objects.filter(pk=track.pk).update(
            duplicate_verdict=verdict, duplicate_of_id=duplicate_of_id, updated_at=timezone.now()
        )
        summary = f"Duplicate check: {Track.DuplicateVerdict(verdict).label.lower()}"
        if best is not None and duplicate_of_id:
            summary += f" (track #{best.track_id} at {best.offset_s:.1f} s, {best.confidence:.0%} of hashes)"
        audit_log(
            actor=actor,
            verb=ProductionVerb.TRACK_DUPLICATE_CHECKED,
            obj=locked,
            summary=summary,
            changes={"duplicate_verdict": [before[0], verdict], "duplicate_of": [before[1], duplicate_of_id]},
        )
    track.duplicate_verdict, track.duplicate_of_id = verdict, duplicate_of_id
    return verdict


def track_fingerprint(*, track: Track, actor: Actor = None) -> TrackFingerprint:
    """Fingerprint the track's audio (its uploaded original, else its master), store the hashes in the
    index and run the duplicate check. Streams the file: memory stays flat for a two-hour mix.

    Raises ValidationError when the track has no audio file.
    """
    asset = track_audio_asset(track)
    if asset is None:
        raise ValidationError(f"{track} has no original or master file to fingerprint.")
    with local_audio_path(asset) as path:
        hashes = engine.fingerprint_file(path)
        duration_s = audio_io.probe(path).duration_s
    with transaction.atomic():
        fingerprint = fingerprint_store(track=track, hashes=hashes, duration_s=duration_s)
        track_duplicate_check(track=track, actor=actor)
    fingerprint.refresh_from_db()
    return fingerprint


def release_duplicate_blockers(release: Release) -> list[str]:
    """Why the release cannot be scheduled as far as copyright risk goes; empty when every track is clear.

    Each track is checked against the catalogue again now (tracks added since its last check count), from
    the hashes already in the index; a track never fingerprinted is fingerprinted first (this decodes its
    audio, about a second per five minutes). A track without any audio file is a blocker in itself.
    The verdicts found are written to the tracks (each check commits on its own): call this outside a
    transaction that a refusal rolls back, or the tracks keep showing their old verdict.
    """
    blockers = []
    tracks = [rt.track for rt in release.release_tracks.select_related("track").order_by("position")]
    for track in tracks:
        try:
            if not TrackFingerprint.objects.filter(track_id=track.pk).exists():
                track_fingerprint(track=track)
            else:
                track_duplicate_check(track=track)
        except ValidationError as error:
            blockers.append(f"{track.title}: the duplicate check cannot run ({' '.join(error.messages)})")
            continue
        except audio_io.AudioValidationError as error:
            blockers.append(f"{track.title}: the duplicate check cannot read its audio ({error})")
            continue
        reason = duplicate_reason(track)
        if reason:
            blockers.append(reason)
    return blockers


def duplicate_reason(track: Track) -> str:
    """One sentence on the track's duplicate verdict with a pointer to the catalogue track; "" when clear."""
    if track.duplicate_verdict not in (Track.DuplicateVerdict.EXACT, Track.DuplicateVerdict.CONTAINS):
        return ""
    fingerprint = TrackFingerprint.objects.filter(track_id=track.pk).select_related("match_track").first()
    other = Track.objects.filter(pk=track.duplicate_of_id).first() if track.duplicate_of_id else None
    pointer = f"{other.title!r} (track #{other.pk})" if other else "a catalogue track"
    if track.duplicate_verdict == Track.DuplicateVerdict.EXACT:
        return f"{track.title} is an exact duplicate of {pointer}."
    where = ""
    if fingerprint is not None and fingerprint.match_offset_s is not None:
        offset = fingerprint.match_offset_s
        where = (
            f" (its start lines up with {offset:.1f} s into that track)"
            if offset >= 0
            else f" (that track starts {-offset:.1f} s into it)"
        )
    return f"{track.title} contains audio of {pointer}{where}."
