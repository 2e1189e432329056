"""Template helpers for the storefront: money, durations, download URLs, cart count."""

from __future__ import annotations

import hashlib

from django import template
from django.urls import reverse
from django.utils.html import format_html

from monetization import cart, conf, tokens
from monetization.engine.money import format_money

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
    """Where buyers write to the label (CONTACT_EMAIL, else the address its e-mails come from)."""
    return conf.contact_email()


@register.filter
def pack_name(title: str) -> str:
    """ "Rain Loops" -> "Rain Loops sample pack"; "Night Shift Sample Pack" stays as it is (no "pack pack")."""
    title = str(title or "").strip()
    return title if title.lower().endswith("pack") else f"{title} sample pack"


# Dusk palettes for generated covers: (top, bottom, text).
_COVER_PALETTES = (
    ("#2b2d5c", "#c76b8f", "#fdf1e6"),
    ("#1f3b4d", "#e0a458", "#fff7ea"),
    ("#3a2e5a", "#5fb3b3", "#f4f1ff"),
    ("#4a2c2a", "#d98e73", "#fff3ea"),
    ("#203a2f", "#9cc5a1", "#f3fff5"),
    ("#2e2a45", "#f2b880", "#fff8ef"),
)


@register.simple_tag
def cover(obj, size: int = 300, alt: str = ""):
    """The cover of a release, a track (its release's) or a pack: the uploaded artwork when there is one,
    else a cover drawn from the title (the same title always gives the same picture)."""
    release = obj if hasattr(obj, "artwork") else getattr(obj, "cover_release", None)
    if release is not None and release.artwork:
        return format_html(
            '<img class="cover" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            release.artwork.url,
            alt,
            size,
            size,
        )
    title = str(getattr(release, "title", "") or getattr(obj, "title", "") or "")
    digest = hashlib.sha256(title.encode()).digest()
    top, bottom, ink = _COVER_PALETTES[digest[0] % len(_COVER_PALETTES)]
    sun_x, sun_y = 30 + digest[1] % 40, 30 + digest[2] % 25
    words = title.split()
    line1 = " ".join(words[:3])[:22]
    line2 = " ".join(words[3:6])[:22]
    return format_html(
        '<svg class="cover cover-generated" viewBox="0 0 100 100" width="{size}" height="{size}" role="img" '
        'aria-label="{alt}"><defs><linearGradient id="g{id}" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/></linearGradient></defs>'
        '<rect width="100" height="100" fill="url(#g{id})"/>'
        '<circle cx="{sx}" cy="{sy}" r="14" fill="{ink}" fill-opacity=".35"/>'
        '<rect y="72" width="100" height="28" fill="#000" fill-opacity=".18"/>'
        '<text x="8" y="84" fill="{ink}" font-size="7.5" font-family="Georgia, serif">{l1}</text>'
        '<text x="8" y="93" fill="{ink}" font-size="7.5" font-family="Georgia, serif">{l2}</text></svg>',
        size=size,
        alt=alt or f"Cover of {title}",
        id=digest[:4].hex(),
        top=top,
        bottom=bottom,
        ink=ink,
        sx=sun_x,
        sy=sun_y,
        l1=line1,
        l2=line2,
    )


PUBLIC_TRACK_ASSETS = {"preview", "waveform", "peaks"}


@register.filter
def asset(track, kind: str):
    """{{ track|asset:"preview" }}: a public asset of the track (prefetched), never a master or a stem."""
    if kind not in PUBLIC_TRACK_ASSETS:
        raise template.TemplateSyntaxError(f"only public assets may be linked from pages, not {kind!r}")
    found = track.asset(kind)
    return found if found is not None and found.url else None
