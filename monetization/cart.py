"""The cart lives in the visitor's session as a list of keys naming what they want, never prices:
"t:<track uuid>:<tier slug>" for a track licence, "p:<pack uuid>" for a sample pack. Prices are looked up
in the database every time the cart is shown or paid (`selectors.cart_lines`)."""

from __future__ import annotations

SESSION_KEY = "cart"
MAX_ITEMS = 50


def track_key(track_uuid, tier_slug: str) -> str:
    return f"t:{track_uuid}:{tier_slug}"


def pack_key(pack_uuid) -> str:
    return f"p:{pack_uuid}"


def cart_keys(session) -> list[str]:
    keys = session.get(SESSION_KEY, [])
    return [k for k in keys if isinstance(k, str)][:MAX_ITEMS] if isinstance(keys, list) else []


def cart_add(session, key: str) -> str:
    """Add a key; a track already in the cart under another tier switches to this one (one licence per
    track per order). Returns "added", "switched", "already" or "full"."""
    keys = cart_keys(session)
    if key in keys:
        return "already"
    outcome = "added"
    if key.startswith("t:"):
        prefix = key.rsplit(":", 1)[0] + ":"
        if any(k.startswith(prefix) for k in keys):
            keys = [k for k in keys if not k.startswith(prefix)]
            outcome = "switched"
    if len(keys) >= MAX_ITEMS:
        return "full"
    session[SESSION_KEY] = [*keys, key]
    return outcome


def cart_remove(session, key: str) -> None:
    session[SESSION_KEY] = [k for k in cart_keys(session) if k != key]


def cart_set(session, keys: list[str]) -> None:
    session[SESSION_KEY] = list(keys)[:MAX_ITEMS]


def cart_clear(session) -> None:
    session.pop(SESSION_KEY, None)
