"""Ingest: audio files from outside (cockpit upload, API, `import_audio`) become draft catalogue tracks.

Each file is judged on its own: a refused file creates nothing (no Track, no stored file, no upload
record) and says why, while the other files of the same upload still go in. A file is accepted when:
- it is not byte-identical to a file the catalogue already keeps (else: a pointer to the track holding it);
- it decodes completely as WAV, FLAC, AIFF, MP3 or OGG, whatever its name says (engine.audio_io.validate
  through production.engine.safe_decode, which keeps a crashing decoder out of this process: empty, corrupt,
  truncated and non-audio files are refused with the reason);
- its header is within the upload limits (INGEST_MAX_CHANNELS, INGEST_MAX_SAMPLE_RATE; 2 and 96 kHz by
  default), checked before any decoding, so a small file declaring hours of many channels is refused at once;
- it lasts between INGEST_MIN_DURATION_S and INGEST_MAX_DURATION_S (settings; 10 s and 2 h by default).
Files declaring more than INGEST_FULL_DECODE_SAMPLES samples are decoded at both ends in the request and whole
by the analysis task (bulk queue, INGEST_ANALYSIS_TIMEOUT_S). The same bytes are kept once: the upload record's
sha256 is unique in the database, so simultaneous uploads of one file make one track.
The original is kept byte for byte in private storage (Asset kind "original", with its sha256); analysis
and the fingerprint with its duplicate check run as background tasks once the Track is committed.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import soundfile
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from catalog.models import Artist, Asset, Track
from catalog.services import artist_ensure, asset_store, track_files_delete
from lofi_site.files import safe_filename
from lofi_site.queue import enqueue
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.engine import audio_io
from production.engine.safe_decode import validate_untrusted
from production.models import IngestUpload

ANALYZE_TASK = "production.tasks.track_analyze_task"
FINGERPRINT_TASK = "production.tasks.track_fingerprint_task"
DEFAULT_MIN_DURATION_S = 10.0
DEFAULT_MAX_DURATION_S = 2 * 60 * 60.0
DEFAULT_ARTIST_NAME = "Unknown artist"
DEFAULT_MAX_CHANNELS = 2
DEFAULT_MAX_SAMPLE_RATE = 96000
DEFAULT_FULL_DECODE_SAMPLES = 60_000_000  # about ten minutes of stereo at 48 kHz: well under a second to decode
DEFAULT_ANALYSIS_TIMEOUT_S = 1200
_COPY_CHUNK = 1 << 20
_BIT_DEPTHS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32, "DOUBLE": 64}


@dataclass(frozen=True)
class IngestResult:
    """The outcome for one file: a track, or the reason it was refused."""

    file: str  # the path or file name as given
    track: Track | None
    error: str | None

    def to_dict(self) -> dict:
        return {"file": self.file, "track_id": self.track.pk if self.track else None, "error": self.error}


def ingest_upload_limits() -> dict:
    """Header limits for `validate_untrusted`: INGEST_MAX_CHANNELS, INGEST_MAX_SAMPLE_RATE, and how many declared
    samples (channels x frames) are decoded whole while the uploader waits (INGEST_FULL_DECODE_SAMPLES; larger
    files are decoded at both ends, and whole by the analysis in the background)."""
    return {
        "max_channels": int(getattr(settings, "INGEST_MAX_CHANNELS", DEFAULT_MAX_CHANNELS)),
        "max_sample_rate": int(getattr(settings, "INGEST_MAX_SAMPLE_RATE", DEFAULT_MAX_SAMPLE_RATE)),
        "full_decode_samples": int(getattr(settings, "INGEST_FULL_DECODE_SAMPLES", DEFAULT_FULL_DECODE_SAMPLES)),
    }


def ingest_duration_limits() -> tuple[float, float]:
    """(min, max) seconds an ingested file may last: settings INGEST_MIN_DURATION_S / INGEST_MAX_DURATION_S."""
    return (
        float(getattr(settings, "INGEST_MIN_DURATION_S", DEFAULT_MIN_DURATION_S)),
        float(getattr(settings, "INGEST_MAX_DURATION_S", DEFAULT_MAX_DURATION_S)),
    )


def track_ingest(
    *,
    path: str | Path,
    original_filename: str | None = None,
    channel: str,
    artist: Artist | None = None,
    artist_name: str = "",
    title: str = "",
    uploaded_by: User | None = None,
    queue: bool = True,
) -> Track:
    """Import one audio file as a draft Track (source "uploaded") with its original in private storage.

    `original_filename` names the file in messages and the upload record (default: the path's name).
    The artist is `artist`, else the one named `artist_name` (created when new), else INGEST_DEFAULT_ARTIST
    ("Unknown artist"). The title is `title`, else the file name without its extension.
    With `queue`, analysis and fingerprinting (with the duplicate check) are queued after commit.
    Raises ValidationError with one editor-readable sentence when the file is refused; then nothing is
    created and no file is left in storage.
    """
    path = Path(path)
    name = original_filename or path.name
    digest = audio_io.sha256_file(path)
    _refuse_byte_identical(name, digest)
    minimum_s, maximum_s = ingest_duration_limits()
    try:
        info = validate_untrusted(
            path, min_duration_s=minimum_s, max_duration_s=maximum_s, name=name, **ingest_upload_limits()
        )
    except audio_io.AudioValidationError as error:
        raise ValidationError(_renamed(str(error), path.name, name)) from error
    artist = artist or _artist_for(artist_name)
    track = Track(
        title=(title or _title_from(name))[:200],
        artist=artist,
        status=Track.Status.DRAFT,
        source=Track.Source.UPLOADED,
        is_ai_generated=False,
        duration_s=round(info.duration_s, 3),
        duplicate_verdict=Track.DuplicateVerdict.UNCHECKED,
    )
    try:
        with transaction.atomic():
            track.full_clean()
            track.save()
            with open(path, "rb") as stream:
                original = asset_store(
                    track=track,
                    kind=Asset.Kind.ORIGINAL,
                    content=stream,
                    filename=f"original.{info.format}",
                    format=info.format,
                    sample_rate=info.sample_rate,
                    bit_depth=_bit_depth(path),
                    channels=info.channels,
                    duration_s=round(info.duration_s, 3),
                )
            upload = IngestUpload(
                track=track,
                original_filename=name[:255],
                format=info.format,
                size_bytes=original.size_bytes,
                sha256=original.sha256,
                channel=channel,
                uploaded_by=uploaded_by,
            )
            # The unique hash is left to the database (validate_unique would look before the insert, which a
            # simultaneous upload can still pass): a lost race ends as IntegrityError, answered below.
            upload.full_clean(validate_unique=False)
            upload.save()
            audit_log(
                actor=uploaded_by,
                verb=ProductionVerb.TRACK_UPLOADED,
                obj=track,
                summary=f"Imported {name} ({info.format.upper()}, {info.duration_s:.0f} s) as a draft "
                f"track via {upload.get_channel_display()}",
                changes={"sha256": [None, original.sha256]},
            )
            if queue:
                track_intelligence_enqueue(track=track)
    except IntegrityError as error:
        # The same bytes, sent at the same moment by another upload, won the unique original hash.
        track_files_delete(track=track)
        _refuse_byte_identical(name, digest)
        raise ValidationError(
            f"{name} is byte-identical to a file imported at the same moment; it was not imported again."
        ) from error
    except BaseException:
        track_files_delete(track=track)
        raise
    return track


def files_ingest(
    *,
    paths: Sequence[str | Path],
    channel: str,
    artist_name: str = "",
    uploaded_by: User | None = None,
    queue: bool = True,
) -> list[IngestResult]:
    """`track_ingest` for each path, independently: one result per path, in order."""
    results = []
    for given in paths:
        path = Path(given)
        if not path.is_file():
            results.append(IngestResult(str(given), None, f"{path.name} does not exist or is not a file."))
            continue
        results.append(
            _ingest_one(
                str(given),
                path=path,
                original_filename=path.name,
                channel=channel,
                artist_name=artist_name,
                uploaded_by=uploaded_by,
                queue=queue,
            )
        )
    return results


def uploads_ingest(
    *,
    uploads: Iterable[UploadedFile],
    channel: str,
    artist: Artist | None = None,
    artist_name: str = "",
    uploaded_by: User | None = None,
    queue: bool = True,
) -> list[IngestResult]:
    """`track_ingest` for each file of an HTTP upload (cockpit or API), independently, in order.

    Each upload is copied to a private temporary folder under its own (sanitised) name first, so the
    decoders read a real file and messages name the file the user sent.
    """
    results = []
    for upload in uploads:
        name = safe_filename(upload.name or "", default="upload")
        with _spooled(upload, name) as path:
            results.append(
                _ingest_one(
                    upload.name or name,
                    path=path,
                    original_filename=name,
                    channel=channel,
                    artist=artist,
                    artist_name=artist_name,
                    uploaded_by=uploaded_by,
                    queue=queue,
                )
            )
    return results


def track_intelligence_enqueue(*, track: Track) -> None:
    """Queue analysis and fingerprinting (with the duplicate check) of a track, after commit. Renders and
    ingest both call this once their Track exists."""
    # Both decode the whole file: on the bulk queue, each under its own time limit (INGEST_ANALYSIS_TIMEOUT_S).
    timeout = int(getattr(settings, "INGEST_ANALYSIS_TIMEOUT_S", DEFAULT_ANALYSIS_TIMEOUT_S))
    enqueue(ANALYZE_TASK, track.pk, bulk=True, timeout=timeout)
    enqueue(FINGERPRINT_TASK, track.pk, bulk=True, timeout=timeout)


def _ingest_one(given: str, **arguments) -> IngestResult:
    try:
        return IngestResult(given, track_ingest(**arguments), None)
    except ValidationError as error:
        return IngestResult(given, None, " ".join(error.messages))


def _refuse_byte_identical(name: str, digest: str) -> None:
    existing = Asset.objects.filter(sha256=digest).select_related("track").order_by("track_id").first()
    if existing is not None:
        track = existing.track
        raise ValidationError(
            f"{name} is byte-identical to the {existing.get_kind_display().lower()} of track "
            f"{track.title!r} (#{track.pk}, {track.uuid}); it was not imported again."
        )


def _artist_for(artist_name: str) -> Artist:
    name = (artist_name or getattr(settings, "INGEST_DEFAULT_ARTIST", DEFAULT_ARTIST_NAME)).strip()
    existing = Artist.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    slug = slugify(name)[:120]
    if not slug:
        raise ValidationError(f"{name!r} cannot be an artist name: it has no letters or digits.")
    return artist_ensure(slug=slug, name=name[:120], is_persona=False)


def _title_from(filename: str) -> str:
    stem = Path(filename).stem.replace("_", " ").strip()
    return " ".join(stem.split()) or "Untitled upload"


def _bit_depth(path: Path) -> int | None:
    try:
        return _BIT_DEPTHS.get(soundfile.info(str(path)).subtype)
    except Exception:  # MP3/OGG carry no bit depth, and libsndfile cannot open every variant
        return None


def _renamed(message: str, temporary_name: str, name: str) -> str:
    return message.replace(temporary_name, name) if temporary_name != name else message


@contextlib.contextmanager
def _spooled(upload: UploadedFile, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ingest-") as workdir:
        path = Path(workdir) / name
        upload.seek(0)
        with open(path, "wb") as target:
            for chunk in upload.chunks(_COPY_CHUNK):
                target.write(chunk)
        yield path
