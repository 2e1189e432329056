"""Links to a release on other platforms, for its public page.

The storefront (monetization) shows a release's page but may not import distribution, which knows where the
release went out. Distribution registers a function here (in its dashboard.py, autodiscovered at start-up):

    from lofi_site.public_links import PlatformLink, release_links

    @release_links
    def published_publications(release) -> list[PlatformLink]: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformLink:
    platform: str  # "YouTube"
    url: str


LinkSource = Callable[[object], list[PlatformLink]]
_SOURCES: dict[str, LinkSource] = {}


def release_links(func: LinkSource) -> LinkSource:
    _SOURCES[f"{func.__module__}.{func.__qualname__}"] = func  # keyed: a re-import does not double links
    return func


def links_for_release(release) -> list[PlatformLink]:
    """Every registered source's links for a release, without repeats."""
    seen, links = set(), []
    for source in _SOURCES.values():
        for link in source(release):
            if link.url not in seen:
                seen.add(link.url)
                links.append(link)
    return links
