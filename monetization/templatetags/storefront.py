"""Template helpers for the storefront: money, durations, download URLs, cart count."""

from __future__ import annotations

from email.utils import parseaddr

from django import template
from django.conf import settings
from django.urls import reverse

from monetization import cart, tokens
from monetization.money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency: str = "usd") -> str:
    """{{ tier.price_minor|money:tier.currency }} -> "$29.00"."""
    try:
        return format_money(int(amount_minor), currency or "usd")
    except (TypeError, ValueError):
        return ""


@register.filter
def duration(seconds) -> str:
    """183.4 -> "3:03"; empty for unknown lengths."""
    if seconds in (None, ""):
        return ""
    minutes, secs = divmod(round(float(seconds)), 60)
    return f"{minutes}:{secs:02d}"


@register.filter
def filesize(size_bytes) -> str:
    size = float(size_bytes or 0)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@register.filter
def download_path(link) -> str:
    return reverse("monetization:download", args=[tokens.download_token(link.uuid)])


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    request = context.get("request")
    return len(cart.cart_keys(request.session)) if request is not None else 0


@register.simple_tag
def contact_email() -> str:
    """Where buyers write to the label: the address its e-mails come from (DEFAULT_FROM_EMAIL)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


PUBLIC_TRACK_ASSETS = {"preview", "waveform", "peaks"}


@register.filter
def asset(track, kind: str):
    """{{ track|asset:"preview" }}: a public asset of the track (prefetched), never a master or a stem."""
    if kind not in PUBLIC_TRACK_ASSETS:
        raise template.TemplateSyntaxError(f"only public assets may be linked from pages, not {kind!r}")
    found = track.asset(kind)
    return found if found is not None and found.url else None
