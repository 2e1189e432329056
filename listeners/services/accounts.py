"""Listener accounts: sign-in by e-mailed link, the profile, the data export and deleting the account."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from listeners import emails
from listeners.models import Favourite, Listener, Playlist
from monetization import conf as shop_conf
from monetization import selectors as shop_selectors
from monetization import services as shop_services
from monetization import tokens as shop_tokens
from operations.outbox import outbox_add

logger = logging.getLogger(__name__)
SIGN_IN_TASK = "listeners.tasks.sign_in_link_send_task"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_in_link_request(*, email: str) -> None:
    """Queue the sign-in e-mail (sent by `sign_in_link_send` in the worker), so the page answers at once, the
    same way for every address, and a slow mail server never breaks it (the task is retried)."""
    outbox_add(SIGN_IN_TASK, normalise_email(email), description="Listener sign-in link")


def sign_in_link_send(*, email: str) -> None:
    """E-mail a sign-in link to `email`. The link is the same signed, expiring token "My downloads" uses, so
    one sign-in opens both the listener's library and their purchases."""
    email = normalise_email(email)
    token = shop_tokens.magic_token(email)
    url = shop_conf.site_url() + reverse("listeners:access", args=[token])
    emails.message_from_templates(
        to=email,
        template="sign_in",
        context={"url": url, "ttl_h": shop_conf.magic_link_ttl_h(), "has_orders": _has_orders(email)},
    ).send()


def _has_orders(email: str) -> bool:
    return shop_selectors.orders_for_email(email).exists()


@transaction.atomic
def listener_sign_in(*, email: str) -> Listener:
    """The account of a verified address (the caller checked the signed link), created at first sign-in."""
    email = normalise_email(email)
    listener, created = Listener.objects.get_or_create(email=email)
    if created:
        listener.full_clean()
    listener.last_sign_in_at = timezone.now()
    listener.save(update_fields=["last_sign_in_at", "updated_at"])
    return listener


@transaction.atomic
def listener_profile_update(
    *, listener: Listener, display_name: str, is_public: bool, release_alerts: bool
) -> Listener:
    """Change the profile. A public profile needs a display name (it is what others see)."""
    display_name = " ".join(display_name.split())
    if is_public and not display_name:
        raise ValidationError("Choose a display name before making your profile public.")
    listener.display_name = display_name
    listener.is_public = is_public
    listener.release_alerts = release_alerts
    listener.full_clean()
    listener.save(update_fields=["display_name", "is_public", "release_alerts", "updated_at"])
    return listener


def _favourite_uuid(favourite: Favourite) -> str:
    target = favourite.track or favourite.release or favourite.pack
    return str(target.uuid) if target is not None else ""


def listener_data_export(*, listener: Listener) -> dict:
    """Everything the platform keeps about a listener, as JSON-safe data (GDPR article 15 and 20)."""
    favourites = Favourite.objects.filter(listener=listener).select_related("track__artist", "release", "pack")
    playlists = Playlist.objects.filter(listener=listener).prefetch_related("items__track__artist")
    orders = shop_selectors.orders_for_email(listener.email)
    return {
        "account": {
            "email": listener.email,
            "display_name": listener.display_name,
            "profile_public": listener.is_public,
            "release_alerts": listener.release_alerts,
            "created_at": listener.created_at.isoformat(),
            "last_sign_in_at": listener.last_sign_in_at.isoformat() if listener.last_sign_in_at else None,
        },
        "favourites": [
            {
                "kind": "track" if f.track_id else "release" if f.release_id else "pack",
                "title": str(f),
                "uuid": _favourite_uuid(f),
                "saved_at": f.created_at.isoformat(),
            }
            for f in favourites
        ],
        "playlists": [
            {
                "title": p.title,
                "description": p.description,
                "visibility": p.visibility,
                "tracks": [{"title": i.track.title, "artist": i.track.artist.name} for i in p.items.all()],
            }
            for p in playlists
        ],
        "follows": [f.artist.name for f in listener.follows.select_related("artist")],
        "ratings": [
            {"release": f.release.title, "rating": f.rating, "text": f.text, "status": f.status}
            for f in listener.feedback.select_related("release")
        ],
        "preview_plays": [
            {"track": p.track.title, "at": p.created_at.isoformat()} for p in listener.plays.select_related("track")
        ],
        "orders": [
            {
                "order": str(o.uuid),
                "paid_at": o.paid_at.isoformat() if o.paid_at else None,
                "status": o.status,
                "total_minor": o.total_minor,
                "currency": o.currency,
                "lines": [line.description for line in o.lines.all()],
            }
            for o in orders
        ],
    }


@transaction.atomic
def listener_delete(*, listener: Listener) -> int:
    """Delete the account and everything attached to it (library, plays, ratings, alerts). Orders and
    licences stay for the books, with the name and address replaced (monetization's `customer_anonymise`).
    Returns how many orders were anonymised."""
    anonymised = shop_services.customer_anonymise(email=listener.email)
    listener.delete()
    logger.info("A listener account was deleted; %s order(s) anonymised", anonymised)
    return anonymised
