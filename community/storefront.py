"""The community's places in the storefront's pages (lofi_site/storefront_slots.py): its links in the main
navigation, so track requests and the newsletter are reached from every shop page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html_join

from lofi_site.storefront_slots import storefront_slot

NAV = (("community:requests", "Requests"), ("community:newsletter", "Newsletter"))


@storefront_slot("nav", order=10)
def community_nav(request, context) -> str:
    current = f"community:{request.resolver_match.url_name}" if request.resolver_match else ""
    return format_html_join(
        "",
        '<li><a href="{}" aria-current="{}">{}</a></li>',
        ((reverse(name), "page" if name == current else "false", label) for name, label in NAV),
    )
