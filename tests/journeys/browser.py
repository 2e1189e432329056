"""The system Chromium for journey tests: one browser per test, a screenshot of the page when a test fails,
optionally every request to another host aborted (to prove a page needs no third-party host)."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

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
    "--mute-audio",
]
# Where failing journeys leave their last page (CI uploads the folder); override with BROWSER_SCREENSHOTS.
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/lofi-browser-screenshots"))
PASSWORD = "pw-for-tests-only"  # tests/conftest.py's staff users


@contextmanager
def chromium_page(name: str, *, block_network: bool = False, viewport=(1280, 900)):
    """A fresh page; on any failure inside the block, `SCREENSHOTS/<name>.png` is saved before re-raising."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.blocked_requests = []  # requests for another host that reached the network layer (and were aborted)
        if block_network:
            context.route("**/*", lambda route: _local_only(route, page.blocked_requests))
        try:
            yield page
        except BaseException:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)
            finally:
                raise
        finally:
            browser.close()


def _local_only(route, blocked: list[str]) -> None:
    host = urlparse(route.request.url).hostname or ""
    if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", "::1"):
        route.continue_()
    else:
        blocked.append(route.request.url)
        route.abort()


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/admin/")
