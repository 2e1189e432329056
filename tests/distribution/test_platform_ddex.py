"""DDEX ERN 4.3 delivery package: parse the XML back and check it against the files in the zip."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, date, datetime

import numpy as np
import pytest
import soundfile
from PIL import Image
from stdnum import ean, isrc

from distribution.media.timecode import iso8601_duration
from distribution.platforms.ddex import (
    ERN_NAMESPACE,
    DeliveryError,
    DeliveryRelease,
    DeliveryTrack,
    build_delivery_csv,
    build_delivery_package,
)

NS = f"{{{ERN_NAMESPACE}}}"
UPC = "12345678901" + ean.calc_check_digit("12345678901")


def sine(seconds: float, rate: int, channels: int, hz: float = 330.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.4 * np.sin(2 * np.pi * hz * t)
    return np.stack([mono] * channels, axis=1).astype(np.float32)


@pytest.fixture
def release(tmp_path):
    first = tmp_path / "first.wav"
    soundfile.write(first, sine(2.0, 48000, 2), 48000, subtype="PCM_24")  # needs resampling and 16-bit
    second = tmp_path / "second.flac"
    soundfile.write(second, sine(1.5, 44100, 1, hz=440.0), 44100, subtype="PCM_16")  # mono flac
    cover = tmp_path / "cover.jpg"
    Image.new("RGB", (3000, 3000), (40, 60, 90)).save(cover, "JPEG", quality=80)
    return DeliveryRelease(
        title="Rainy Window",
        artist="Lantern",
        upc=UPC,
        label_name="Lantern LoFi",
        release_date=date(2026, 4, 3),
        tracks=[
            DeliveryTrack(first, "Drizzle", "Lantern", "GB-LLF-26-00001", ai_generated=True),
            DeliveryTrack(second, "Puddles", "Lantern feat. Moth", "GBLLF2600002"),
        ],
        cover_path=cover,
        sender_dpid="PADPIDA2026010101L",
        recipient_dpid="PADPIDA2014120301R",
        recipient_name="Some Distributor",
        kind="ep",
        catalogue_number="LLF-001",
        p_line="2026 Lantern LoFi",
        c_line="2026 Lantern LoFi",
    )


def texts(element: ET.Element, path: str) -> list[str]:
    return [e.text for e in element.findall(path)]


def test_package_xml_matches_the_files_in_the_zip(release, tmp_path):
    out = tmp_path / "delivery.zip"
    manifest = build_delivery_package(release, out, created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))

    archive = zipfile.ZipFile(out)
    names = set(archive.namelist())
    assert names == {
        f"{UPC}/{UPC}.xml",
        f"{UPC}/{UPC}.csv",
        f"{UPC}/resources/{UPC}_01_01.wav",
        f"{UPC}/resources/{UPC}_01_02.wav",
        f"{UPC}/resources/{UPC}.jpg",
    }
    root = ET.fromstring(archive.read(f"{UPC}/{UPC}.xml"))  # noqa: S314 - our own output
    assert archive.read(f"{UPC}/{UPC}.xml") == manifest.xml

    # Structure: the ERN 4.3 root and its sections in schema order.
    assert root.tag == f"{NS}NewReleaseMessage"
    assert root.get("AvsVersionId") and root.get("LanguageAndScriptCode") == "en"
    assert [child.tag for child in root] == [
        "MessageHeader",
        "PartyList",
        "ResourceList",
        "ReleaseList",
        "DealList",
    ]
    header = root.find("MessageHeader")
    assert [c.tag for c in header] == [
        "MessageThreadId",
        "MessageId",
        "MessageSender",
        "MessageRecipient",
        "MessageCreatedDateTime",
        "MessageControlType",
    ]
    assert header.findtext("MessageId") == manifest.message_id
    assert header.findtext("MessageSender/PartyId") == "PADPIDA2026010101L"
    assert header.findtext("MessageSender/PartyName/FullName") == "Lantern LoFi"
    assert header.findtext("MessageRecipient/PartyId") == "PADPIDA2014120301R"
    assert header.findtext("MessageCreatedDateTime") == "2026-03-01T09:30:00Z"

    # Sound recordings: valid ISRCs, durations and technical details that match the delivered WAVs.
    recordings = root.findall("ResourceList/SoundRecording")
    assert texts(root, "ResourceList/SoundRecording/SoundRecordingEdition/ResourceId/ISRC") == [
        "GBLLF2600001",
        "GBLLF2600002",
    ]
    for recording in recordings:
        code = recording.findtext("SoundRecordingEdition/ResourceId/ISRC")
        assert isrc.is_valid(code)
        delivery = recording.find("SoundRecordingEdition/TechnicalDetails/DeliveryFile")
        assert (delivery.findtext("SamplingRate"), delivery.findtext("BitsPerSample")) == ("44100", "16")
        file = delivery.find("File")
        member = f"{UPC}/{file.findtext('URI')}"
        data = archive.read(member)
        assert file.findtext("HashSum/Algorithm") == "SHA-256"
        assert file.findtext("HashSum/HashSumValue") == hashlib.sha256(data).hexdigest()
        assert file.findtext("FileSize") == str(len(data))
        audio, rate = soundfile.read(io.BytesIO(data))
        info = soundfile.info(io.BytesIO(data))
        assert (rate, info.subtype, info.channels) == (44100, "PCM_16", 2)
        assert recording.findtext("Duration") == iso8601_duration(len(audio) / rate)
    assert [r.findtext("Duration") for r in recordings] == ["PT2S", "PT2S"]  # 2.0 s and 1.5 s (rounded)

    # The delivered audio is the source audio: resampled from 48 kHz, mono copied to both channels.
    first, _ = soundfile.read(io.BytesIO(archive.read(f"{UPC}/resources/{UPC}_01_01.wav")))
    assert abs(len(first) - 2.0 * 44100) <= 64
    assert np.sqrt(np.mean(first**2)) == pytest.approx(0.4 / np.sqrt(2), rel=0.02)
    second, _ = soundfile.read(io.BytesIO(archive.read(f"{UPC}/resources/{UPC}_01_02.wav")))
    assert np.allclose(second[:, 0], second[:, 1], atol=1e-3)

    # Cover image resource with its hash.
    image = root.find("ResourceList/Image")
    assert image.findtext("Type") == "FrontCoverImage"
    cover_file = image.find("TechnicalDetails/File")
    assert cover_file.findtext("HashSum/HashSumValue") == hashlib.sha256(release.cover_path.read_bytes()).hexdigest()
    assert (
        image.findtext("TechnicalDetails/ImageWidth"),
        image.findtext("TechnicalDetails/ImageHeight"),
    ) == ("3000", "3000")

    # Main release with the UPC, its tracks in order and the cover linked; one TrackRelease per track.
    main = root.find("ReleaseList/Release")
    assert main.findtext("ReleaseId/ICPN") == UPC and ean.is_valid(main.findtext("ReleaseId/ICPN"))
    assert main.findtext("ReleaseType") == "EP" and main.findtext("ReleaseDate") == "2026-04-03"
    assert main.findtext("Duration") == iso8601_duration((len(first) + len(second)) / 44100)
    assert texts(main, "ResourceGroup/ResourceGroupContentItem/ReleaseResourceReference") == ["A1", "A2"]
    assert main.findtext("ResourceGroup/LinkedReleaseResourceReference") == image.findtext("ResourceReference")
    track_releases = root.findall("ReleaseList/TrackRelease")
    assert [t.findtext("ReleaseResourceReference") for t in track_releases] == ["A1", "A2"]

    # Deals: worldwide, from the release date, the three commercial models with their uses.
    release_deal = root.find("DealList/ReleaseDeal")
    all_refs = {r.findtext("ReleaseReference") for r in [main, *track_releases]}
    assert set(texts(release_deal, "DealReleaseReference")) == all_refs == {"R0", "R1", "R2"}
    terms = release_deal.findall("Deal/DealTerms")
    assert {t.findtext("CommercialModelType") for t in terms} == {
        "SubscriptionModel",
        "AdvertisementSupportedModel",
        "PayAsYouGoModel",
    }
    assert all(t.findtext("TerritoryCode") == "Worldwide" for t in terms)
    assert all(t.findtext("ValidityPeriod/StartDate") == "2026-04-03" for t in terms)
    uses = {u for t in terms for u in texts(t, "UseType")}
    assert {"Stream", "OnDemandStream", "PermanentDownload"} <= uses

    # Every party reference resolves.
    parties = set(texts(root, "PartyList/Party/PartyReference"))
    used = set(texts(root, ".//ArtistPartyReference")) | set(texts(root, ".//ReleaseLabelReference"))
    assert used <= parties and len(parties) == 3  # label, Lantern, Lantern feat. Moth

    # Manifest hashes agree with the zip too.
    for packaged in manifest.files:
        assert hashlib.sha256(archive.read(packaged.name)).hexdigest() == packaged.sha256


def test_spreadsheet_has_one_row_per_track(release, tmp_path):
    out = io.BytesIO()
    build_delivery_package(release, out, audio_format="flac")
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rows = list(csv.DictReader(io.StringIO(archive.read(f"{UPC}/{UPC}.csv").decode())))
    assert [r["track_title"] for r in rows] == ["Drizzle", "Puddles"]
    assert [r["isrc"] for r in rows] == ["GBLLF2600001", "GBLLF2600002"]
    assert [r["ai_generated"] for r in rows] == ["yes", "no"]
    assert rows[0]["upc"] == UPC and rows[0]["catalogue_number"] == "LLF-001" and rows[0]["duration"] == "00:02"
    assert rows[1]["artist"] == "Lantern feat. Moth" and rows[1]["p_line"] == "2026 Lantern LoFi"
    for row in rows:
        member = f"{UPC}/resources/{row['file_name']}"
        assert member in archive.namelist() and member.endswith(".flac")
        assert soundfile.info(io.BytesIO(archive.read(member))).samplerate == 44100

    standalone = io.StringIO()
    build_delivery_csv(release, standalone)
    assert len(list(csv.DictReader(io.StringIO(standalone.getvalue())))) == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"upc": "123456789013"}, "check digit"),
        ({"sender_dpid": "LABEL"}, "Party ID"),
    ],
)
def test_bad_release_identifiers_are_refused(release, tmp_path, change, message):
    from dataclasses import replace

    with pytest.raises(DeliveryError, match=message):
        build_delivery_package(replace(release, **change), tmp_path / "x.zip")


def test_invalid_or_duplicate_isrc_is_refused(release, tmp_path):
    from dataclasses import replace

    bad = replace(release, tracks=[replace(release.tracks[0], isrc="GB-LLF-26"), release.tracks[1]])
    with pytest.raises(DeliveryError, match="not a valid ISRC"):
        build_delivery_package(bad, tmp_path / "x.zip")
    twice = replace(release, tracks=[release.tracks[0], replace(release.tracks[1], isrc="GBLLF2600001")])
    with pytest.raises(DeliveryError, match="appears twice"):
        build_delivery_package(twice, tmp_path / "x.zip")


def test_small_cover_is_refused(release, tmp_path):
    from dataclasses import replace

    small = tmp_path / "small.jpg"
    Image.new("RGB", (1400, 1400)).save(small)
    with pytest.raises(DeliveryError, match="at least 3000px"):
        build_delivery_package(replace(release, cover_path=small), tmp_path / "x.zip")


def test_a_larger_png_cover_is_delivered_as_a_3000px_jpeg(release, tmp_path):
    from dataclasses import replace

    big = tmp_path / "big.png"
    Image.new("RGB", (3600, 3600), (200, 120, 60)).save(big, "PNG")

    manifest = build_delivery_package(replace(release, cover_path=big), tmp_path / "x.zip")

    archive = zipfile.ZipFile(tmp_path / "x.zip")
    name = f"{UPC}/resources/{UPC}.jpg"
    data = archive.read(name)
    with Image.open(io.BytesIO(data)) as delivered:
        assert (delivered.format, delivered.mode, delivered.size) == ("JPEG", "RGB", (3000, 3000))
    root = ET.fromstring(manifest.xml)  # noqa: S314 - our own output
    details = root.find("ResourceList/Image/TechnicalDetails")
    assert details.findtext("ImageCodecType") == "JPEG"
    assert (details.findtext("ImageWidth"), details.findtext("ImageHeight")) == ("3000", "3000")
    assert details.findtext("File/HashSum/HashSumValue") == hashlib.sha256(data).hexdigest()
