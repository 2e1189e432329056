"""The shared page cache: first-time visitors get stored pages, every catalogue write shows at once, and nothing
personal (a cart, a sign-in, a CSRF token) is shared between visitors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as catalog_services
from tests.monetization.factories import licensable_track, tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_S = 60


def test_a_visitor_without_cookies_gets_the_stored_page_the_second_time():
    licensable_track(title="Harbour Lights")
    first = Client().get("/")
    second = Client().get("/")

    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert "Harbour Lights" in second.content.decode()
    assert "Cookie" in second["Vary"]


def test_a_catalogue_write_shows_on_the_next_visit():
    track = licensable_track(title="Harbour Lights")
    Client().get(reverse("monetization:track_list"))

    catalog_services.track_update(track=track, title="Lighthouse Keeper")
    page = Client().get(reverse("monetization:track_list"))

    assert page["X-Page-Cache"] == "miss"
    assert "Lighthouse Keeper" in page.content.decode() and "Harbour Lights" not in page.content.decode()


def test_a_visitor_with_a_cart_gets_their_own_page():
    track = licensable_track(title="Harbour Lights")
    tier()
    Client().get("/")  # stored for cookieless visitors
    shopper = Client()
    shopper.get(reverse("monetization:track_detail", args=[track.uuid]))
    shopper.post(reverse("monetization:cart_add"), {"track": str(track.uuid), "tier": "creator"})

    page = shopper.get("/")

    assert "X-Page-Cache" not in page
    assert "Added to your cart" in page.content.decode()


def test_a_stored_page_gives_each_visitor_a_csrf_token_that_works():
    track = licensable_track(title="Harbour Lights")
    tier()
    url = reverse("monetization:track_detail", args=[track.uuid])
    Client().get(url)  # the first visitor's page is stored

    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    html = page.content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1][:64]
    added = visitor.post(
        reverse("monetization:cart_add"), {"track": str(track.uuid), "tier": "creator", "csrfmiddlewaretoken": token}
    )

    assert page["X-Page-Cache"] == "hit"
    assert "\x00" not in html
    assert added.status_code == 302


def test_the_public_track_list_api_is_served_from_the_cache_until_the_catalogue_changes(
    django_assert_max_num_queries,
):
    track = licensable_track(title="Harbour Lights")
    url = "/api/v1/tracks/"
    first = Client().get(url).json()
    with django_assert_max_num_queries(0):
        second = Client().get(url).json()
    catalog_services.track_update(track=track, title="Lighthouse Keeper")
    third = Client().get(url).json()

    assert first == second
    assert [t["title"] for t in third["results"]] == ["Lighthouse Keeper"]


def test_mood_chips_and_search_hints_are_read_once_per_catalogue_version(django_assert_max_num_queries):
    from monetization import selectors

    track = licensable_track(title="Harbour Lights")
    first = (selectors.moods_with_tracks(), selectors.search_suggestions())
    with django_assert_max_num_queries(0):
        again = (selectors.moods_with_tracks(), selectors.search_suggestions())
    catalog_services.track_update(track=track, title="Lighthouse Keeper")
    with CaptureQueriesContext(connection) as fresh:  # read afresh after a catalogue write
        selectors.moods_with_tracks()
        selectors.search_suggestions()

    assert first == again
    assert len(fresh) >= 2
