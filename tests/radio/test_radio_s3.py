"""A track stored on S3 (moto's server on a free local port): the AutoDJ answers a presigned URL, which a
listener's Liquidsoap fetches and decodes."""

from __future__ import annotations

import io
import json
import re
import subprocess
import urllib.error
import urllib.request

import boto3
import numpy as np
import pytest
import soundfile
from moto.server import ThreadedMotoServer

from radio.liquidsoap.programs import program_path
from radio.services.stations import autodj_token
from tests.lofi_site.settings_probe import DUMP_SETTINGS, python_with_env
from tests.radio.factories import music, radio_track, station

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

BUCKET = "lantern-radio-test"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


@pytest.fixture
def s3(settings):
    """The default and private storages exactly as settings.py builds them from the S3_* variables."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=BUCKET)
    env = {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
        "S3_ADDRESSING_STYLE": "path",
    }
    result = python_with_env(DUMP_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout)["storages"]
    settings.STORAGES = {**settings.STORAGES, "default": configured["default"], "private": configured["private"]}
    yield endpoint
    server.stop()


def test_a_track_on_s3_is_answered_as_a_presigned_url_liquidsoap_fetches_and_decodes(s3, client, tmp_path):
    audio = music(3.0, sample_rate=44100, level=0.2, seed=4)
    track = radio_track(title="Cloud Tune", audio=audio, sample_rate=44100)
    st = station()

    answer = client.get(
        f"/radio/autodj/{st.slug}/next/", HTTP_AUTHORIZATION=f"Bearer {autodj_token(st)}"
    ).content.decode()

    location = re.sub(r'^annotate:(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*:', "", answer)
    assert location.startswith(f"{s3}/{BUCKET}/private/tracks/{track.uuid}/"), answer
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=" in location
    with pytest.raises(urllib.error.HTTPError):  # private: the object is not readable without the signature
        urllib.request.urlopen(location.split("?")[0], timeout=10)  # noqa: S310 - local emulator
    with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310 - local emulator
        heard, rate = soundfile.read(io.BytesIO(response.read()), dtype="float32", always_2d=True)
    assert rate == 44100 and np.allclose(heard.T, audio, atol=1e-4)

    if program_path("liquidsoap") is None:
        pytest.skip("liquidsoap not installed: the URL was fetched and decoded by Python only")
    # Liquidsoap resolves the whole answer line as request.dynamic does: downloads the file, reads the annotations
    script = tmp_path / "fetch.liq"
    script.write_text(
        "settings.init.allow_root.set(true)\n"
        "settings.log.stdout.set(false)\n"
        f"r = request.create({json.dumps(answer)})\n"
        "ok = request.resolve(timeout=20., r)\n"
        "m = request.metadata(r)\n"
        "print(\"RESOLVED #{ok} DURATION #{request.duration(request.filename(r))} TITLE #{m['title']}\")\n"
        "shutdown()\n"
    )
    result = subprocess.run(["liquidsoap", str(script)], capture_output=True, text=True, timeout=60)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESOLVED")), result.stdout + result.stderr)
    match = re.fullmatch(r"RESOLVED true DURATION ([\d.]+) TITLE Cloud Tune", line)
    assert match, line
    assert abs(float(match.group(1)) - 3.0) < 0.1
