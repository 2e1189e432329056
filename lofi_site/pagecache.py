"""Whole-page cache for what every anonymous visitor sees the same: storefront pages and public API lists.

Rendering is most of a storefront page's cost (a few queries, many template nodes), and first-time visitors,
crawlers and link unfurlers all get the same page. So a GET from a visitor without a session (no cart, not
signed in, no cookie but the CSRF one) is answered from the shared cache when the same URL was rendered
recently; everyone else gets a fresh page.

Freshness: the key carries the catalogue's version, which `catalogue_changed` bumps whenever a model that
shows on public pages is saved or deleted (connected in `connect_invalidation`); a short timeout bounds what
no write announces (a release that goes out at its hour).

Two things are never shared between visitors: cookies (a response that sets one other than the CSRF cookie
is not stored) and the CSRF token. A page's forms carry the token of the visitor it was rendered for, so the
stored copy holds a marker instead and each visitor's own token is put back in on the way out.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

VERSION_KEY = "pagecache:catalogue-version"
TOKEN_MARKER = b"\x00csrf-token\x00"
# How `{% csrf_token %}` writes the (masked, 64-character) token into a form.
FORM_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
# Cookies a response may set and still be stored: Django's CSRF cookie is per visitor but re-issued on a hit.
SHAREABLE_COOKIES = {settings.CSRF_COOKIE_NAME}


def catalogue_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def catalogue_changed(**_signal_kwargs) -> None:
    """Every cached public page is stale from now on (they are keyed by the version this bumps)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from the keys in use
        cache.set(VERSION_KEY, catalogue_version() + 1, timeout=None)


def connect_invalidation(models: Iterable[type[Model]]) -> None:
    """Bump the catalogue version whenever one of `models` is saved or deleted. Apps call this from
    their AppConfig.ready() for the models their public pages show."""
    for model in models:
        uid = f"pagecache:{model._meta.label}"
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=uid + ":save", weak=False)
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=uid + ":delete", weak=False)


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        # Any cookie but the CSRF one (a session: a cart, a sign-in; a pending message) makes the page personal.
        and not set(request.COOKIES) - SHAREABLE_COOKIES
        and not getattr(getattr(request, "user", None), "is_authenticated", False)
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request: HttpRequest) -> str:
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    # The host is part of it: pages and API data carry absolute links (previews, canonical and Open Graph URLs).
    accept = request.headers.get("Accept", "")[:64]
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}|{accept}|{catalogue_version()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _storable(response: HttpResponse) -> tuple[bytes, dict] | None:
    if response.status_code != 200 or response.streaming or response.has_header("Cache-Control"):
        return None
    if set(response.cookies) - SHAREABLE_COOKIES:
        return None
    content = response.content
    for token in set(FORM_TOKEN.findall(content)):
        content = content.replace(token, TOKEN_MARKER)
    headers = {name: value for name, value in response.items() if name.lower() not in {"set-cookie", "vary"}}
    return content, headers


def public_page(view: Callable | None = None, *, timeout: int | None = None):
    """Decorator: serve the view's page from the shared cache to visitors without a session (see module).

    `timeout` defaults to settings.PUBLIC_PAGE_CACHE_S; 0 turns the cache off.
    """

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            seconds = settings.PUBLIC_PAGE_CACHE_S if timeout is None else timeout
            if not seconds or not _cacheable_request(request):
                return func(request, *args, **kwargs)
            key = _key(request)
            stored = cache.get(key)
            if stored is not None:
                content, headers = stored
                if TOKEN_MARKER in content:
                    content = content.replace(TOKEN_MARKER, get_token(request).encode())
                response = HttpResponse(content)
                for name, value in headers.items():
                    response[name] = value
                response["X-Page-Cache"] = "hit"
            else:
                response = func(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                entry = _storable(response)
                if entry is not None:
                    cache.set(key, entry, timeout=seconds)
                    response["X-Page-Cache"] = "miss"
            # Browsers and proxies must not share it: the cookie decides which visitor gets a cached copy.
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapper

    return decorate(view) if view is not None else decorate


def public_data(request, compute: Callable[[], Any], *, timeout: int | None = None, variant: str = "data") -> Any:
    """The API's counterpart of `public_page`: the serialized data an anonymous caller gets for this URL, from
    the shared cache when it is there. Called inside the view, after authentication and throttling, so
    throttles still count every call; only the queries and serialization are saved."""
    seconds = settings.PUBLIC_PAGE_CACHE_S if timeout is None else timeout
    if not seconds or request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return compute()
    key = f"{_key(request)}:{variant}"
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, timeout=seconds)
    return data


def catalogue_memo(name: str, compute: Callable[[], Any]) -> Any:
    """`compute()` (a catalogue-wide read every visitor's page makes, such as the mood chips) once per catalogue
    version, shared by all processes; off with the page cache (PUBLIC_PAGE_CACHE_S=0). Unlike `public_page` it
    serves visitors with a session too: the value is the same for everyone."""
    seconds = settings.PUBLIC_PAGE_CACHE_S
    if not seconds:
        return compute()
    return cache.get_or_set(f"pagecache:memo:{name}:{catalogue_version()}", compute, timeout=seconds)
