"""Downloads from S3-compatible storage go out as short presigned URLs (moto's S3 server on a local port)."""

from __future__ import annotations

import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer

from monetization import tokens
from monetization.models import DownloadLink, Licence
from tests.monetization.factories import checkout_completed, licensable_track, pending_order, post_event

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

BUCKET = "lofi-sales-test"
CREDENTIALS = {
    "aws_access_key_id": "test-key",
    "aws_secret_access_key": "test-secret",
    "region_name": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_private(s3_endpoint, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "default_acl": "private",
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_master_and_certificate_download_through_presigned_urls(client, s3_private):
    track = licensable_track()
    order = pending_order(tracks_and_tiers=[(track, "creator")])
    post_event(client, checkout_completed(order))
    licence = Licence.objects.get(order_line__order=order)
    master_bytes = track.asset("master").open().read()

    for kind, expected_start in (
        (DownloadLink.Kind.MASTER, master_bytes[:64]),
        (DownloadLink.Kind.CERTIFICATE, b"%PDF"),
    ):
        link = licence.download_links.get(kind=kind)
        response = client.post(f"/downloads/file/{tokens.download_token(link.uuid)}/")

        assert response.status_code == 302
        url = response["Location"]
        assert url.startswith("http://127.0.0.1") and "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
        with urllib.request.urlopen(url, timeout=10) as fetched:  # noqa: S310 - local emulator
            body = fetched.read()
            assert body.startswith(expected_start)
            assert fetched.headers["Content-Disposition"].startswith("attachment")
            assert licence.code in fetched.headers["Content-Disposition"]
        link.refresh_from_db()
        assert link.download_count == 1
