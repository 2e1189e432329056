"""Delivery packages from a release with real short audio: DDEX ERN 4.3 XML, 16-bit/44.1 kHz WAVs, the cover
and a CSV zipped into private storage; downloadable by VAs; refused with every missing thing named."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
import soundfile as sf
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse

from distribution import services, tasks
from distribution.models import DeliveryPackage, Platform
from distribution.services import delivery as delivery_services
from tests.distribution.conftest import VALID_UPC, build_release
from tests.distribution.factories import PlatformAccountFactory
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
ERN = "{http://ddex.net/xml/ern/43}"
LABEL_DPID = "PADPIDA2026010101L"
DISTRIBUTOR_DPID = "PADPIDA2014120301X"


@pytest.fixture
def distributor(settings):
    settings.DDEX_SENDER_DPID = LABEL_DPID
    return PlatformAccountFactory(
        name="Aggregator", platform=Platform.DDEX_DISTRIBUTOR, config={"recipient_dpid": DISTRIBUTOR_DPID}
    )


def _zip(package: DeliveryPackage) -> zipfile.ZipFile:
    with storages["private"].open(package.path, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_a_package_holds_the_ern_message_converted_audio_cover_and_csv(editor, distributor):
    release = build_release(kind="ep", tracks=2, seconds=1.5)
    services.release_metadata_generate(release=release, actor=editor)
    isrcs = [rt.track.isrc for rt in release.release_tracks.select_related("track").order_by("position")]

    package = delivery_services.delivery_package_build(release=release, account=distributor)

    assert package.status == DeliveryPackage.Status.READY
    assert storages["private"].exists(package.path) and not storages["default"].exists(package.path)
    with storages["private"].open(package.path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == package.sha256
    archive = _zip(package)
    names = set(archive.namelist())
    root = VALID_UPC
    assert {
        f"{root}/{root}.xml",
        f"{root}/{root}.csv",
        f"{root}/resources/{root}.jpg",
        f"{root}/resources/{root}_01_01.wav",
        f"{root}/resources/{root}_01_02.wav",
    } == names
    audio, rate = sf.read(io.BytesIO(archive.read(f"{root}/resources/{root}_01_01.wav")))
    info = sf.info(io.BytesIO(archive.read(f"{root}/resources/{root}_01_01.wav")))
    assert (rate, info.subtype, audio.shape[1]) == (44100, "PCM_16", 2)
    assert audio.shape[0] / rate == pytest.approx(1.5, abs=0.01)  # resampled from the 22.05 kHz master
    xml = ET.fromstring(archive.read(f"{root}/{root}.xml"))  # noqa: S314 - our own package
    assert xml.tag == f"{ERN}NewReleaseMessage"
    assert xml.findtext("MessageHeader/MessageSender/PartyId") == LABEL_DPID
    assert xml.findtext("MessageHeader/MessageRecipient/PartyId") == DISTRIBUTOR_DPID
    assert xml.findtext("ReleaseList/Release/ReleaseId/ICPN") == VALID_UPC
    assert [e.text for e in xml.iter("ISRC")] == isrcs
    rows = list(csv.DictReader(io.StringIO(archive.read(f"{root}/{root}.csv").decode())))
    assert [r["isrc"] for r in rows] == isrcs and {r["ai_generated"] for r in rows} == {"yes"}
    assert {f["name"] for f in package.manifest} == names


def test_missing_data_is_named_before_any_work_and_the_package_says_failed(editor, settings):
    settings.DDEX_SENDER_DPID = ""
    store = PlatformAccountFactory(name="DistroKid", platform=Platform.DISTROKID)
    release = ReleaseFactory(upc=None)

    with pytest.raises(ValidationError) as raised:
        delivery_services.delivery_package_build(release=release, account=store)

    messages = raised.value.messages
    assert "The release needs a UPC/EAN." in messages
    assert "The release has no cover." in messages
    assert "The release has no tracks." in messages
    assert any("DDEX_SENDER_DPID" in m for m in messages)
    assert "Set the recipient's DDEX Party ID (recipient_dpid in the config of the account 'DistroKid')." in messages
    package = DeliveryPackage.objects.get(release=release, account=store)
    assert package.status == DeliveryPackage.Status.FAILED and "UPC/EAN" in package.error
    tasks.delivery_package_build_task(release.pk, store.pk)  # the task records the refusal, no crash


def test_a_va_downloads_the_package_from_the_cockpit(client, va, editor, distributor):
    release = build_release(seconds=1.0)
    package = delivery_services.delivery_package_build(release=release, account=distributor)
    client.force_login(va)

    response = client.get(reverse("admin:distribution_deliverypackage_download", args=[package.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{VALID_UPC}-ddex_distributor.zip"'
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == package.sha256
    client.logout()
    assert client.get(reverse("admin:distribution_deliverypackage_download", args=[package.pk])).status_code == 302


def test_the_command_builds_a_package_and_prints_where_it_is(distributor):
    release = build_release(seconds=1.0)
    out = io.StringIO()

    call_command("build_delivery_package", str(release.uuid), "Aggregator", stdout=out)

    package = DeliveryPackage.objects.get(release=release, account=distributor)
    assert out.getvalue().strip() == f"{package.path} {package.size_bytes} bytes sha256 {package.sha256}"
    with pytest.raises(CommandError, match="No such platform account"):
        call_command("build_delivery_package", str(release.uuid), "Nobody")
