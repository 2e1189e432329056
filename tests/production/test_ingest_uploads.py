"""Uploading through the cockpit (several files in one form) and the API; VAs may look but not upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Track
from production.models import IngestUpload
from tests.production.intel_audio import track_audio, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_tracks_allowed(settings, monkeypatch, queued_tasks):
    settings.INGEST_MIN_DURATION_S = 3.0


def _files(tmp_path) -> list[SimpleUploadedFile]:
    good_wav = write(tmp_path / "Rooftop.wav", track_audio(seed=1))
    good_ogg = write(tmp_path / "Late Tram.ogg", track_audio(seed=2))
    return [
        SimpleUploadedFile("Rooftop.wav", good_wav.read_bytes(), content_type="audio/wav"),
        SimpleUploadedFile("empty.flac", b"", content_type="audio/flac"),
        SimpleUploadedFile("cover.mp3", b"\x89PNG\r\n\x1a\n" + bytes(3000), content_type="audio/mpeg"),
        SimpleUploadedFile("Late Tram.ogg", good_ogg.read_bytes(), content_type="audio/ogg"),
    ]


def test_an_editor_uploads_several_files_in_the_cockpit_and_sees_each_outcome(client, editor, tmp_path):
    client.force_login(editor)
    url = reverse("admin:production_ingest_upload")
    assert b'type="file"' in client.get(reverse("admin:production_ingestupload_add")).content
    page = client.get(url)
    assert page.status_code == 200 and b'type="file"' in page.content and b"multiple" in page.content

    response = client.post(url, {"files": _files(tmp_path), "artist": "Nori Kites"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Imported as" in html and "Refused: empty.flac is empty (0 bytes)." in html
    assert "Refused: cover.mp3 is not an audio file" in html
    assert "2 file(s) imported as draft tracks, 2 refused" in html
    tracks = Track.objects.select_related("artist").order_by("title")
    assert [(t.title, t.artist.name, t.status) for t in tracks] == [
        ("Late Tram", "Nori Kites", "draft"),
        ("Rooftop", "Nori Kites", "draft"),
    ]
    assert set(IngestUpload.objects.values_list("channel", "uploaded_by")) == {("admin", editor.pk)}


def test_a_va_cannot_open_the_upload_form_nor_post_to_it(client, va, tmp_path):
    client.force_login(va)
    url = reverse("admin:production_ingest_upload")

    assert client.get(url).status_code == 403
    assert client.post(url, {"files": _files(tmp_path)[:1]}).status_code == 403
    assert not Track.objects.exists()
    # Looking at what was uploaded is fine.
    assert client.get(reverse("admin:production_ingestupload_changelist")).status_code == 200


def test_the_upload_list_shows_verdicts_without_a_query_per_row(
    client, editor, tmp_path, django_assert_max_num_queries
):
    from production.services.ingest import files_ingest

    paths = [write(tmp_path / f"take {seed}.wav", track_audio(seed=seed)) for seed in range(4)]
    files_ingest(paths=paths, channel=IngestUpload.Channel.CLI)
    client.force_login(editor)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:production_ingestupload_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count('<span class="tone-warn">Not checked yet</span>') == 4


def _api(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_the_api_imports_each_file_and_answers_per_file(editor, tmp_path):
    response = _api(editor).post(
        "/api/v1/uploads/", {"files": _files(tmp_path), "artist": "Nori Kites"}, format="multipart"
    )

    assert response.status_code == 201
    results = response.json()["results"]
    assert [r["file"] for r in results] == ["Rooftop.wav", "empty.flac", "cover.mp3", "Late Tram.ogg"]
    assert [r["error"] is None for r in results] == [True, False, False, True]
    imported = {str(t.uuid): t.title for t in Track.objects.all()}
    assert {results[0]["track"], results[3]["track"]} == set(imported)
    assert results[1]["track"] is None and "empty" in results[1]["error"]
    listing = _api(editor).get("/api/v1/uploads/").json()
    assert {row["original_filename"] for row in listing["results"]} == {"Rooftop.wav", "Late Tram.ogg"}
    assert {row["channel"] for row in listing["results"]} == {"api"}


def test_the_api_answers_400_when_every_file_is_refused(editor):
    response = _api(editor).post(
        "/api/v1/uploads/", {"files": [SimpleUploadedFile("x.wav", b"RIFF")]}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["results"][0]["track"] is None
    assert not Track.objects.exists()


def test_the_api_refuses_vas_and_anonymous_uploaders(va, tmp_path):
    files = _files(tmp_path)[:1]

    assert _api(va).post("/api/v1/uploads/", {"files": files}, format="multipart").status_code == 403
    assert APIClient().post("/api/v1/uploads/", {"files": files}, format="multipart").status_code == 401
    assert APIClient().get("/api/v1/uploads/").status_code == 401
    assert not Track.objects.exists()
