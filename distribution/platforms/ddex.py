"""DDEX ERN 4.3 delivery packages and distributor spreadsheets. Pure Python, no Django.

A package is one zip per release:

    <UPC>/<UPC>.xml                      NewReleaseMessage (namespace http://ddex.net/xml/ern/43)
    <UPC>/<UPC>.csv                      the same release as one spreadsheet row per track
    <UPC>/resources/<UPC>_01_<NN>.wav    16-bit / 44.1 kHz PCM (or .flac), converted block-wise
    <UPC>/resources/<UPC>.jpg            the front cover, 3000x3000 RGB JPEG (larger or PNG covers converted)

Element names and their order follow the ERN 4.3 release-notification.xsd. ERN 4.3 carries its version
in the namespace (there is no MessageSchemaVersionId element or attribute in 4.x; the root carries
AvsVersionId and LanguageAndScriptCode). File hashes use the AVS HashSumAlgorithmType value "SHA-256".
ERN 4.3 has no element for AI generation; the spreadsheet carries an ai_generated column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np
from stdnum import ean, isrc

from distribution.media.timecode import format_timestamp, iso8601_duration

ERN_NAMESPACE = "http://ddex.net/xml/ern/43"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ERN_NAMESPACE} http://service.ddex.net/xml/ern/43/release-notification.xsd"
HASH_ALGORITHM = "SHA-256"  # AVS HashSumAlgorithmType
DELIVERY_SAMPLE_RATE = 44100
DELIVERY_BIT_DEPTH = 16
BLOCK_FRAMES = 1 << 16
COVER_MIN_PX = 3000
RELEASE_TYPES = {"single": "Single", "ep": "EP", "album": "Album", "compilation": "Album", "mix": "Album"}
# One Deal per commercial model, each with the uses it licenses.
DEFAULT_DEALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SubscriptionModel", ("OnDemandStream", "Stream")),
    ("AdvertisementSupportedModel", ("OnDemandStream", "Stream")),
    ("PayAsYouGoModel", ("PermanentDownload",)),
)
CSV_COLUMNS = (
    "release_title",
    "upc",
    "catalogue_number",
    "release_date",
    "track_number",
    "track_title",
    "artist",
    "isrc",
    "duration",
    "genre",
    "p_line",
    "c_line",
    "explicit",
    "ai_generated",
    "file_name",
)

ET.register_namespace("ern", ERN_NAMESPACE)
ET.register_namespace("xsi", XSI_NAMESPACE)


class DeliveryError(ValueError):
    """Release data or files that cannot make a valid delivery; the message names the field or file."""


@dataclass(frozen=True)
class DeliveryTrack:
    path: Path  # source audio: wav, flac, mp3, ... any rate and bit depth pedalboard can read
    title: str
    artist: str
    isrc: str
    explicit: bool = False
    ai_generated: bool = False


@dataclass(frozen=True)
class DeliveryRelease:
    title: str
    artist: str
    upc: str  # UPC-A (12 digits) or EAN-13; sent as ICPN
    label_name: str
    release_date: date
    tracks: list[DeliveryTrack]
    cover_path: Path  # JPEG or PNG, RGB, square, >= 3000x3000
    sender_dpid: str  # the label's DDEX Party ID, PADPIDA...
    recipient_dpid: str  # the distributor's DDEX Party ID
    recipient_name: str = ""
    kind: str = "album"
    catalogue_number: str = ""
    genre: str = "Lo-Fi"
    p_line: str = ""  # e.g. "2026 Lantern LoFi"
    c_line: str = ""
    deal_start: date | None = None  # defaults to the release date
    deals: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_DEALS
    avs_version_id: str = "3"  # the AVS version agreed with the recipient
    language: str = "en"


@dataclass(frozen=True)
class PackagedFile:
    name: str  # path inside the zip
    sha256: str
    size_bytes: int
    kind: str  # "audio", "image", "xml", "csv"


@dataclass(frozen=True)
class TrackFacts:
    """What the converted delivery file turned out to be."""

    file_name: str  # relative to the XML: resources/<UPC>_01_<NN>.wav
    sha256: str
    size_bytes: int
    duration_s: float
    channels: int
    sample_rate: int = DELIVERY_SAMPLE_RATE
    bits_per_sample: int = DELIVERY_BIT_DEPTH


@dataclass(frozen=True)
class DeliveryManifest:
    message_id: str
    root: str  # folder inside the zip (the UPC)
    xml: bytes
    files: list[PackagedFile] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- validation


def _validate(release: DeliveryRelease) -> None:
    if not release.tracks:
        raise DeliveryError("a release needs at least one track")
    if release.kind not in RELEASE_TYPES:
        raise DeliveryError(f"unknown release kind {release.kind!r}; use one of {', '.join(RELEASE_TYPES)}")
    upc = release.upc.strip()
    if not (upc.isdigit() and len(upc) in (12, 13) and ean.is_valid(upc)):
        raise DeliveryError(f"UPC/EAN {release.upc!r} is not a valid 12- or 13-digit code with its check digit")
    for dpid, who in ((release.sender_dpid, "sender"), (release.recipient_dpid, "recipient")):
        if not (dpid.startswith("PADPIDA") and dpid[7:].isalnum()):
            raise DeliveryError(f"the {who} DDEX Party ID {dpid!r} must look like PADPIDA2014120301X")
    seen: set[str] = set()
    for number, track in enumerate(release.tracks, start=1):
        code = isrc.compact(track.isrc)
        if not isrc.is_valid(code):
            raise DeliveryError(f"track {number} ({track.title!r}): {track.isrc!r} is not a valid ISRC")
        if code in seen:
            raise DeliveryError(f"track {number} ({track.title!r}): ISRC {code} appears twice")
        seen.add(code)
        if not Path(track.path).is_file():
            raise DeliveryError(f"track {number} ({track.title!r}): no audio file at {track.path}")


def _delivery_cover(path: Path, work: Path) -> Path:
    """The cover as stores take it: a 3000x3000 RGB JPEG. A cover that already is one is used as it is
    (same bytes); a larger one or a PNG is scaled down with Lanczos and saved as a JPEG in `work`."""
    from PIL import Image

    with Image.open(path) as image:
        if image.format == "JPEG" and image.size == (COVER_MIN_PX, COVER_MIN_PX):
            return path
        fitted = image.convert("RGB").resize((COVER_MIN_PX, COVER_MIN_PX), Image.Resampling.LANCZOS)
    out = work / "cover.jpg"
    fitted.save(out, "JPEG", quality=95, optimize=True)
    return out


def _check_cover(path: Path) -> tuple[str, int, int]:
    from PIL import Image

    if not path.is_file():
        raise DeliveryError(f"no cover file at {path}")
    try:
        with Image.open(path) as image:  # reads the header only
            fmt, mode, (width, height) = image.format, image.mode, image.size
    except Exception as exc:
        raise DeliveryError(f"the cover at {path} is not a readable image") from exc
    if fmt not in ("JPEG", "PNG"):
        raise DeliveryError(f"the cover must be JPEG or PNG; it is {fmt}")
    if mode != "RGB":
        raise DeliveryError(f"the cover must be RGB; it is {mode}")
    if width != height or width < COVER_MIN_PX:
        raise DeliveryError(f"the cover must be square and at least {COVER_MIN_PX}px; it is {width}x{height}")
    return ("jpg" if fmt == "JPEG" else "png"), width, height


# ---------------------------------------------------------------------------------------------- audio


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert_for_delivery(source: Path, target: Path, *, seed: int = 0) -> tuple[int, int]:
    """Write `source` as 16-bit / 44.1 kHz stereo (WAV or FLAC by `target`'s suffix), block by block.

    Other sample rates are resampled on the fly (pedalboard's resampled_to); mono becomes two equal
    channels, more than two keep the first pair. TPDF dither of one LSB is added before the 16-bit
    rounding. Memory does not grow with the length. Returns (frames written, channels).
    """
    from pedalboard.io import AudioFile

    rng = np.random.default_rng(seed)
    lsb = 1.0 / (1 << (DELIVERY_BIT_DEPTH - 1))
    written = 0
    with AudioFile(str(source)) as original:
        reader = (
            original if original.samplerate == DELIVERY_SAMPLE_RATE else original.resampled_to(DELIVERY_SAMPLE_RATE)
        )
        with AudioFile(str(target), "w", DELIVERY_SAMPLE_RATE, 2, bit_depth=DELIVERY_BIT_DEPTH) as out:
            while True:
                block = reader.read(BLOCK_FRAMES)
                if block.shape[1] == 0:
                    break
                if block.shape[0] == 1:
                    block = np.repeat(block, 2, axis=0)
                block = block[:2]
                dither = rng.random(block.shape, dtype=np.float32) - rng.random(block.shape, dtype=np.float32)
                out.write(np.clip(block + dither * lsb, -1.0, 1.0 - lsb).astype(np.float32))
                written += block.shape[1]
    if written == 0:
        raise DeliveryError(f"{source} holds no audio")
    return written, 2


# ------------------------------------------------------------------------------------------------ XML


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    if text is not None:
        element.text = text
    return element


def _year_and_text(line: str, fallback_year: int) -> tuple[str, str]:
    digits = line.strip()[:4]
    return (digits if digits.isdigit() else str(fallback_year)), line.strip()


def build_ern_message(
    release: DeliveryRelease,
    tracks: list[TrackFacts],
    *,
    cover_file: str,
    cover_sha256: str,
    cover_size_bytes: int,
    cover_px: tuple[int, int],
    message_id: str,
    created_at: datetime,
    test_message: bool = False,
) -> bytes:
    """The NewReleaseMessage XML (UTF-8 bytes) for a release whose files are already converted."""
    _validate(release)
    if len(tracks) != len(release.tracks):
        raise DeliveryError("one TrackFacts per track is needed")
    year = release.release_date.year
    namespace = f"DPID:{release.sender_dpid}"
    root = ET.Element(
        f"{{{ERN_NAMESPACE}}}NewReleaseMessage",
        {
            f"{{{XSI_NAMESPACE}}}schemaLocation": SCHEMA_LOCATION,
            "ReleaseProfileVersionId": "Audio",
            "AvsVersionId": release.avs_version_id,
            "LanguageAndScriptCode": release.language,
        },
    )

    header = _sub(root, "MessageHeader")
    _sub(header, "MessageThreadId", message_id)
    _sub(header, "MessageId", message_id)
    sender = _sub(header, "MessageSender")
    _sub(sender, "PartyId", release.sender_dpid)
    _sub(_sub(sender, "PartyName"), "FullName", release.label_name)
    recipient = _sub(header, "MessageRecipient")
    _sub(recipient, "PartyId", release.recipient_dpid)
    if release.recipient_name:
        _sub(_sub(recipient, "PartyName"), "FullName", release.recipient_name)
    _sub(header, "MessageCreatedDateTime", created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _sub(header, "MessageControlType", "TestMessage" if test_message else "LiveMessage")

    # Parties: the label and every artist, referenced by P... anchors.
    artist_refs: dict[str, str] = {}
    for name in [release.artist, *(t.artist for t in release.tracks)]:
        artist_refs.setdefault(name, f"PArtist{len(artist_refs) + 1}")
    party_list = _sub(root, "PartyList")
    label = _sub(party_list, "Party")
    _sub(label, "PartyReference", "PLabel")
    _sub(_sub(label, "PartyName"), "FullName", release.label_name)
    _sub(_sub(label, "PartyId"), "DPID", release.sender_dpid)
    for name, reference in artist_refs.items():
        party = _sub(party_list, "Party")
        _sub(party, "PartyReference", reference)
        _sub(_sub(party, "PartyName"), "FullName", name)

    def display_artist(parent: ET.Element, name: str) -> None:
        _sub(parent, "DisplayArtistName", name)
        artist = _sub(parent, "DisplayArtist", SequenceNumber="1")
        _sub(artist, "ArtistPartyReference", artist_refs[name])
        _sub(artist, "DisplayArtistRole", "MainArtist")

    p_year, p_text = _year_and_text(release.p_line or f"{year} {release.label_name}", year)
    c_year, c_text = _year_and_text(release.c_line or f"{year} {release.label_name}", year)

    resources = _sub(root, "ResourceList")
    for number, (track, facts) in enumerate(zip(release.tracks, tracks, strict=True), start=1):
        recording = _sub(resources, "SoundRecording")
        _sub(recording, "ResourceReference", f"A{number}")
        _sub(recording, "Type", "MusicalWorkSoundRecording")
        edition = _sub(recording, "SoundRecordingEdition")
        _sub(_sub(edition, "ResourceId"), "ISRC", isrc.compact(track.isrc))
        p_line = _sub(edition, "PLine")
        _sub(p_line, "Year", p_year)
        _sub(p_line, "PLineText", p_text)
        technical = _sub(edition, "TechnicalDetails")
        _sub(technical, "TechnicalResourceDetailsReference", f"T{number}")
        delivery = _sub(technical, "DeliveryFile")
        _sub(delivery, "Type", "AudioFile")
        _sub(delivery, "AudioCodecType", "FLAC" if facts.file_name.endswith(".flac") else "PCM")
        _sub(delivery, "NumberOfChannels", str(facts.channels))
        _sub(delivery, "SamplingRate", str(facts.sample_rate), UnitOfMeasure="Hz")
        _sub(delivery, "BitsPerSample", str(facts.bits_per_sample))
        _file(delivery, facts.file_name, facts.sha256, facts.size_bytes)
        _sub(recording, "DisplayTitleText", track.title)
        _sub(_sub(recording, "DisplayTitle"), "TitleText", track.title)
        display_artist(recording, track.artist)
        _sub(recording, "Duration", iso8601_duration(facts.duration_s))
        _sub(recording, "ParentalWarningType", "Explicit" if track.explicit else "NotExplicit")

    cover_ref = f"A{len(tracks) + 1}"
    image = _sub(resources, "Image")
    _sub(image, "ResourceReference", cover_ref)
    _sub(image, "Type", "FrontCoverImage")
    _sub(_sub(image, "ResourceId"), "ProprietaryId", f"{release.upc}_cover", Namespace=namespace)
    image_technical = _sub(image, "TechnicalDetails")
    _sub(image_technical, "TechnicalResourceDetailsReference", f"T{len(tracks) + 1}")
    _sub(image_technical, "ImageCodecType", "JPEG" if cover_file.endswith(".jpg") else "PNG")
    _sub(image_technical, "ImageHeight", str(cover_px[1]))
    _sub(image_technical, "ImageWidth", str(cover_px[0]))
    _file(image_technical, cover_file, cover_sha256, cover_size_bytes)

    releases = _sub(root, "ReleaseList")
    main = _sub(releases, "Release")
    _sub(main, "ReleaseReference", "R0")
    _sub(
        main,
        "ReleaseType",
        RELEASE_TYPES[release.kind] if len(tracks) > 1 or release.kind != "single" else "Single",
    )
    release_id = _sub(main, "ReleaseId")
    _sub(release_id, "ICPN", release.upc.strip())
    if release.catalogue_number:
        _sub(release_id, "CatalogNumber", release.catalogue_number, Namespace=namespace)
    _sub(main, "DisplayTitleText", release.title)
    _sub(_sub(main, "DisplayTitle"), "TitleText", release.title)
    display_artist(main, release.artist)
    _sub(main, "ReleaseLabelReference", "PLabel")
    p_line = _sub(main, "PLine")
    _sub(p_line, "Year", p_year)
    _sub(p_line, "PLineText", p_text)
    c_line = _sub(main, "CLine")
    _sub(c_line, "Year", c_year)
    _sub(c_line, "CLineText", c_text)
    _sub(main, "Duration", iso8601_duration(sum(f.duration_s for f in tracks)))
    _sub(_sub(main, "Genre"), "GenreText", release.genre)
    _sub(main, "ReleaseDate", release.release_date.isoformat())
    _sub(main, "ParentalWarningType", "Explicit" if any(t.explicit for t in release.tracks) else "NotExplicit")
    group = _sub(main, "ResourceGroup")
    for number in range(1, len(tracks) + 1):
        item = _sub(group, "ResourceGroupContentItem")
        _sub(item, "SequenceNumber", str(number))
        _sub(item, "ReleaseResourceReference", f"A{number}")
    _sub(group, "LinkedReleaseResourceReference", cover_ref)

    for number, track in enumerate(release.tracks, start=1):
        track_release = _sub(releases, "TrackRelease")
        _sub(track_release, "ReleaseReference", f"R{number}")
        _sub(_sub(track_release, "ReleaseId"), "ProprietaryId", isrc.compact(track.isrc), Namespace=namespace)
        _sub(track_release, "ReleaseResourceReference", f"A{number}")
        _sub(track_release, "ReleaseLabelReference", "PLabel")
        _sub(_sub(track_release, "Genre"), "GenreText", release.genre)

    deals = _sub(root, "DealList")
    release_deal = _sub(deals, "ReleaseDeal")
    for number in range(len(tracks) + 1):
        _sub(release_deal, "DealReleaseReference", f"R{number}")
    start = (release.deal_start or release.release_date).isoformat()
    for commercial_model, use_types in release.deals:
        terms = _sub(_sub(release_deal, "Deal"), "DealTerms")
        _sub(terms, "TerritoryCode", "Worldwide")
        _sub(_sub(terms, "ValidityPeriod"), "StartDate", start)
        _sub(terms, "CommercialModelType", commercial_model)
        for use_type in use_types:
            _sub(terms, "UseType", use_type)

    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _file(parent: ET.Element, uri: str, sha256: str, size_bytes: int) -> None:
    element = _sub(parent, "File")
    _sub(element, "URI", uri)
    hash_sum = _sub(element, "HashSum")
    _sub(hash_sum, "Algorithm", HASH_ALGORITHM)
    _sub(hash_sum, "HashSumValue", sha256)
    _sub(element, "FileSize", str(size_bytes))


# ------------------------------------------------------------------------------------------------ CSV


def write_delivery_csv(
    release: DeliveryRelease, out: TextIO, *, durations_s: list[float], file_names: list[str]
) -> None:
    """One row per track with CSV_COLUMNS, for distributors that take spreadsheets."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    year = release.release_date.year
    for number, (track, duration, name) in enumerate(
        zip(release.tracks, durations_s, file_names, strict=True), start=1
    ):
        writer.writerow(
            [
                release.title,
                release.upc,
                release.catalogue_number,
                release.release_date.isoformat(),
                number,
                track.title,
                track.artist,
                isrc.compact(track.isrc),
                format_timestamp(round(duration)),
                release.genre,
                release.p_line or f"{year} {release.label_name}",
                release.c_line or f"{year} {release.label_name}",
                "yes" if track.explicit else "no",
                "yes" if track.ai_generated else "no",
                name,
            ]
        )


def build_delivery_csv(release: DeliveryRelease, out: TextIO) -> None:
    """The spreadsheet alone, from the source files (durations read from their headers)."""
    from pedalboard.io import AudioFile

    _validate(release)
    durations = []
    for track in release.tracks:
        with AudioFile(str(track.path)) as audio:
            durations.append(audio.frames / audio.samplerate)
    names = [Path(t.path).name for t in release.tracks]
    write_delivery_csv(release, out, durations_s=durations, file_names=names)


# -------------------------------------------------------------------------------------------- package


def build_delivery_package(
    release: DeliveryRelease,
    out: str | Path | BinaryIO,
    *,
    audio_format: str = "wav",
    created_at: datetime | None = None,
    message_id: str | None = None,
    test_message: bool = False,
) -> DeliveryManifest:
    """Convert the audio, hash every file and write the zip to `out` (a path or a writable binary file).

    Guarantees: audio is 16-bit / 44.1 kHz stereo WAV (or FLAC), written and zipped block by block
    (no whole-file reads); every File in the XML carries the SHA-256 and size of the bytes in the zip;
    ISRCs and the UPC are validated before any work. Returns the manifest with the XML.
    """
    if audio_format not in ("wav", "flac"):
        raise DeliveryError("audio_format must be 'wav' or 'flac'")
    _validate(release)
    _check_cover(Path(release.cover_path))
    created_at = created_at or datetime.now(UTC)
    message_id = message_id or f"{release.upc}-{uuid.uuid4().hex[:12]}"
    root = release.upc.strip()
    with tempfile.TemporaryDirectory(prefix="ddex-") as tmp:
        work = Path(tmp)
        facts: list[TrackFacts] = []
        for number, track in enumerate(release.tracks, start=1):
            name = f"resources/{root}_01_{number:02d}.{audio_format}"
            local = work / Path(name).name
            frames, channels = convert_for_delivery(Path(track.path), local, seed=number)
            facts.append(
                TrackFacts(
                    file_name=name,
                    sha256=_sha256_file(local),
                    size_bytes=local.stat().st_size,
                    duration_s=frames / DELIVERY_SAMPLE_RATE,
                    channels=channels,
                )
            )
        cover_path = _delivery_cover(Path(release.cover_path), work)
        cover_name = f"resources/{root}.jpg"
        xml = build_ern_message(
            release,
            facts,
            cover_file=cover_name,
            cover_sha256=_sha256_file(cover_path),
            cover_size_bytes=cover_path.stat().st_size,
            cover_px=(COVER_MIN_PX, COVER_MIN_PX),
            message_id=message_id,
            created_at=created_at,
            test_message=test_message,
        )
        text = io.StringIO()
        write_delivery_csv(
            release,
            text,
            durations_s=[f.duration_s for f in facts],
            file_names=[Path(f.file_name).name for f in facts],
        )
        csv_bytes = text.getvalue().encode("utf-8")

        packaged: list[PackagedFile] = []
        target = open(out, "wb") if isinstance(out, str | Path) else out  # noqa: SIM115 - closed below
        try:
            with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
                for name, data, kind in (
                    (f"{root}/{root}.xml", xml, "xml"),
                    (f"{root}/{root}.csv", csv_bytes, "csv"),
                ):
                    archive.writestr(
                        zipfile.ZipInfo(name, date_time=created_at.timetuple()[:6]),
                        data,
                        compress_type=zipfile.ZIP_DEFLATED,
                    )
                    packaged.append(PackagedFile(name, hashlib.sha256(data).hexdigest(), len(data), kind))
                for fact in facts:
                    _zip_file(archive, work / Path(fact.file_name).name, f"{root}/{fact.file_name}", created_at)
                    packaged.append(PackagedFile(f"{root}/{fact.file_name}", fact.sha256, fact.size_bytes, "audio"))
                _zip_file(archive, cover_path, f"{root}/{cover_name}", created_at)
                packaged.append(
                    PackagedFile(f"{root}/{cover_name}", _sha256_file(cover_path), cover_path.stat().st_size, "image")
                )
        finally:
            if target is not out:
                target.close()
    return DeliveryManifest(message_id=message_id, root=root, xml=xml, files=packaged)


def _zip_file(archive: zipfile.ZipFile, source: Path, name: str, created_at: datetime) -> None:
    # Audio and JPEG barely compress: store them, copying 1 MiB at a time.
    info = zipfile.ZipInfo(name, date_time=created_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = source.stat().st_size
    with source.open("rb") as src, archive.open(info, "w", force_zip64=info.file_size > 2**31) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
