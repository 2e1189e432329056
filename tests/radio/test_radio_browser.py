"""A real browser (Debian's Chromium through Playwright) opens /radio/ while a real station is on air: the player
plays the Icecast stream (its audio element advances) and the page names the track Liquidsoap reported."""

from __future__ import annotations

import os

import pytest

from radio.models import Play
from tests.browser_wait import wait_for_js
from tests.radio.factories import station
from tests.radio.live_helpers import free_port, mount_stats, pump, three_tracks

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",  # playback still advances
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_radio_page_plays_the_stream_and_shows_now_playing(runner_for, live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    three_tracks()
    st = station(name="Lantern Radio", icecast_port=free_port(), mount="/browser", crossfade_s=1.0)
    runner = runner_for(st)
    pump(runner, 40, lambda: (m := mount_stats(st)) is not None and m.total_bytes_read > 0)
    pump(runner, 30, lambda: Play.objects.filter(station=st, started_at__isnull=False, track__isnull=False).exists())

    # (no ORM inside the Playwright block: its event loop makes Django refuse database calls in this thread)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(live_server.url + "/radio/")
            section = page.get_by_role("region", name="Lantern Radio")
            section.get_by_label("Listen to Lantern Radio").evaluate("audio => audio.play()")
            wait_for_js(page, "window.radioAudio && window.radioAudio.currentTime > 1.0", timeout_s=20)
            now_title = section.locator("[data-now-title]").inner_text()
            license_visible = section.get_by_role("link", name="License this track").is_visible()
            page.screenshot(path=str(runner.workdir / "radio-page.png"), full_page=True)
        finally:
            browser.close()

    assert now_title.startswith("Live Tune")
    assert now_title in set(Play.objects.filter(station=st, started_at__isnull=False).values_list("title", flat=True))
    assert license_visible
