"""S3-compatible storages from the S3_* variables, proven against moto's S3 server on a free local port."""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

from catalog import services
from catalog.models import Asset
from tests.factories import ReleaseFactory, TrackFactory
from tests.lofi_site.settings_probe import DUMP_SETTINGS, python_with_env

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

BUCKET = "lantern-lofi-test"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings):
    """The bucket, and the default/private storages exactly as settings.py builds them from S3_* variables."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    result = python_with_env(
        DUMP_SETTINGS,
        {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "test-key",
            "S3_SECRET_ACCESS_KEY": "test-secret",
            "S3_ADDRESSING_STYLE": "path",
        },
    )
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout)["storages"]
    settings.STORAGES = {**settings.STORAGES, "default": configured["default"], "private": configured["private"]}
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_both_storages_are_s3(s3):
    assert type(storages["default"]).__name__ == "S3Storage"
    assert type(storages["private"]).__name__ == "S3Storage"


def test_a_master_goes_to_the_private_prefix_and_is_only_reachable_by_a_short_presigned_url(s3):
    track = TrackFactory()
    audio = b"RIFF" + bytes(range(256)) * 8

    master = services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=audio,
        filename="master.wav",
        format="wav",
        sample_rate=44100,
        bit_depth=24,
        channels=2,
    )

    key = f"private/{master.path}"
    assert key in _keys(s3)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == audio
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only: no public-read grant
    assert master.url == ""  # the model never hands out a URL for private files
    signed = storages["private"].url(master.path)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed
    with urllib.request.urlopen(signed, timeout=10) as response:  # noqa: S310 - local emulator
        assert response.read() == audio


def test_a_preview_goes_to_the_public_prefix_with_a_plain_url(s3, s3_endpoint):
    track = TrackFactory()

    preview = services.asset_store(
        track=track, kind=Asset.Kind.PREVIEW, content=b"ID3 preview", filename="preview.mp3", format="mp3"
    )

    assert f"public/{preview.path}" in _keys(s3)
    assert preview.url == f"{s3_endpoint}/{BUCKET}/public/{preview.path}"


def test_replacing_a_file_removes_the_old_object(s3):
    track = TrackFactory()
    first = services.asset_store(track=track, kind=Asset.Kind.PREVIEW, content=b"1", filename="preview.mp3")

    second = services.asset_store(track=track, kind=Asset.Kind.PREVIEW, content=b"2", filename="preview.mp3")

    assert first.path != second.path  # file_overwrite is off: a new name, never a silent overwrite
    assert {k for k in _keys(s3) if k.startswith(f"public/tracks/{track.uuid}/")} == {f"public/{second.path}"}


def test_release_artwork_is_stored_in_the_public_bucket_prefix(s3):
    release = ReleaseFactory()

    release.artwork.save("cover.jpg", ContentFile(b"\xff\xd8\xff not a real jpeg"), save=True)

    assert f"public/{release.artwork.name}" in _keys(s3)
