"""Playlists: who sees what through a share link, adding and reordering, favourites from track pages."""

from __future__ import annotations

import pytest

from listeners.models import Favourite, Playlist
from listeners.services import playlist_add_track, playlist_create
from tests.listeners.conftest import signed_in_client
from tests.monetization.factories import licensable_track


@pytest.mark.django_db
def test_a_private_playlist_is_invisible_to_everyone_but_its_owner(client, listener_factory):
    owner = listener_factory("owner@example.com", display_name="Owner", is_public=True)
    playlist = playlist_create(listener=owner, title="Secret focus")
    playlist_add_track(playlist=playlist, track=licensable_track(title="Hidden Gem"))
    share = f"/p/{playlist.share_token}/"

    assert client.get(share).status_code == 404  # anonymous visitor
    assert "Secret focus" not in client.get(f"/listeners/{owner.uuid}/").content.decode()
    other, _ = signed_in_client(client, "other@example.com")
    assert other.get(share).status_code == 404  # another listener
    assert other.get(f"/playlists/{playlist.uuid}/").status_code == 404  # nor its manage page
    owner_client, _ = signed_in_client(client, "owner@example.com")
    assert "Hidden Gem" in owner_client.get(share).content.decode()


@pytest.mark.django_db
def test_an_unlisted_playlist_opens_by_its_link_but_is_not_on_the_profile(client, listener_factory):
    owner = listener_factory("owner@example.com", display_name="Owner", is_public=True)
    unlisted = playlist_create(listener=owner, title="Link only", visibility=Playlist.Visibility.UNLISTED)
    public = playlist_create(listener=owner, title="On my profile", visibility=Playlist.Visibility.PUBLIC)
    page = client.get(f"/p/{unlisted.share_token}/")
    assert page.status_code == 200 and 'content="noindex"' in page.content.decode()
    profile = client.get(f"/listeners/{owner.uuid}/").content.decode()
    assert "On my profile" in profile and "Link only" not in profile
    assert public.title in client.get(f"/p/{public.share_token}/").content.decode()


@pytest.mark.django_db
def test_building_and_reordering_a_playlist_through_the_pages(ada):
    client, listener = ada
    first, second, third = (licensable_track(title=t) for t in ("First", "Second", "Third"))
    response = client.post(
        "/playlists/new/", {"title": "Evening", "visibility": "unlisted", "track": str(first.uuid), "next": "/"}
    )
    playlist = Playlist.objects.get(listener=listener)
    assert response.status_code == 302
    for track in (second, third, second):  # adding twice keeps one
        client.post("/playlists/add/", {"playlist": str(playlist.uuid), "track": str(track.uuid)})
    assert [i.track.title for i in playlist.items.order_by("position")] == ["First", "Second", "Third"]
    client.post(f"/playlists/{playlist.uuid}/move/", {"track": str(third.uuid), "position": "1"})
    assert [i.track.title for i in playlist.items.order_by("position")] == ["Third", "First", "Second"]
    client.post(f"/playlists/{playlist.uuid}/remove/", {"track": str(first.uuid)})
    assert [i.track.title for i in playlist.items.order_by("position")] == ["Third", "Second"]
    assert list(playlist.items.order_by("position").values_list("position", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_nobody_can_add_to_another_listeners_playlist(client, listener_factory):
    owner = listener_factory("owner@example.com")
    playlist = playlist_create(listener=owner, title="Mine")
    intruder, _ = signed_in_client(client, "intruder@example.com")
    track = licensable_track()
    response = intruder.post("/playlists/add/", {"playlist": str(playlist.uuid), "track": str(track.uuid)})
    assert response.status_code == 404 and not playlist.items.exists()


@pytest.mark.django_db
def test_favourite_from_the_track_page_shows_in_the_library(ada):
    client, listener = ada
    track = licensable_track(title="Keeper")
    page = client.get(f"/tracks/{track.uuid}/").content.decode()
    assert "Save to my library" in page
    client.post("/library/favourites/", {"kind": "track", "uuid": str(track.uuid), "next": f"/tracks/{track.uuid}/"})
    assert Favourite.objects.filter(listener=listener, track=track).exists()
    assert "♥ Saved" in client.get(f"/tracks/{track.uuid}/").content.decode()
    assert "Keeper" in client.get("/library/").content.decode()
    client.post("/library/favourites/", {"kind": "track", "uuid": str(track.uuid)})
    assert not Favourite.objects.exists()


@pytest.mark.django_db
def test_signed_out_visitors_are_asked_to_sign_in(client):
    track = licensable_track()
    assert "Sign in to save" in client.get(f"/tracks/{track.uuid}/").content.decode()
    response = client.post("/library/favourites/", {"kind": "track", "uuid": str(track.uuid)})
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")
    assert not Favourite.objects.exists()


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_library_and_shared_playlist_queries_do_not_grow_with_their_tracks(ada):
    client, listener = ada
    playlist = playlist_create(listener=listener, title="Long", visibility=Playlist.Visibility.UNLISTED)
    tracks = [licensable_track(title=f"Song {n}") for n in range(12)]
    for track in tracks[:2]:
        playlist_add_track(playlist=playlist, track=track)
        Favourite.objects.create(listener=listener, track=track)
    few = (_queries(client, "/library/"), _queries(client, f"/p/{playlist.share_token}/"))
    for track in tracks[2:]:
        playlist_add_track(playlist=playlist, track=track)
        Favourite.objects.create(listener=listener, track=track)
    many = (_queries(client, "/library/"), _queries(client, f"/p/{playlist.share_token}/"))
    assert many == few


@pytest.mark.django_db
def test_following_an_artist_from_their_page(ada):
    from listeners.models import Follow

    client, listener = ada
    track = licensable_track(title="Owl Song")
    artist = track.artist
    page = client.get(f"/artists/{artist.slug}/")
    assert page.status_code == 200
    assert f"Follow {artist.name}" in page.content.decode()
    client.post(f"/library/follow/{artist.slug}/", {"next": f"/artists/{artist.slug}/"})
    assert Follow.objects.filter(listener=listener, artist=artist).exists()
    assert f"Following {artist.name}" in client.get(f"/artists/{artist.slug}/").content.decode()
    assert artist.name in client.get("/library/").content.decode()
