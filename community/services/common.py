"""Small helpers every community service module uses."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from lofi_site.actors import Actor


def absolute_url(path: str) -> str:
    """The site's address in front of a path, for links in e-mails."""
    return f"{settings.SITE_URL}{path}"


def require_permission(actor: Actor, permission: str, what: str) -> None:
    """Raise PermissionDenied unless `actor` holds `permission`; `what` completes "You may not ..."."""
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"You may not {what}.")
