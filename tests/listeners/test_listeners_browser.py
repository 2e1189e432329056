"""A real browser (the system Chromium through Playwright): a visitor signs in with the magic link read from
the test outbox, saves a track, builds a playlist and shares it, an anonymous visitor opens the share link; and
the mix page seeks when a tracklist timestamp is clicked.

Transactional (the live server runs in another thread): the test creates everything it needs itself."""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail

from listeners import services
from listeners.models import Favourite, MixStream, Playlist, PreviewPlay
from production.models import MixRender
from tests.browser_wait import wait_for_js
from tests.listeners.browser_urls import RANGED_MEDIA_URL
from tests.listeners.test_listeners_alerts_mixes import make_mix
from tests.monetization.factories import licensable_track
from tests.monetization.test_monetization_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser_urls(settings):
    settings.ROOT_URLCONF = "tests.listeners.browser_urls"  # public media from the test's MEDIA_ROOT, with ranges
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}  # the sign-in e-mail is sent inline


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_save_build_a_playlist_and_share_it(live_server, browser_urls, settings):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    settings.SITE_URL = live_server.url
    track = licensable_track(title="Lantern Rain", bpm=80)
    other = licensable_track(title="Paper Moon", bpm=82)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(live_server.url + "/")
            page.get_by_role("link", name="Sign in").click()
            page.get_by_label("E-mail address").fill("ada@example.com")
            page.get_by_role("button", name="E-mail me a sign-in link").click()
            page.get_by_role("heading", name="Check your e-mail").wait_for()
            [message] = mail.outbox
            link = re.search(r"https?://\S+/account/access/\S+/", message.body).group(0)
            page.goto(link)
            page.get_by_role("heading", name="My library").wait_for()
            assert "Signed in as ada@example.com" in page.content()

            page.goto(f"{live_server.url}/tracks/{track.uuid}/")
            page.get_by_role("button", name="Play preview", exact=True).click()
            wait_for_js(page, "window.listenerEvents && window.listenerEvents.plays > 0")
            page.get_by_role("button", name="♡ Save to my library").click()
            page.get_by_role("button", name="♥ Saved in your library; remove").wait_for()

            page.get_by_text("Add to a playlist").click()
            page.get_by_label("New playlist").fill("Rainy evening")
            page.get_by_role("button", name="Create with this track").click()
            assert "created with Lantern Rain" in page.locator(".messages").inner_text()

            page.goto(f"{live_server.url}/tracks/{other.uuid}/")
            page.get_by_text("Add to a playlist").click()
            page.get_by_label("Playlist", exact=True).select_option(label="Rainy evening (1)")
            page.get_by_role("button", name="Add", exact=True).click()
            assert "Added Paper Moon to “Rainy evening”" in page.locator(".messages").inner_text()
            page.get_by_role("link", name="My library").click()
            page.get_by_role("link", name="Lantern Rain", exact=True).wait_for()  # the favourite is in the library
            page.get_by_role("link", name="Rainy evening").click()
            page.get_by_role("button", name="Move up Paper Moon").click()
            rows = page.locator(".playlist-items li a").all_inner_texts()
            assert rows == ["Paper Moon", "Lantern Rain"]
            page.get_by_label("Who can see it").select_option("unlisted")
            page.get_by_role("button", name="Save playlist").click()
            share_url = page.get_by_label("Share link").input_value()

            anonymous = browser.new_context().new_page()
            anonymous.goto(share_url)
            assert anonymous.locator("h1").inner_text() == "Rainy evening"
            assert anonymous.locator(".track-title").all_inner_texts() == ["Paper Moon", "Lantern Rain"]
            assert anonymous.locator('meta[property="og:title"]').get_attribute("content") == "Rainy evening"
        finally:
            browser.close()

    playlist = Playlist.objects.get()
    assert playlist.visibility == "unlisted" and playlist.listener.email == "ada@example.com"
    assert Favourite.objects.filter(track=track).exists()
    assert PreviewPlay.objects.filter(track=track, listener__email="ada@example.com").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_mix_page_seeks_when_a_timestamp_is_clicked(live_server, browser_urls, settings):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    default = settings.STORAGES["default"]
    settings.STORAGES = {  # the stream's URL under the ranged route: players seek with Range requests
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], "base_url": RANGED_MEDIA_URL}},
    }
    release = make_mix(duration_s=30.0, sample_rate=44100)  # a mix's real rate: browsers play its MP3 as they would
    services.mix_stream_make(stream=MixStream.objects.create(render=MixRender.objects.get(release=release)))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/mixes/{release.uuid}/")
            page.get_by_role("button", name="Play from 0:20: Last Light").click()
            wait_for_js(page, "window.mixAudio && window.mixAudio.currentTime >= 20")
            assert not page.evaluate("window.mixAudio.paused")
            page.locator(".mix-tracklist li.is-current").filter(has_text="Last Light").wait_for(timeout=5000)
            assert "Now playing: Mix Persona – Last Light" in page.locator("[data-mix-now]").inner_text()
            page.get_by_role("button", name="Play from 0:10: Middle Puddle").click()
            wait_for_js(page, "window.mixAudio.currentTime >= 10 && window.mixAudio.currentTime < 15")
        finally:
            browser.close()
