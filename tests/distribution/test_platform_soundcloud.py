"""SoundCloud adapter against a local HTTP server standing in for api/secure.soundcloud.com: the OAuth 2.1
authorization-code flow with PKCE, single-use refresh tokens handed over at once, streamed multipart uploads."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from distribution.platforms.soundcloud import SoundCloudClient, SoundCloudError, authorization_url


class FakeSoundCloud:
    """Records requests; `track_statuses` lists the HTTP status to answer each POST /tracks with."""

    def __init__(self, track_statuses: list[int]) -> None:
        self.track_statuses = list(track_statuses)
        self.token_requests: list[dict] = []
        self.uploads: list[dict] = []
        self.reads: list[str] = []
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
                        return self._reply(201, {"id": 987654, "permalink_url": "https://soundcloud.com/lantern/rain"})
                    return self._reply(status, {"error": "nope"})
                return self._reply(404, {})

            def do_GET(self):
                fake.reads.append(self.headers["Authorization"])
                if self.path == "/me":
                    return self._reply(
                        200,
                        {
                            "id": 31337,
                            "urn": "soundcloud:users:31337",
                            "username": "Lantern LoFi",
                            "permalink_url": "https://soundcloud.com/lantern-lofi",
                        },
                    )
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


def test_consent_url_carries_a_pkce_challenge_and_the_code_is_traded_for_tokens():
    url, verifier = authorization_url(
        client_id="cid", redirect_uri="https://cockpit/cb", state="st-1", authorize_url="https://sc/authorize"
    )
    query = parse_qs(urlparse(url).query)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["response_type"] == ["code"] and query["client_id"] == ["cid"]
    assert query["redirect_uri"] == ["https://cockpit/cb"] and query["state"] == ["st-1"]
    assert query["code_challenge"] == [challenge] and query["code_challenge_method"] == ["S256"]
    assert 43 <= len(verifier) <= 128

    issued = []
    with FakeSoundCloud([]) as fake:
        client = make_client(fake, [], on_token=issued.append)
        token = client.exchange_code("the-code", redirect_uri="https://cockpit/cb", code_verifier=verifier)
        user = client.me()

    sent = fake.token_requests[0]
    assert sent["grant_type"] == "authorization_code" and sent["code"] == "the-code"
    assert sent["code_verifier"] == verifier and sent["redirect_uri"] == "https://cockpit/cb"
    assert sent["auth"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert (token.access_token, token.refresh_token) == ("tok-1", "ref-1") and issued == [token]
    assert (user.user_id, user.username) == ("soundcloud:users:31337", "Lantern LoFi")
    assert fake.reads == ["OAuth tok-1"]


def test_an_account_that_was_never_connected_is_refused_before_any_request(files):
    audio, _ = files
    with FakeSoundCloud([201]) as fake:
        client = make_client(fake, [])
        with pytest.raises(SoundCloudError, match="not connected"):
            client.upload_track(audio, title="Rain")
    assert fake.token_requests == [] and fake.uploads == []  # no client-credentials token: it cannot upload


def test_upload_retries_a_503_and_sends_every_field(files):
    audio, art = files
    sleeps: list[float] = []
    with FakeSoundCloud([503, 201]) as fake:
        client = make_client(fake, sleeps, access_token="tok-live", refresh_token="ref-live")
        result = client.upload_track(
            audio,
            title="Rain",
            description="Soft rain lofi",
            tag_list='lofi "rain sounds"',
            sharing="private",
            artwork_path=art,
        )

    assert (result.track_id, result.permalink_url) == (987654, "https://soundcloud.com/lantern/rain")
    assert fake.token_requests == []
    assert len(fake.uploads) == 2 and sleeps == [1.0]
    last = fake.uploads[-1]
    assert last["auth"] == "OAuth tok-live"
    parts = last["parts"]
    assert parts["track[title]"] == b"Rain" and parts["track[sharing]"] == b"private"
    assert parts["track[tag_list]"] == b'lofi "rain sounds"'
    assert parts["track[description]"] == b"Soft rain lofi"
    assert parts["track[asset_data]"] == audio.read_bytes()  # streamed intact, retry resent it whole
    assert parts["track[artwork_data]"] == art.read_bytes()


def test_rejected_token_is_refreshed_once_and_the_new_pair_handed_over(files):
    audio, _ = files
    issued = []
    with FakeSoundCloud([401, 201]) as fake:
        client = make_client(fake, [], access_token="stale", refresh_token="ref-old", on_token=issued.append)
        result = client.upload_track(audio, title="Rain")
    assert result.track_id == 987654
    assert fake.token_requests[0]["grant_type"] == "refresh_token"
    assert fake.token_requests[0]["refresh_token"] == "ref-old"
    assert [u["auth"] for u in fake.uploads] == ["OAuth stale", "OAuth tok-1"]
    assert [(t.access_token, t.refresh_token) for t in issued] == [("tok-1", "ref-1")]  # single-use: keep it


def test_without_a_refresh_token_an_expired_token_asks_to_connect_again(files):
    audio, _ = files
    with FakeSoundCloud([201]) as fake:
        client = make_client(fake, [], access_token="old", expires_at=1000.0, clock=lambda: 5000.0)
        with pytest.raises(SoundCloudError, match="connect the SoundCloud account again"):
            client.upload_track(audio, title="Rain")
    assert fake.uploads == []


def test_expired_token_is_renewed_before_uploading(files):
    audio, _ = files
    with FakeSoundCloud([201]) as fake:
        client = make_client(
            fake, [], access_token="old", refresh_token="ref-old", expires_at=1000.0, clock=lambda: 5000.0
        )
        client.upload_track(audio, title="Rain")
    assert len(fake.token_requests) == 1 and fake.uploads[0]["auth"] == "OAuth tok-1"


def test_persistent_server_errors_end_in_a_clear_error(files):
    audio, _ = files
    sleeps: list[float] = []
    with FakeSoundCloud([500, 500, 500]) as fake:
        client = make_client(fake, sleeps, max_retries=2, access_token="tok-live")
        with pytest.raises(SoundCloudError) as raised:
            client.upload_track(audio, title="Rain")
    assert raised.value.status == 500 and sleeps == [1.0, 2.0]
