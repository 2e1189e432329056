"""Waiting on page state in browser tests under the site's Content-Security-Policy.

Playwright's `page.wait_for_function` evaluates its predicate string inside the page, which a policy without
'unsafe-eval' refuses; `page.evaluate` is sent over the DevTools protocol and is not. So poll from here.
"""

from __future__ import annotations

import time


def wait_for_js(page, expression: str, *, timeout_s: float = 15.0, interval_s: float = 0.05) -> None:
    """Return once the JavaScript `expression` is truthy in the page; AssertionError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(f"() => Boolean({expression})"):
                return
        except Exception:  # e.g. the page is navigating; try again
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:g} s: {expression}")
        time.sleep(interval_s)
