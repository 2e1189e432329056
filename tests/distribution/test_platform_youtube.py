"""YouTube client against googleapiclient's HttpMockSequence: no network, real request building."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from googleapiclient.http import HttpMockSequence

from distribution.platforms.youtube import (
    QUOTA_COSTS,
    SCOPES,
    QuotaExceeded,
    QuotaLedger,
    YouTubeClient,
    YouTubeError,
    authorization_url,
    credentials_from_dict,
    exchange_code,
    next_quota_reset,
    pacific_day,
)

CHUNK = 256 * 1024
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 05:00 PDT: daylight time began on 8 March 2026


@dataclass
class Meta:
    title: str = "Rainy Window · lofi beats"
    description: str = "Chill.\n\n[ref:pub-123]"
    tags: list[str] = field(default_factory=lambda: ["lofi", "study music"])


def ok(body: dict | None = None, **headers: str) -> tuple[dict, str]:
    return {"status": "200", **headers}, json.dumps(body or {})


def error(status: int, reason: str = "backendError") -> tuple[dict, str]:
    body = {"error": {"code": status, "message": reason, "errors": [{"reason": reason, "domain": "youtube"}]}}
    return {"status": str(status)}, json.dumps(body)


def resume_incomplete(last_byte: int | None) -> tuple[dict, str]:
    headers = {"status": "308"}
    if last_byte is not None:
        headers["range"] = f"bytes=0-{last_byte}"
    return headers, ""


def client_for(responses, **kwargs) -> tuple[YouTubeClient, HttpMockSequence, list[float]]:
    http = HttpMockSequence(list(responses))
    sleeps: list[float] = []
    client = YouTubeClient(http=http, sleep=sleeps.append, clock=lambda: NOW, jitter=lambda: 0.0, **kwargs)
    return client, http, sleeps


@pytest.fixture
def video_file(tmp_path):
    path = tmp_path / "video.mp4"
    path.write_bytes(bytes(range(256)) * (3 * CHUNK // 256))  # exactly three chunks
    return path


def test_upload_resumes_after_a_503_and_a_308_and_sends_schedule_and_disclosure(video_file):
    size = video_file.stat().st_size
    client, http, sleeps = client_for(
        [
            ok(location="https://upload.example/resumable?upload_id=u1"),  # session opened
            resume_incomplete(CHUNK - 1),  # chunk 1 stored
            error(503),  # chunk 2 lost
            resume_incomplete(CHUNK - 1),  # status query: the server still has only chunk 1
            resume_incomplete(2 * CHUNK - 1),  # chunk 2 stored on the second try
            ok({"id": "vid123", "status": {"privacyStatus": "private"}}),  # chunk 3 completes the upload
        ]
    )
    publish_at = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)

    result = client.upload_video(
        video_file,
        Meta(),
        publish_at=publish_at,
        made_for_kids=False,
        contains_synthetic_media=True,
        chunk_size=CHUNK,
    )

    assert result.video_id == "vid123" and result.created and result.retries == 1
    assert sleeps == [1.0]  # one backoff, first step of the exponential series
    uris = [r[0] for r in http.request_sequence]
    assert "uploadType=resumable" in uris[0]
    init_body = json.loads(http.request_sequence[0][2])
    assert init_body["status"] == {
        "privacyStatus": "private",
        "publishAt": "2026-03-20T17:30:00Z",
        "selfDeclaredMadeForKids": False,
        "containsSyntheticMedia": True,
    }
    assert init_body["snippet"]["title"] == Meta.title and init_body["snippet"]["tags"] == [
        "lofi",
        "study music",
    ]
    headers = [r[3] for r in http.request_sequence]
    assert headers[3]["Content-Range"] == f"bytes */{size}"  # asked the server where to resume
    assert headers[4]["Content-Range"] == f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}"  # resent chunk 2 only
    assert headers[5]["Content-Range"] == f"bytes {2 * CHUNK}-{size - 1}/{size}"
    assert client.units_spent == QUOTA_COSTS["videos.insert"]


def test_upload_resumes_after_a_dropped_connection(video_file):
    class FlakyHttp(HttpMockSequence):
        calls = 0

        def request(self, uri, method="GET", body=None, headers=None, **kwargs):
            FlakyHttp.calls += 1
            if FlakyHttp.calls == 2:
                self.request_sequence.append((uri, method, body, headers))
                raise ConnectionResetError("peer went away")
            return super().request(uri, method, body, headers, **kwargs)

    http = FlakyHttp(
        [
            ok(location="https://upload.example/resumable?upload_id=u2"),
            resume_incomplete(None),  # status query: nothing stored yet
            resume_incomplete(CHUNK - 1),
            resume_incomplete(2 * CHUNK - 1),
            ok({"id": "vid9"}),
        ]
    )
    sleeps: list[float] = []
    client = YouTubeClient(http=http, sleep=sleeps.append, clock=lambda: NOW, jitter=lambda: 0.0)

    result = client.upload_video(video_file, Meta(), chunk_size=CHUNK)

    assert result.video_id == "vid9" and result.retries == 1 and sleeps == [1.0]


def test_upload_gives_up_after_max_retries(video_file):
    client, _, sleeps = client_for([ok(location="https://upload.example/r"), *[error(503)] * 4], max_retries=2)
    with pytest.raises(YouTubeError) as raised:
        client.upload_video(video_file, Meta(), chunk_size=CHUNK)
    assert raised.value.status == 503
    assert sleeps == [1.0, 2.0]  # exponential backoff between attempts


def test_quota_exhaustion_raises_with_the_next_pacific_midnight(video_file):
    client, http, sleeps = client_for([error(403, "quotaExceeded")])

    with pytest.raises(QuotaExceeded) as raised:
        client.upload_video(video_file, Meta(), chunk_size=CHUNK)

    # 12:00 UTC on 10 March 2026 is 05:00 PDT; the quota day ends at 00:00 PDT on 11 March = 07:00 UTC.
    assert raised.value.resume_at == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
    assert sleeps == [] and len(http.request_sequence) == 1  # a spent quota is not retried


def test_daily_limit_exceeded_on_a_list_call_is_a_quota_error():
    client, _, _ = client_for([error(403, "dailyLimitExceeded")])
    with pytest.raises(QuotaExceeded):
        client.video_status(["a"])


def test_local_ledger_refuses_an_upload_that_does_not_fit_before_calling_the_api(video_file):
    ledger = QuotaLedger(used_units=9000, day=pacific_day(NOW))
    client, http, _ = client_for([], ledger=ledger)
    with pytest.raises(QuotaExceeded) as raised:
        client.upload_video(video_file, Meta(), chunk_size=CHUNK)
    assert raised.value.resume_at == next_quota_reset(NOW)
    assert http.request_sequence == []


def test_redelivered_publish_finds_the_existing_video_and_uploads_nothing(video_file):
    client, http, _ = client_for(
        [
            ok({"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "UUchan"}}}]}),
            ok(
                {
                    "items": [
                        {"snippet": {"description": "another video", "resourceId": {"videoId": "other"}}},
                        {
                            "snippet": {
                                "description": "Chill.\n\n[ref:pub-123]",
                                "resourceId": {"videoId": "vidOLD"},
                            }
                        },
                    ]
                }
            ),
        ]
    )

    result = client.upload_video(video_file, Meta(), existing_video_id_lookup="[ref:pub-123]", chunk_size=CHUNK)

    assert result.video_id == "vidOLD" and not result.created
    uris = [r[0] for r in http.request_sequence]
    assert len(uris) == 2 and "channels" in uris[0] and "playlistId=UUchan" in uris[1]
    assert not any("videos" in u for u in uris)  # no insert happened
    assert client.units_spent == 2


def test_marker_not_found_goes_on_to_upload(video_file):
    client, _, _ = client_for(
        [
            ok({"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "UUchan"}}}]}),
            ok({"items": [{"snippet": {"description": "x", "resourceId": {"videoId": "other"}}}]}),
            ok(location="https://upload.example/r3"),
            ok({"id": "fresh"}),
        ]
    )
    result = client.upload_video(video_file, Meta(), existing_video_id_lookup="[ref:pub-123]", chunk_size=-1)
    assert result.video_id == "fresh" and result.created


def test_known_video_id_short_circuits(video_file):
    client, http, _ = client_for([])
    assert client.upload_video(video_file, Meta(), known_video_id="vidX").video_id == "vidX"
    assert http.request_sequence == []


def test_thumbnail_is_uploaded_for_the_video(tmp_path):
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 100)
    client, http, _ = client_for([ok({"items": [{"default": {"url": "https://i.ytimg.com/x.jpg"}}]})])

    result = client.set_thumbnail("vid123", thumb)

    uri, method, body, headers = http.request_sequence[0]
    assert method == "POST" and "thumbnails/set" in uri and parse_qs(urlparse(uri).query)["videoId"] == ["vid123"]
    assert headers["content-type"] == "image/jpeg" and body == thumb.read_bytes()
    assert result["default"]["url"].endswith("x.jpg")
    assert client.units_spent == 50


def test_ensure_playlist_creates_missing_playlist_and_adds_video_once():
    client, http, _ = client_for(
        [
            ok({"items": [{"id": "PLother", "snippet": {"title": "Other"}}], "nextPageToken": "p2"}),
            ok({"items": [{"id": "PLmore", "snippet": {"title": "More"}}]}),
            ok({"id": "PLnew"}),
            ok({"items": []}),  # video not in the playlist yet
            ok({"id": "ITEM1"}),
        ]
    )

    playlist_id = client.ensure_playlist("Rainy Lofi", "Rainy beats")
    item_id = client.add_to_playlist(playlist_id, "vid123")

    assert (playlist_id, item_id) == ("PLnew", "ITEM1")
    insert_playlist = json.loads(http.request_sequence[2][2])
    assert insert_playlist["snippet"] == {"title": "Rainy Lofi", "description": "Rainy beats"}
    insert_item = json.loads(http.request_sequence[4][2])
    assert insert_item["snippet"] == {
        "playlistId": "PLnew",
        "resourceId": {"kind": "youtube#video", "videoId": "vid123"},
    }
    assert "pageToken=p2" in http.request_sequence[1][0]


def test_existing_playlist_and_item_are_reused():
    client, http, _ = client_for(
        [
            ok({"items": [{"id": "PLrain", "snippet": {"title": "Rainy Lofi"}}]}),
            ok({"items": [{"id": "ITEMold"}]}),
        ]
    )
    assert client.ensure_playlist("Rainy Lofi") == "PLrain"
    assert client.add_to_playlist("PLrain", "vid123") == "ITEMold"
    assert [r[1] for r in http.request_sequence] == ["GET", "GET"]  # nothing inserted


def test_video_status_and_statistics_are_read():
    client, http, _ = client_for(
        [
            ok(
                {
                    "items": [
                        {
                            "id": "v1",
                            "status": {
                                "privacyStatus": "private",
                                "uploadStatus": "processed",
                                "publishAt": "2026-03-20T17:30:00Z",
                            },
                            "processingDetails": {"processingStatus": "succeeded"},
                        }
                    ]
                }
            ),
            ok(
                {
                    "items": [
                        {
                            "id": "v1",
                            "statistics": {"viewCount": "1200", "likeCount": "88", "commentCount": "7"},
                        }
                    ]
                }
            ),
        ]
    )
    state = client.video_status(["v1"])["v1"]
    stats = client.video_statistics(["v1"])["v1"]
    assert (state.privacy_status, state.processing_status, state.publish_at) == (
        "private",
        "succeeded",
        "2026-03-20T17:30:00Z",
    )
    assert (stats.views, stats.likes, stats.comments) == (1200, 88, 7)
    assert "part=status%2CprocessingDetails" in http.request_sequence[0][0]


def test_transient_errors_on_reads_are_retried():
    client, _, sleeps = client_for([error(500), error(502), ok({"items": []})])
    assert client.video_status(["v1"]) == {}
    assert sleeps == [1.0, 2.0]


def test_comment_threads_stop_at_already_synced_comments_and_replies_post():
    def thread(tid: str, when: str) -> dict:
        return {
            "id": tid,
            "snippet": {
                "totalReplyCount": 1,
                "topLevelComment": {
                    "id": f"c{tid}",
                    "snippet": {
                        "authorDisplayName": "Ana",
                        "authorChannelId": {"value": "UCana"},
                        "textDisplay": "love it",
                        "publishedAt": when,
                        "likeCount": 3,
                    },
                },
            },
        }

    client, http, _ = client_for(
        [
            ok(
                {
                    "items": [thread("t2", "2026-03-10T10:00:00Z"), thread("t1", "2026-03-01T10:00:00Z")],
                    "nextPageToken": "more",
                }
            ),
            ok({"id": "reply1"}),
        ]
    )
    page = client.comment_threads("vid123", published_after=datetime(2026, 3, 5, tzinfo=UTC))
    reply_id = client.insert_reply("ct2", "Thank you!")

    assert [t.thread_id for t in page.threads] == ["t2"] and page.next_page_token is None
    assert page.threads[0].top_comment_id == "ct2" and page.threads[0].author_channel_id == "UCana"
    assert reply_id == "reply1"
    assert json.loads(http.request_sequence[1][2]) == {"snippet": {"parentId": "ct2", "textOriginal": "Thank you!"}}


def test_quota_ledger_counts_pacific_days():
    ledger = QuotaLedger(used_units=8_500, day=date(2026, 3, 10))
    assert ledger.fits("videos.list", NOW) and not ledger.fits("videos.insert", NOW)
    assert ledger.resume_at("videos.insert", NOW) == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
    spent = ledger.spend("thumbnails.set", NOW)
    assert spent.used_units == 8_550 and ledger.used_units == 8_500
    # 08:30 UTC on 11 March is 01:30 PDT on 11 March: a new quota day, the count starts again.
    tomorrow = NOW + timedelta(hours=20, minutes=30)
    assert ledger.remaining(tomorrow) == 10_000 and ledger.fits("videos.insert", tomorrow)
    # In winter the reset is at 08:00 UTC (PST).
    assert next_quota_reset(datetime(2026, 1, 15, 9, 0, tzinfo=UTC)) == datetime(2026, 1, 16, 8, 0, tzinfo=UTC)


def test_authorization_url_asks_for_offline_access_with_pkce():
    config = {
        "web": {
            "client_id": "cid.apps",
            "client_secret": "sec",
            "redirect_uris": ["https://x/cb"],
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    }
    url, state, verifier = authorization_url(config, "https://x/cb")
    query = parse_qs(urlparse(url).query)
    assert query["client_id"] == ["cid.apps"] and query["access_type"] == ["offline"]
    assert query["state"] == [state] and "code_challenge" in query and len(verifier) >= 43
    assert set(query["scope"][0].split()) == set(SCOPES)


def test_exchange_code_returns_storable_credentials(monkeypatch):
    received: dict = {}

    class TokenHandler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.update(parse_qs(self.rfile.read(length).decode()))
            payload = json.dumps(
                {
                    "access_token": "at-1",
                    "refresh_token": "rt-1",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                    "scope": " ".join(SCOPES),
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), TokenHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local test server speaks plain HTTP
    config = {
        "web": {
            "client_id": "cid.apps",
            "client_secret": "sec",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"http://127.0.0.1:{server.server_port}/token",
        }
    }
    try:
        _, state, verifier = authorization_url(config, "https://x/cb")
        stored = exchange_code(config, "https://x/cb", "the-code", state=state, code_verifier=verifier)
    finally:
        server.shutdown()
        server.server_close()

    assert received["code"] == ["the-code"] and received["code_verifier"] == [verifier]
    assert stored["token"] == "at-1" and stored["refresh_token"] == "rt-1" and stored["expiry"]
    json.dumps(stored)  # storable as JSON
    credentials = credentials_from_dict(stored)
    assert credentials.refresh_token == "rt-1" and credentials.valid
