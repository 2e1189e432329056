"""Every URL pattern of the site, fuzzed as an anonymous visitor would: garbage in the path (NUL bytes, 10 kB
strings, unicode, slashes, huge numbers) and in the query string and form body. Nothing may answer 500.

The patterns come from Django's URL resolver, so a page added later is fuzzed without touching this test. Path
parameters also get real values (a released track's UUID, an artist's slug, a licence code...) so the garbage in
the query reaches the views' real code, not only their 404s.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from catalog.models import Release
from tests.factories import ArtistFactory, ReleaseFactory, ReleaseTrackFactory
from tests.monetization.factories import LicenceFactory, OrderLineFactory, SamplePackFactory, licensable_track

pytestmark = pytest.mark.django_db

GARBAGE = [
    "\x00",
    "a\x00b",
    "x" * 10_240,
    "é🎵漢字\u202e",
    "a/b",
    "abc",
    "99999999999999999999999",
    "-1",
    "' OR '1'='1",
    "[]",
    "%",
    "..",
]
# Query and form fields the site's views and forms read, and a few they do not.
FIELDS = [
    "next", "session_id", "code", "page", "q", "search", "ordering", "sort", "mood", "style", "bpm_min", "bpm_max",
    "key", "mode", "duration", "artist", "format", "email", "token", "channel", "kind", "track", "tier", "pack",
    "licensee_name", "accept_terms", "website", "limit", "offset", "cursor", "status", "id", "uuid", "view",
    "platform", "month", "group", "days", "state", "error", "title", "name", "text",
]  # fmt: skip
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
MAX_SECONDS = 50


def _patterns(patterns=None, prefix=""):
    """(route text, pattern) for every leaf pattern, with the prefixes of the resolvers above it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _regex_to_template(regex: str) -> str:
    """'api/v1/^tracks/(?P<uuid>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$' -> 'api/v1/tracks/<uuid>.<format>/'."""
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            name = regex[i + 4 : regex.index(">", i)]
            depth, j = 0, i
            while True:  # the group ends at its matching parenthesis
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if regex[j] == "\\":
                    j += 1
                elif depth == 0:
                    break
                j += 1
            out.append(f"<{name}>")
            i = j + 1
        elif regex[i] == "\\":
            out.append(regex[i + 1])
            i += 2
        elif regex.startswith("/?", i):
            out.append("/")
            i += 2
        elif regex[i] in "^$":
            i += 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _real_values(data) -> dict[str, list[str]]:
    """Values that resolve to something that exists, by converter or parameter name."""
    return {
        "uuid": [str(data["track"].uuid), str(data["release"].uuid), str(data["order"].uuid), str(uuid.uuid4())],
        "slug": [data["artist"].slug, data["release"].slug, data["pack"].slug, "creator"],
        "int": ["1", str(data["licence"].pk)],
        "pk": ["1"],
        "object_id": ["1", str(data["track"].pk)],
        "code": [data["licence"].code],
        "format": ["json", "api"],
        "app_label": ["catalog"],
        "path": ["previews/none.mp3"],
    }


def _candidates(converter: str | None, name: str, real: dict[str, list[str]]) -> list[str]:
    own = real.get(name) or real.get(converter or "", []) or ["1"]
    garbage = [quote(value, safe="") for value in GARBAGE] + ["a/b"]  # an unencoded slash too
    return own + garbage


def _paths(template: str, real: dict[str, list[str]]) -> list[str]:
    """One path per (parameter, value): each parameter in turn gets every candidate, the others a real value."""
    params = list(PARAMETER.finditer(template))
    first = {m.group("name"): _candidates(m.group("converter"), m.group("name"), real)[0] for m in params}
    if not params:
        return ["/" + template]
    paths = []
    for match in params:
        for value in _candidates(match.group("converter"), match.group("name"), real):
            values = {**first, match.group("name"): value}
            paths.append("/" + PARAMETER.sub(lambda m, v=values: v[m.group("name")], template))
    return paths


def _field_sets() -> list[dict[str, str]]:
    """Every field gets every garbage value once across the sets."""
    return [{field: GARBAGE[(i + k) % len(GARBAGE)] for i, field in enumerate(FIELDS)} for k in range(len(GARBAGE))]


@pytest.fixture
def quiet_logs():
    # Thousands of refused requests would each log a warning (and the 10 kB paths with them).
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def site_data():
    artist = ArtistFactory(name="Fuzz Artist")
    track = licensable_track(title="Fuzzed", artist=artist)
    release = ReleaseFactory(artist=artist, status=Release.Status.PUBLISHED)
    ReleaseTrackFactory(release=release, track=track, position=1)
    line = OrderLineFactory(track=track)
    licence = LicenceFactory(order_line=line)
    pack = SamplePackFactory()
    return {"artist": artist, "track": track, "release": release, "order": line.order, "licence": licence, "pack": pack}


def test_no_url_pattern_answers_500_to_garbage(site_data, settings, quiet_logs):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = False
    client = Client(raise_request_exception=False)
    real = _real_values(site_data)
    field_sets = _field_sets()
    failures: list[str] = []
    started = time.monotonic()
    requests = 0

    def check(method: str, path: str, response) -> None:
        if response.status_code >= 500 and not (path.startswith("/healthz") and response.status_code == 503):
            failures.append(f"{method} {path[:120]} -> {response.status_code}")

    for route, _pattern in _patterns():
        template = _regex_to_template(route)  # route patterns ("<uuid:uuid>") pass through unchanged
        admin = template.startswith("admin/")
        paths = _paths(template, real)
        # The cockpit answers anonymous visitors with its login page: one real and one garbage path each.
        for path in paths[:1] + paths[-2:-1] if admin else paths:
            check("GET", path, client.get(path))
            requests += 1
        if admin:
            continue
        path = paths[0]
        for fields in field_sets:
            check("GET", f"{path}?{urlencode(fields)[:80]}", client.get(f"{path}?{urlencode(fields)}"))
            check("POST", f"{path} form {next(iter(fields.values()))[:20]!r}", client.post(path, fields))
            requests += 2
        for method in ("options", "head", "put", "delete"):
            check(method.upper(), path, getattr(client, method)(path))
            requests += 1
        check("POST", f"{path} json garbage", client.post(path, b"\x00[", content_type="application/json"))
        requests += 1

    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} of {requests} requests answered 5xx:\n" + "\n".join(failures[:60])
    assert requests > 1000
    assert elapsed < MAX_SECONDS, f"{requests} requests took {elapsed:.0f} s"
