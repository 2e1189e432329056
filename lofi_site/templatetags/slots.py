"""`{% slot "name" %}`: the parts other apps add to a storefront page (lofi_site/storefront_slots.py), and
`|absolute_url` for links that leave the site (Open Graph tags, e-mails)."""

from __future__ import annotations

from django import template
from django.conf import settings

from lofi_site.storefront_slots import render_slot

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str):
    request = context.get("request")
    if request is None:
        return ""
    return render_slot(name, request, context.flatten())


@register.filter
def absolute_url(url: str) -> str:
    """`url` as an absolute address: storage URLs from S3 already are; local ones get SITE_URL in front."""
    url = str(url or "")
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + (url if url.startswith("/") else "/" + url)


@register.filter
def image_url(field) -> str:
    """The URL of an image field, or "" when it holds no file (where `.url` would raise)."""
    try:
        return field.url if field else ""
    except (ValueError, AttributeError):
        return ""
