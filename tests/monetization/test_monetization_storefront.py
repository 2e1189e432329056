"""The public storefront as a new visitor uses it: home, browse and search, track pages, licences, API."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.models import Track
from tests.factories import MoodFactory, ReleaseFactory, ReleaseTrackFactory, StyleFactory
from tests.monetization.factories import licensable_track

pytestmark = pytest.mark.django_db


def test_home_shows_featured_releases_new_tracks_and_tiers(client):
    track = licensable_track(title="Lamplight")
    release = ReleaseFactory(title="Night Shift EP", status="published", release_date=dt.date(2026, 1, 9))
    ReleaseTrackFactory(release=release, track=track, position=1)
    ReleaseFactory(title="Unreleased Draft", status="draft")

    body = client.get("/").content.decode()

    assert "Night Shift EP" in body and "Unreleased Draft" not in body
    assert "Lamplight" in body
    assert "Creator" in body and "$29.00" in body
    release_page = client.get(f"/releases/{release.uuid}/", follow=True).content.decode()  # old address redirects
    assert "Lamplight" in release_page


def test_browse_filters_by_mood_style_bpm_key_and_length(client):
    chill, sad = MoodFactory(slug="chill"), MoodFactory(slug="sad")
    jazz, ambient = StyleFactory(slug="jazz"), StyleFactory(slug="ambient")
    a = licensable_track(
        title="Slow Jazz Rain", bpm=70, key="A", mode="minor", duration_s=150, style=jazz, moods=[chill]
    )
    b = licensable_track(
        title="Fast Ambient", bpm=95, key="C", mode="major", duration_s=400, style=ambient, moods=[sad]
    )
    draft = licensable_track(title="Draft Jazz", bpm=70, style=jazz, moods=[chill])
    Track.objects.filter(pk=draft.pk).update(status=Track.Status.DRAFT)

    def titles(**params):
        body = client.get("/tracks/", params).content.decode()
        return {t.title for t in (a, b, draft) if t.title in body}

    assert titles() == {"Slow Jazz Rain", "Fast Ambient"}  # drafts are never public
    assert titles(mood="chill") == {"Slow Jazz Rain"}
    assert titles(style="ambient") == {"Fast Ambient"}
    assert titles(bpm_min=80, bpm_max=100) == {"Fast Ambient"}
    assert titles(bpm_min=100, bpm_max=80) == {"Fast Ambient"}  # a range typed backwards still means 80-100
    assert titles(key="A:minor") == {"Slow Jazz Rain"}
    assert titles(duration="gt5") == {"Fast Ambient"}
    assert titles(duration="2-3") == {"Slow Jazz Rain"}
    assert titles(q="rain") == {"Slow Jazz Rain"}
    assert titles(q="sad") == {"Fast Ambient"}  # moods are searchable by name
    assert titles(bpm_min="fast") == {
        "Slow Jazz Rain",
        "Fast Ambient",
    }  # a bad value is ignored, not an error


def test_track_without_a_master_is_not_sold(client):
    from tests.factories import TrackFactory

    TrackFactory(title="No Master Yet", status=Track.Status.APPROVED)
    assert "No Master Yet" not in client.get("/tracks/").content.decode()


def test_browse_page_query_count_does_not_grow_with_tracks(client, django_assert_max_num_queries):
    for i in range(12):
        licensable_track(title=f"Track {i}", moods=[MoodFactory(slug="chill")])
    with django_assert_max_num_queries(12):
        response = client.get("/tracks/")
    assert response.status_code == 200
    assert response.content.decode().count('class="track-row"') == 12


def test_track_page_links_only_the_preview_never_the_master(client):
    track = licensable_track(title="Paper Lanterns")
    preview, master = track.asset("preview"), track.asset("master")

    response = client.get(f"/tracks/{track.uuid}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert preview.url in body
    assert master.path not in body and "master.wav" not in body
    assert "Add Creator licence to cart" in body
    assert body.count('name="tier"') == 4  # the four track tiers, each its own form


def test_draft_track_page_is_not_found(client):
    track = licensable_track()
    Track.objects.filter(pk=track.pk).update(status=Track.Status.DRAFT)
    assert client.get(f"/tracks/{track.uuid}/").status_code == 404


def test_licence_page_explains_every_tier(client):
    body = client.get("/licences/").content.decode()
    for text in (
        "Personal",
        "Creator",
        "Commercial",
        "Sync / Broadcast",
        "Sample pack licence",
        "Read the full terms (version 1)",
    ):
        assert text in body


def test_every_public_page_renders_for_a_new_visitor(client):
    track = licensable_track()
    for url in (
        "/",
        "/tracks/",
        f"/tracks/{track.uuid}/",
        "/licences/",
        "/licences/verify/",
        "/packs/",
        "/cart/",
        "/downloads/",
        "/checkout/cancelled/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert '<main id="main"' in body and "Skip to content" in body
    assert client.get("/checkout/").status_code == 302  # an empty cart goes back to the cart page


def test_public_api_lists_tiers_with_terms(client):
    response = client.get("/api/v1/licence-tiers/")
    data = response.json()
    assert response.status_code == 200
    creator = next(t for t in data if t["slug"] == "creator")
    assert creator["price_minor"] == 2900 and creator["terms_version"] == 1 and creator["max_channels"] == 3
    assert client.get("/api/v1/sample-packs/").status_code == 200
    assert client.post("/api/v1/licence-tiers/", {}).status_code in (401, 403, 405)


def test_unknown_pages_answer_404_with_a_way_back(client):
    track_gone = client.get("/tracks/00000000-0000-0000-0000-000000000000/")
    nowhere = client.get("/no-such-page/")

    assert track_gone.status_code == 404 and nowhere.status_code == 404
    assert "This track is not available for licensing." in track_gone.content.decode()
    body = nowhere.content.decode()
    assert "We could not find that page" in body and 'href="/tracks/"' in body
    assert "Resolver404" not in body
