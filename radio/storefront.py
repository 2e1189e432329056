"""The radio's place in the storefront's pages (lofi_site/storefront_slots.py): a "Radio" link in the main
navigation while a station is on air."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from lofi_site.storefront_slots import storefront_slot
from radio.models import Station


@storefront_slot("nav", order=5)
def radio_nav(request, context) -> str:
    if not Station.objects.filter(on_air=True).exists():
        return ""
    current = request.resolver_match and request.resolver_match.view_name == "radio:radio"
    return format_html(
        '<li><a href="{}" aria-current="{}">Radio</a></li>', reverse("radio:radio"), "page" if current else "false"
    )
