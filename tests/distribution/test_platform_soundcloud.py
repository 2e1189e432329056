"""SoundCloud adapter against a local HTTP server standing in for api/secure.soundcloud.com."""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from distribution.platforms.soundcloud import SoundCloudClient, SoundCloudError


class FakeSoundCloud:
    """Records requests; `track_statuses` lists the HTTP status to answer each POST /tracks with."""

    def __init__(self, track_statuses: list[int]) -> None:
        self.track_statuses = list(track_statuses)
        self.token_requests: list[dict] = []
        self.uploads: list[dict] = []
        self.tokens_issued = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/oauth/token":
                    fake.token_requests.append(
                        {
                            "auth": self.headers["Authorization"],
                            **{k: v[0] for k, v in parse_qs(body.decode()).items()},
                        }
                    )
                    fake.tokens_issued += 1
                    return self._reply(
                        200,
                        {
                            "access_token": f"tok-{fake.tokens_issued}",
                            "expires_in": 3600,
                            "refresh_token": f"ref-{fake.tokens_issued}",
                            "token_type": "bearer",
                        },
                    )
                if self.path == "/tracks":
                    message = BytesParser(policy=HTTP).parsebytes(
                        b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                    )
                    parts = {
                        p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
                        for p in message.iter_parts()
                    }
                    fake.uploads.append(
                        {
                            "auth": self.headers["Authorization"],
                            "parts": parts,
                            "length": int(self.headers["Content-Length"]),
                        }
                    )
                    status = fake.track_statuses.pop(0)
                    if status == 201:
                        return self._reply(
                            201, {"id": 987654, "permalink_url": "https://soundcloud.com/lantern/rain"}
                        )
                    return self._reply(status, {"error": "nope"})
                return self._reply(404, {})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def files(tmp_path):
    audio = tmp_path / "rain.wav"
    audio.write_bytes(b"RIFF" + bytes(range(256)) * 4096)  # 1 MiB, more than one read block
    art = tmp_path / "cover.jpg"
    art.write_bytes(b"\xff\xd8\xff" + b"a" * 5000)
    return audio, art


def make_client(fake: FakeSoundCloud, sleeps: list[float], **kwargs) -> SoundCloudClient:
    return SoundCloudClient(
        client_id="cid",
        client_secret="csecret",
        api_base=fake.base,
        token_url=f"{fake.base}/oauth/token",
        sleep=sleeps.append,
        **kwargs,
    )


def test_upload_gets_a_token_retries_a_503_and_sends_every_field(files):
    audio, art = files
    sleeps: list[float] = []
    with FakeSoundCloud([503, 201]) as fake:
        client = make_client(fake, sleeps)
        result = client.upload_track(
            audio,
            title="Rain",
            description="Soft rain lofi",
            tag_list='lofi "rain sounds"',
            sharing="private",
            artwork_path=art,
        )

    assert (result.track_id, result.permalink_url) == (987654, "https://soundcloud.com/lantern/rain")
    token_request = fake.token_requests[0]
    assert token_request["grant_type"] == "client_credentials"
    assert token_request["auth"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert len(fake.uploads) == 2 and sleeps == [1.0]
    last = fake.uploads[-1]
    assert last["auth"] == "OAuth tok-1"
    parts = last["parts"]
    assert parts["track[title]"] == b"Rain" and parts["track[sharing]"] == b"private"
    assert parts["track[tag_list]"] == b'lofi "rain sounds"'
    assert parts["track[description]"] == b"Soft rain lofi"
    assert parts["track[asset_data]"] == audio.read_bytes()  # streamed intact, retry resent it whole
    assert parts["track[artwork_data]"] == art.read_bytes()


def test_rejected_token_is_refreshed_once(files):
    audio, _ = files
    with FakeSoundCloud([401, 201]) as fake:
        client = make_client(fake, [], access_token="stale", refresh_token="ref-old")
        result = client.upload_track(audio, title="Rain")
    assert result.track_id == 987654
    assert fake.token_requests[0]["grant_type"] == "refresh_token"
    assert fake.token_requests[0]["refresh_token"] == "ref-old"
    assert [u["auth"] for u in fake.uploads] == ["OAuth stale", "OAuth tok-1"]


def test_expired_token_is_renewed_before_uploading(files):
    audio, _ = files
    with FakeSoundCloud([201]) as fake:
        client = make_client(fake, [], access_token="old", expires_at=1000.0, clock=lambda: 5000.0)
        client.upload_track(audio, title="Rain")
    assert len(fake.token_requests) == 1 and fake.uploads[0]["auth"] == "OAuth tok-1"


def test_persistent_server_errors_end_in_a_clear_error(files):
    audio, _ = files
    sleeps: list[float] = []
    with FakeSoundCloud([500, 500, 500]) as fake:
        client = make_client(fake, sleeps, max_retries=2)
        with pytest.raises(SoundCloudError) as raised:
            client.upload_track(audio, title="Rain")
    assert raised.value.status == 500 and sleeps == [1.0, 2.0]
