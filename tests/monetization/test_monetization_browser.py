"""A real browser (the system Chromium, headless, through Playwright) buys a licence like a new visitor:
browse, play a preview, add a licence to the cart, check out and land on Stripe's payment page, with
Stripe's HTTP API answered by a local test server.

The test is transactional (the live server runs in another thread), so it creates everything it needs itself:
rows seeded by data migrations are gone once an earlier transactional test has flushed the database."""

from __future__ import annotations

import os

import pytest

from catalog import services as catalog_services
from catalog.models import Asset
from monetization.models import LicenceTier, Order
from tests.browser_wait import wait_for_js
from tests.monetization.factories import LicenceTermsFactory, LicenceTierFactory, licensable_track, tone, wav_bytes
from tests.monetization.stripe_stub import StripeStub

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--mute-audio",  # playback still advances; nothing comes out of the CI machine's speakers
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_plays_a_preview_adds_a_licence_and_reaches_stripe(live_server, settings):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    tier = LicenceTierFactory(
        slug="streamer-browser-test",
        name="Streamer",
        scope=LicenceTier.Scope.TRACK,
        summary="For monetised streams and videos.",
        permits="Monetised YouTube videos and Twitch streams",
        price_minor=2900,
        currency="usd",
        max_channels=2,
    )
    LicenceTermsFactory(tier=tier, version=1, text="Streamer terms for the browser test.")
    track = licensable_track(title="Lantern Glow", bpm=78)
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.PREVIEW,
        content=wav_bytes(tone(3.0), 8000),
        filename="preview.wav",
        format="wav",
        sample_rate=8000,
        channels=2,
    )
    settings.ROOT_URLCONF = "tests.monetization.browser_urls"

    with StripeStub() as stripe_stub:
        settings.STRIPE_API_BASE = stripe_stub.base_url
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(live_server.url + "/")
                page.get_by_role("link", name="Browse all music").click()
                page.get_by_label("Search", exact=True).fill("lantern")
                page.get_by_role("button", name="Show music").click()
                page.get_by_role("link", name="Lantern Glow", exact=True).click()

                play = page.get_by_role("button", name="Play preview")
                play.click()
                wait_for_js(page, "window.storefrontAudio && window.storefrontAudio.currentTime > 0.2")
                assert page.evaluate("window.storefrontAudio.src").endswith(".wav")
                pause = page.get_by_role("button", name="Pause preview")
                pause.click()
                page.get_by_role("button", name="Play preview").wait_for(timeout=5000)
                assert page.evaluate("window.storefrontAudio.paused")

                page.get_by_role("button", name="Add Streamer licence to cart for Lantern Glow").click()
                assert "Added to your cart" in page.locator(".messages").inner_text()
                assert "$29.00" in page.locator("table.cart").inner_text()
                page.get_by_role("link", name="Continue to checkout").click()

                page.get_by_label("Licence holder").fill("Ada Studio")
                page.get_by_label("E-mail address").fill("ada@example.com")
                page.locator("#id_accept_terms").check()
                page.get_by_role("button", name="Pay securely with Stripe").click()

                page.wait_for_url(stripe_stub.base_url + "/pay/*", timeout=15000)
                assert page.locator("h1").inner_text() == "Stripe test checkout"
                assert page.locator("#amount").inner_text() == "2900 usd"
            finally:
                browser.close()

    [request] = stripe_stub.session_requests()
    assert int(request["params"]["line_items"][0]["price_data"]["unit_amount"]) == 2900
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING and order.licensee_name == "Ada Studio"
