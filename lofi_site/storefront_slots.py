"""Places in the storefront's pages where other apps add their parts, without the storefront importing them.

The storefront (monetization) marks a place in a template with `{% load slots %}{% slot "track_detail" %}`;
an app fills it from its own `<app>/storefront.py` (found automatically, like dashboard panels):

    from lofi_site.storefront_slots import storefront_slot

    @storefront_slot("track_detail", order=10)
    def more_like_this(request, context) -> str:
        return render_to_string("listeners/_more_like_this.html", {...}, request=request)

A slot function gets the request and the page's template context (a flat dict) and returns HTML it has
escaped itself (render_to_string does), or "" to add nothing. A failing slot is logged and left out: one app's
bug must not take a shop page down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)
SlotFunction = Callable[..., str]
_SLOTS: dict[str, list[tuple[int, str, SlotFunction]]] = {}
_discovered = False


def storefront_slot(name: str, *, order: int = 50) -> Callable[[SlotFunction], SlotFunction]:
    def register(func: SlotFunction) -> SlotFunction:
        key = f"{func.__module__}.{func.__qualname__}"
        entries = _SLOTS.setdefault(name, [])
        if all(existing != key for _, existing, _ in entries):  # a re-import must not add it twice
            entries.append((order, key, func))
            entries.sort(key=lambda item: (item[0], item[1]))
        return func

    return register


def render_slot(name: str, request, context: dict) -> SafeString:
    global _discovered
    if not _discovered:
        autodiscover_modules("storefront")
        _discovered = True
    parts = []
    for _, key, func in _SLOTS.get(name, []):
        try:
            parts.append(func(request, context) or "")
        except Exception:  # logged with its traceback; the page renders without this part
            logger.exception("storefront slot %s: %s failed", name, key)
    return mark_safe("".join(parts))  # each part was escaped by the template that rendered it
