"""Public media under `make run` answers Range requests, so a browser can seek in a preview."""

from __future__ import annotations

import pytest
from django.urls import path

from lofi_site.media_views import media_serve
from lofi_site.urls import urlpatterns as site_urlpatterns

# The site adds this route only when DEBUG is on at import; the rest is there for the error pages' links.
urlpatterns = [path("media/<path:path>", media_serve), *site_urlpatterns]
pytestmark = pytest.mark.urls(__name__)

BODY = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def preview(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "previews").mkdir()
    (tmp_path / "previews" / "p.wav").write_bytes(BODY)
    return "/media/previews/p.wav"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_plain_request_gets_the_whole_file_and_learns_ranges_work(client, preview):
    response = client.get(preview)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == BODY


def test_a_range_request_gets_exactly_those_bytes(client, preview):
    response = client.get(preview, HTTP_RANGE="bytes=1000-1999")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(BODY)}"
    assert _body(response) == BODY[1000:2000]


def test_open_ended_and_suffix_ranges(client, preview):
    assert _body(client.get(preview, HTTP_RANGE="bytes=10000-")) == BODY[10000:]
    assert _body(client.get(preview, HTTP_RANGE="bytes=-100")) == BODY[-100:]


def test_a_range_past_the_end_is_refused_with_416(client, preview):
    response = client.get(preview, HTTP_RANGE=f"bytes={len(BODY)}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(BODY)}"


def test_nothing_outside_the_media_folder_is_served(client, preview, tmp_path):
    (tmp_path.parent / "secret.txt").write_text("not public")
    client.raise_request_exception = False

    assert client.get("/media/../secret.txt").status_code in (400, 404)
    assert client.get("/media/nope.wav", HTTP_RANGE="bytes=0-10").status_code == 404
