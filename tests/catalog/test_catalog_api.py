"""/api/v1/ for the catalogue: public reads with filters and pages, staff writes, schema and docs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Release, Track
from tests.factories import (
    ArtistFactory,
    MoodFactory,
    ReleaseFactory,
    ReleaseTrackFactory,
    StyleFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

APPROVED = Track.Status.APPROVED


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # anonymous throttling counts in the cache; each test starts with a clean budget


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def _on_a_release_out(*tracks: Track) -> Release:
    release = ReleaseFactory(status=Release.Status.PUBLISHED)
    for position, track in enumerate(tracks, start=1):
        ReleaseTrackFactory(release=release, track=track, position=position)
    return release


def test_the_public_sees_approved_and_released_tracks_only(anon):
    # All four are on a release that is out (issue 12's rule), so only the status decides.
    _on_a_release_out(
        TrackFactory(title="Draft", status=Track.Status.DRAFT),
        TrackFactory(title="Archived", status=Track.Status.ARCHIVED),
        TrackFactory(title="Approved", status=APPROVED),
        TrackFactory(title="Released", status=Track.Status.RELEASED),
    )

    assert _titles(anon.get("/api/v1/tracks/")) == {"Approved", "Released"}


def test_a_track_is_public_once_its_release_is_out_or_when_licensable_before_release(anon):
    scheduled = ReleaseFactory(status=Release.Status.SCHEDULED)
    ReleaseTrackFactory(release=scheduled, track=TrackFactory(title="Not yet", status=APPROVED), position=1)
    early = TrackFactory(title="Early", status=APPROVED, isrc="QZLF12600001", licensable_before_release=True)
    ReleaseTrackFactory(release=scheduled, track=early, position=2)

    rows = {row["title"]: row for row in anon.get("/api/v1/tracks/").json()["results"]}
    assert set(rows) == {"Early"}
    assert rows["Early"]["isrc"] is None and rows["Early"]["releases"] == []  # no ISRC before release

    out = _on_a_release_out(early)
    row = anon.get("/api/v1/tracks/").json()["results"][0]
    assert (row["isrc"], row["releases"]) == ("QZLF12600001", [str(out.uuid)])


def test_staff_see_drafts_too(editor):
    TrackFactory(title="Draft")

    assert _titles(_token_client(editor).get("/api/v1/tracks/")) == {"Draft"}


def test_track_filters_by_mood_style_key_and_bpm_range(anon):
    chill, focus = MoodFactory(slug="chill"), MoodFactory(slug="focus")
    jazz, ambient = StyleFactory(slug="jazz"), StyleFactory(slug="ambient")
    offered = {"status": APPROVED, "licensable_before_release": True}
    TrackFactory(title="Slow", bpm=68, key="D", mode="minor", style=ambient, moods=[chill], **offered)
    TrackFactory(title="Mid", bpm=84, key="A", mode="minor", style=jazz, moods=[chill, focus], **offered)
    TrackFactory(title="Fast", bpm=96, key="A", mode="major", style=jazz, moods=[focus], **offered)

    assert _titles(anon.get("/api/v1/tracks/", {"mood": "chill"})) == {"Slow", "Mid"}
    assert _titles(anon.get("/api/v1/tracks/", {"style": "jazz"})) == {"Mid", "Fast"}
    assert _titles(anon.get("/api/v1/tracks/", {"key": "A", "mode": "minor"})) == {"Mid"}
    assert _titles(anon.get("/api/v1/tracks/", {"bpm_min": 80, "bpm_max": 90})) == {"Mid"}
    assert _titles(anon.get("/api/v1/tracks/", {"bpm_min": 84})) == {"Mid", "Fast"}
    # A track in two matching moods is listed once.
    assert anon.get("/api/v1/tracks/", {"mood": "chill", "style": "jazz"}).json()["count"] == 1


def test_track_rows_carry_camelot_and_slugs(anon):
    TrackFactory(
        title="Eight A",
        status=APPROVED,
        licensable_before_release=True,
        key="A",
        mode="minor",
        artist=ArtistFactory(slug="kissa"),
        moods=[MoodFactory(slug="cozy")],
    )

    row = anon.get("/api/v1/tracks/").json()["results"][0]

    assert (row["camelot"], row["artist"], row["moods"]) == ("8A", "kissa", ["cozy"])
    assert "id" not in row and len(row["uuid"]) == 36  # outside the label, records go by UUID


def test_lists_are_paginated_fifty_to_a_page(anon):
    TrackFactory.create_batch(60, status=APPROVED, licensable_before_release=True)

    first = anon.get("/api/v1/tracks/").json()
    second = anon.get(first["next"]).json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (60, 50, 10)
    assert second["next"] is None
    assert {r["uuid"] for r in first["results"]}.isdisjoint({r["uuid"] for r in second["results"]})


def test_list_endpoints_query_count_does_not_grow_with_rows(anon):
    def fill(n: int) -> None:
        for _ in range(n):
            track = TrackFactory(status=APPROVED, moods=[MoodFactory(slug="chill")])
            release = ReleaseFactory(status=Release.Status.PUBLISHED)
            ReleaseTrackFactory(release=release, track=track, position=1)

    def queries(path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert anon.get(path).status_code == 200
        return len(captured)

    fill(2)
    few = {path: queries(path) for path in ("/api/v1/tracks/", "/api/v1/releases/", "/api/v1/artists/")}
    fill(48)
    many = {path: queries(path) for path in few}

    assert many == few
    # count + page (+ moods, assets and the releases that are out prefetched for tracks -- each row names its
    # releases since issue 12; the tracklist with its tracks for releases)
    assert many == {"/api/v1/tracks/": 5, "/api/v1/releases/": 3, "/api/v1/artists/": 2}


def test_anonymous_cannot_write(anon):
    artist = ArtistFactory(slug="kissa")

    response = anon.post("/api/v1/tracks/", {"title": "Sneaky", "artist": artist.slug}, format="json")

    assert response.status_code == 401
    assert not Track.objects.filter(title="Sneaky").exists()


def test_an_editor_with_a_token_creates_and_edits_a_draft_track(editor):
    ArtistFactory(slug="kissa")
    StyleFactory(slug="jazz")
    MoodFactory(slug="cozy")
    api = _token_client(editor)

    created = api.post(
        "/api/v1/tracks/",
        {
            "title": "Tea at dusk",
            "artist": "kissa",
            "style": "jazz",
            "moods": ["cozy"],
            "bpm": 78,
            "key": "F",
            "mode": "major",
            "status": "approved",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    uuid = created.json()["uuid"]
    edited = api.patch(f"/api/v1/tracks/{uuid}/", {"bpm": 80}, format="json")

    track = Track.objects.get(uuid=uuid)
    assert edited.status_code == 200
    assert (track.title, track.bpm, track.camelot_code) == ("Tea at dusk", 80, "7B")
    assert [m.slug for m in track.moods.all()] == ["cozy"]
    assert track.status == Track.Status.DRAFT  # status is not writable: approval goes through QC


def test_invalid_writes_are_400s_that_say_why(editor):
    track = TrackFactory()
    api = _token_client(editor)

    bad_bpm = api.patch(f"/api/v1/tracks/{track.uuid}/", {"bpm": -5}, format="json")
    bad_isrc = api.patch(f"/api/v1/tracks/{track.uuid}/", {"isrc": "NOT-AN-ISRC"}, format="json")
    bad_upc = api.post(
        "/api/v1/releases/", {"title": "EP", "artist": track.artist.slug, "upc": "036000291459"}, format="json"
    )

    assert bad_bpm.status_code == 400 and bad_bpm.json() == {"non_field_errors": ["BPM must be above 0."]}
    assert bad_isrc.status_code == 400 and "not a valid ISRC" in bad_isrc.json()["isrc"][0]
    assert bad_upc.status_code == 400 and "last digit should be 2" in bad_upc.json()["upc"][0]


def test_a_va_token_may_fix_track_metadata_but_not_create_releases(va):
    track = TrackFactory()
    api = _token_client(va)

    fixed = api.patch(f"/api/v1/tracks/{track.uuid}/", {"title": "Fixed title"}, format="json")
    refused = api.post("/api/v1/releases/", {"title": "EP", "artist": track.artist.slug}, format="json")

    assert fixed.status_code == 200
    assert refused.status_code == 403
    assert not Release.objects.exists()


def test_finance_cannot_write_the_catalogue(finance):
    track = TrackFactory()

    response = _token_client(finance).patch(f"/api/v1/tracks/{track.uuid}/", {"title": "X"}, format="json")

    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(editor):
    ArtistFactory(slug="kissa")
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(editor)

    response = api.post("/api/v1/artists/", {"name": "New", "slug": "new"}, format="json")

    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_there_is_no_delete(editor):
    track = TrackFactory()

    response = _token_client(editor).delete(f"/api/v1/tracks/{track.uuid}/")

    assert response.status_code == 405
    assert Track.objects.filter(pk=track.pk).exists()


def test_the_public_sees_published_releases_with_their_ordered_tracklist(anon):
    release = ReleaseFactory(title="Night bus", status=Release.Status.PUBLISHED)
    ReleaseFactory(title="Secret", status=Release.Status.DRAFT)
    second, first = TrackFactory(title="Second"), TrackFactory(title="First")
    ReleaseTrackFactory(release=release, track=second, position=2)
    ReleaseTrackFactory(release=release, track=first, position=1)

    body = anon.get("/api/v1/releases/").json()

    assert [r["title"] for r in body["results"]] == ["Night bus"]
    tracklist = body["results"][0]["tracklist"]
    assert [(t["position"], t["title"]) for t in tracklist] == [(1, "First"), (2, "Second")]
    assert anon.get(f"/api/v1/releases/{release.uuid}/").status_code == 200


def test_artists_are_readable_by_slug(anon):
    ArtistFactory(name="Rain on Tin", slug="rain-on-tin")

    assert anon.get("/api/v1/artists/rain-on-tin/").json()["name"] == "Rain on Tin"


def test_openapi_schema_lists_the_catalogue_with_its_filters(anon):
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert response.status_code == 200
    parameters = {p["name"] for p in schema["paths"]["/api/v1/tracks/"]["get"]["parameters"]}
    assert {"mood", "style", "key", "bpm_min", "bpm_max", "page"} <= parameters
    assert {"/api/v1/releases/", "/api/v1/artists/{slug}/"} <= set(schema["paths"])


def test_docs_page_points_the_browser_at_the_schema(anon):
    response = anon.get("/api/docs/")
    # Swagger UI starts from a script file of its own (the Content-Security-Policy refuses inline scripts),
    # and that script names the schema.
    script = anon.get("/api/docs/", {"script": ""})

    assert response.status_code == 200 and script.status_code == 200
    assert "swagger-ui" in response.content.decode().lower()
    assert 'src="/api/docs/?script="' in response.content.decode()
    assert "/api/schema/" in script.content.decode()
