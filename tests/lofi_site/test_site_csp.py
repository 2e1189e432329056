"""Content-Security-Policy: every page says where scripts may come from (this site, never inline), and the
storefront with its preview player, the cockpit, Swagger UI and ReDoc still work under it in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from catalog import services as catalog_services
from catalog.models import Asset
from tests.browser_wait import wait_for_js
from tests.monetization.factories import licensable_track, tone, wav_bytes

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/tracks/", "/licences/", "/healthz", "/api/v1/", "/admin/login/", "/nowhere/"])
def test_every_response_carries_a_policy_that_allows_no_inline_script(client, url):
    policy = _policy(client.get(url))

    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["base-uri"] == "base-uri 'self'"


def _our_templates() -> list[Path]:
    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    folders += [Path(settings.BASE_DIR) / app / "templates" for app in os.listdir(settings.BASE_DIR)]
    return [path for folder in folders if folder.is_dir() for path in folder.rglob("*.html")]


def test_no_template_of_ours_has_an_inline_script_or_event_handler():
    offenders = []
    for path in _our_templates():
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
        offenders += [f"{path}: {m.group(0)[:60]}" for m in INLINE_HANDLER.finditer(text)]

    assert not offenders, "the CSP would block these:\n" + "\n".join(offenders)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_work_in_chromium_without_a_single_policy_violation(live_server, settings, django_user_model):
    from playwright.sync_api import sync_playwright

    from tests.monetization.test_monetization_browser import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    settings.ROOT_URLCONF = "tests.monetization.browser_urls"  # serves the preview from the test's MEDIA_ROOT
    track = licensable_track(title="Policy Glow")
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.PREVIEW,
        content=wav_bytes(tone(3.0), 8000),
        filename="preview.wav",
        format="wav",
        sample_rate=8000,
        channels=2,
    )
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests-only")
    violations: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(live_server.url + f"/tracks/{track.uuid}/")
            page.get_by_role("button", name="Play preview").click()
            wait_for_js(page, "window.storefrontAudio && window.storefrontAudio.currentTime > 0.2")

            page.goto(live_server.url + "/api/docs/")
            page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
            assert "LoFi label API" in page.locator(".swagger-ui .info .title").inner_text()

            page.goto(live_server.url + "/api/redoc/")
            page.locator("h1").first.wait_for(timeout=15000)
            assert "LoFi label API" in page.locator("h1").first.inner_text()

            page.goto(live_server.url + "/admin/login/")
            page.get_by_label("Username").fill("boss")
            page.get_by_label("Password").fill("pw-for-tests-only")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/admin/", timeout=15000)
            page.goto(live_server.url + "/admin/catalog/track/")
            page.locator("#result_list").wait_for(timeout=15000)
        finally:
            browser.close()

    assert not violations, "\n".join(violations)
