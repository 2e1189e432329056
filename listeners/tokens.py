"""Signed tokens for listeners' links: one-click release-alert unsubscribe (the sign-in link itself is
monetization's magic-link token, so "My downloads" and listener accounts share one sign-in)."""

from __future__ import annotations

from django.core import signing

_ALERTS_OFF_SALT = "listeners.release-alerts-off"


def alerts_off_token(listener_uuid) -> str:
    return signing.dumps(str(listener_uuid), salt=_ALERTS_OFF_SALT)


def alerts_off_token_read(token: str) -> str | None:
    """The listener uuid in an unsubscribe token (never expires: unsubscribing must always work)."""
    try:
        value = signing.loads(token, salt=_ALERTS_OFF_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return value if isinstance(value, str) else None
