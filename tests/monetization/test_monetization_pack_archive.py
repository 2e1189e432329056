"""Staff download a built sample pack's zip from its cockpit page (to check a build, or to upload it as the
newsletter's free pack); VAs, who hold no monetization permission, cannot."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from monetization.models import SamplePack
from tests.monetization.factories import SamplePackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def built_pack():
    path = storages["private"].save("packs/dusk.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18))
    return SamplePackFactory(slug="dusk", status=SamplePack.Status.READY, archive_path=path)


def test_an_editor_downloads_the_built_zip_from_the_pack_page(client, editor, built_pack):
    client.force_login(editor)

    page = client.get(reverse("admin:monetization_samplepack_change", args=[built_pack.pk])).content.decode()
    response = client.get(reverse("admin:monetization_samplepack_archive", args=[built_pack.pk]))

    assert "Download dusk.zip" in page
    assert response.status_code == 200 and 'filename="dusk.zip"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_an_unbuilt_pack_offers_no_download(client, editor):
    pack = SamplePackFactory()
    client.force_login(editor)

    assert client.get(reverse("admin:monetization_samplepack_archive", args=[pack.pk])).status_code == 404


def test_a_va_cannot_download_a_pack(client, va, built_pack):
    client.force_login(va)

    assert client.get(reverse("admin:monetization_samplepack_archive", args=[built_pack.pk])).status_code == 403
