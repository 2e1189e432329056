"""Public release and artist pages, covers on track cards and packs, and the storefront's small print."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Release
from tests.factories import ArtistFactory, MoodFactory, ReleaseFactory, ReleaseTrackFactory
from tests.monetization.factories import licensable_track

pytestmark = pytest.mark.django_db


def _out(track, **kwargs) -> Release:
    release = ReleaseFactory(
        status=Release.Status.PUBLISHED, release_date=timezone.localdate() - dt.timedelta(days=1), **kwargs
    )
    ReleaseTrackFactory(release=release, track=track, position=1)
    return release


def test_release_page_by_slug_is_view_on_site_and_unreleased_ones_are_not_public(client):
    artist = ArtistFactory(name="Mellow Fox", slug="mellow-fox", bio="Late-night jazz lo-fi.")
    track = licensable_track(title="Lamplight", artist=artist, licensable_before_release=False)
    release = _out(track, title="Night Shift EP", artist=artist)
    coming = ReleaseFactory(title="Coming Soon", artist=artist, status=Release.Status.SCHEDULED)

    assert release.get_absolute_url() == f"/releases/{release.slug}/" == "/releases/night-shift-ep/"
    page = client.get(release.get_absolute_url()).content.decode()
    assert "Night Shift EP" in page and "Lamplight" in page and "Add licence" in page
    assert 'class="cover cover-generated"' in page  # no artwork uploaded: a cover drawn from the title
    assert client.get(coming.get_absolute_url()).status_code == 404

    artist_page = client.get(artist.get_absolute_url()).content.decode()
    assert "Mellow Fox" in artist_page and "Late-night jazz lo-fi." in artist_page
    assert "Night Shift EP" in artist_page and "Coming Soon" not in artist_page


def test_mood_chips_only_for_moods_with_tracks_and_the_search_hint_finds_music(client):
    rain, empty = MoodFactory(slug="rainy", name="Rainy"), MoodFactory(slug="empty", name="Emptyish")
    licensable_track(title="Drizzle", moods=[rain])

    page = client.get("/").content.decode()

    assert "?mood=rainy" in page and "?mood=empty" not in page
    assert "Try “rainy”" in page and empty.pk


def test_a_pack_named_sample_pack_is_not_called_a_sample_pack_sample_pack():
    from monetization.templatetags.storefront import pack_name

    assert pack_name("Night Shift Sample Pack") == "Night Shift Sample Pack"
    assert pack_name("Rain Loops") == "Rain Loops sample pack"


def test_the_verify_page_says_when_text_is_not_a_code_at_all(client):
    garbage = client.get("/licences/verify/hello%20world/").content.decode()
    shaped = client.get("/licences/verify/LOFI-7KQ2-M9XD/").content.decode()

    assert "That is not a licence code" in garbage and "probably mistyped" not in garbage
    assert "We found no licence with that code" in shaped


def test_the_favicon_and_contact_address_come_from_the_site(client, settings):
    settings.CONTACT_EMAIL = "desk@lantern.example"
    page = client.get("/").content.decode()
    assert "storefront/favicon.svg" in page and 'href="mailto:desk@lantern.example"' in page


def test_the_demo_seed_offers_its_rendered_tracks_before_release_so_the_shop_has_music():
    from catalog.models import Track
    from monetization import selectors
    from monetization.demo import storefront_demo

    track = licensable_track(title="Demo Dusk", licensable_before_release=False)
    Track.objects.filter(pk=track.pk).update(
        status=Track.Status.DRAFT, source=Track.Source.GENERATED, qc_passed=True, duplicate_verdict="clear"
    )
    lines: list[str] = []

    storefront_demo(lines.append)

    assert [t.title for t in selectors.storefront_tracks()] == ["Demo Dusk"]
    assert "approved 'Demo Dusk' and offered it for licensing before release" in "\n".join(lines)
