"""The catalogue's cockpit screens: identifier form errors, filters, player and waveform, the tracklist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import Asset, Release, Track
from tests.factories import ArtistFactory, MoodFactory, ReleaseFactory, StyleFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _track_form_data(track: Track, **overrides) -> dict:
    data = {
        "title": track.title,
        "artist": track.artist_id,
        "style": track.style_id or "",
        "moods": [],
        "is_ai_generated": "on",
        "isrc": track.isrc or "",
        "bpm": track.bpm,
        "key": track.key,
        "mode": track.mode,
        # The files inline is read-only but its management form is still posted.
        "assets-TOTAL_FORMS": 0,
        "assets-INITIAL_FORMS": 0,
        "assets-MIN_NUM_FORMS": 0,
        "assets-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


def _release_form_data(release: Release, **overrides) -> dict:
    data = {
        "title": release.title,
        "artist": release.artist_id,
        "kind": release.kind,
        "upc": release.upc or "",
        "catalogue_number": "",
        "release_date": "",
        "genre": release.genre,
        "p_line": "",
        "c_line": "",
        "release_tracks-TOTAL_FORMS": 0,
        "release_tracks-INITIAL_FORMS": 0,
        "release_tracks-MIN_NUM_FORMS": 0,
        "release_tracks-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


def _errors(response) -> str:
    assert response.status_code == 200, "the form should be shown again with errors, not saved"
    return " ".join(str(e) for e in response.context["adminform"].form.errors.values())


def test_an_invalid_isrc_is_refused_with_the_expected_shape(client, editor):
    track = TrackFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_track_change", args=[track.pk]), _track_form_data(track, isrc="QZ-LF1-26-0001")
    )

    assert "is not a valid ISRC: it must look like CC-XXX-YY-NNNNN" in _errors(response)
    track.refresh_from_db()
    assert track.isrc is None


def test_an_isrc_typed_with_hyphens_is_stored_compact(client, editor):
    track = TrackFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_track_change", args=[track.pk]), _track_form_data(track, isrc="qz-lf1-26-00042")
    )

    assert response.status_code == 302
    track.refresh_from_db()
    assert track.isrc == "QZLF12600042"


def test_a_upc_with_a_wrong_check_digit_names_the_right_digit(client, editor):
    release = ReleaseFactory()
    client.force_login(editor)

    # 036000291452 is a valid UPC-A (check digit 2); change only the check digit.
    response = client.post(
        reverse("admin:catalog_release_change", args=[release.pk]), _release_form_data(release, upc="036000291459")
    )

    assert "wrong check digit: the last digit should be 2" in _errors(response)


def test_a_upc_of_the_wrong_length_says_how_long_it_must_be(client, editor):
    release = ReleaseFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_release_change", args=[release.pk]), _release_form_data(release, upc="12345")
    )

    assert "A UPC has 12 digits and an EAN 13" in _errors(response)


def test_a_valid_upc_typed_with_spaces_is_stored_as_digits(client, editor):
    release = ReleaseFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_release_change", args=[release.pk]), _release_form_data(release, upc="0 36000 29145 2")
    )

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.upc == "036000291452"


def test_track_list_filters_by_bpm_range_key_style_and_mood(client, editor):
    chill = MoodFactory(slug="chill")
    jazz, ambient = StyleFactory(slug="jazz"), StyleFactory(slug="ambient")
    slow = TrackFactory(title="Slow rain", bpm=68, key="D", mode="minor", style=ambient, moods=[chill])
    mid = TrackFactory(title="Mid cafe", bpm=84, key="A", mode="minor", style=jazz)
    fast = TrackFactory(title="Fast walk", bpm=96, key="A", mode="major", style=jazz, moods=[chill])
    client.force_login(editor)
    url = reverse("admin:catalog_track_changelist")

    def titles(query: str) -> set[str]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        return {t.title for t in response.context["cl"].result_list}

    assert titles("bpm_range=80-90") == {mid.title}
    assert titles("bpm_range=lt70") == {slow.title}
    assert titles("key__exact=A") == {mid.title, fast.title}
    assert titles(f"style__id__exact={ambient.pk}") == {slow.title}
    assert titles(f"moods__id__exact={chill.pk}") == {slow.title, fast.title}
    assert titles("status__exact=draft&q=cafe") == {mid.title}


def test_track_page_plays_the_preview_and_shows_the_waveform(client, editor):
    track = TrackFactory()
    preview = services.asset_store(
        track=track, kind=Asset.Kind.PREVIEW, content=b"ID3 not really audio", filename="preview.mp3", format="mp3"
    )
    waveform = services.asset_store(
        track=track, kind=Asset.Kind.WAVEFORM, content=b"\x89PNG", filename="waveform.png", format="png"
    )
    client.force_login(editor)

    body = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert f'<audio class="cockpit-player" controls preload="none" src="{preview.url}"></audio>' in body
    assert f'<img class="cockpit-waveform" src="{waveform.url}" alt="Waveform">' in body
    assert preview.url.startswith("/media/tracks/")


def test_release_page_lists_its_tracks_in_order_and_previews_the_artwork(client, editor):
    release = ReleaseFactory(artwork="artwork/cover.jpg")
    tracks = [TrackFactory(title=f"Side A {n}") for n in (1, 2, 3)]
    services.release_set_tracks(release=release, tracks=[tracks[2], tracks[0], tracks[1]])
    client.force_login(editor)

    response = client.get(reverse("admin:catalog_release_change", args=[release.pk]))

    inline = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "release_tracks")
    listed = [(form.instance.position, form.instance.track.title) for form in inline.formset.forms if form.instance.pk]
    assert listed == [(1, "Side A 3"), (2, "Side A 1"), (3, "Side A 2")]
    assert '<img class="cockpit-artwork" src="/media/artwork/cover.jpg"' in response.content.decode()


def test_artist_autocomplete_finds_personas_for_the_track_form(client, editor):
    ArtistFactory(name="Paper Lantern", slug="paper-lantern")
    client.force_login(editor)

    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "lantern", "app_label": "catalog", "model_name": "track", "field_name": "artist"},
    )

    assert [r["text"] for r in response.json()["results"]] == ["Paper Lantern"]
