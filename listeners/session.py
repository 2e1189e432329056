"""Who is asking: the signed-in listener (their id in the session after a magic-link sign-in) and the
visitor key the play log and A/B tests use (a keyed hash, never the session key or an address in clear)."""

from __future__ import annotations

import secrets

from django.http import HttpRequest

from listeners.models import Listener
from lofi_site.ratelimit import private_hash

LISTENER_SESSION_KEY = "listener_id"
VISITOR_SESSION_KEY = "visitor_id"
DOWNLOADS_SESSION_KEY = "downloads_email"  # monetization's "My downloads" session key: one sign-in opens both
SESSION_DAYS = 14


def current_listener(request: HttpRequest) -> Listener | None:
    if not hasattr(request, "_listener"):
        listener_id = request.session.get(LISTENER_SESSION_KEY)
        request._listener = Listener.objects.filter(pk=listener_id).first() if listener_id else None
    return request._listener


def sign_in(request: HttpRequest, listener: Listener) -> None:
    visitor = request.session.get(VISITOR_SESSION_KEY)
    request.session.cycle_key()  # a new session id at sign-in: no session fixation
    request.session[LISTENER_SESSION_KEY] = listener.pk
    request.session[DOWNLOADS_SESSION_KEY] = listener.email
    if visitor:
        request.session[VISITOR_SESSION_KEY] = visitor
    request.session.set_expiry(SESSION_DAYS * 24 * 3600)
    request._listener = listener


def sign_out(request: HttpRequest) -> None:
    request.session.pop(LISTENER_SESSION_KEY, None)
    request.session.pop(DOWNLOADS_SESSION_KEY, None)
    request._listener = None


def visitor_hash(request: HttpRequest) -> str:
    """A stable, anonymous visitor key: for a signed-in listener their account (the same variant on every
    device), otherwise a random id kept in the session."""
    listener = current_listener(request)
    if listener is not None:
        return private_hash(f"listener:{listener.uuid}", purpose="listeners-visitor")
    visitor = request.session.get(VISITOR_SESSION_KEY)
    if not visitor:
        visitor = secrets.token_hex(16)
        request.session[VISITOR_SESSION_KEY] = visitor
    return private_hash(f"visitor:{visitor}", purpose="listeners-visitor")
