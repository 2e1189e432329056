"""The newsletter's subscribers: double opt-in, confirmation and unsubscribe links, unsubscribing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community import conf, emails, tokens
from community.models import CampaignDelivery, Subscriber
from community.services.common import absolute_url
from operations.outbox import outbox_add

CONFIRMATION_TASK = "community.tasks.subscriber_confirmation_send_task"


# A second sign-up within this time does not send another confirmation e-mail (no mail-bombing by form).
CONFIRMATION_RESEND_AFTER = timedelta(minutes=10)


def _normalise_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def subscriber_subscribe(*, email: str) -> Subscriber:
    """Start (or restart) double opt-in for `email`: the address is pending until its confirmation link is
    used.

    A confirmed address stays as it is and gets no mail (the form must not reveal who subscribed). The
    confirmation e-mail is queued at most once per CONFIRMATION_RESEND_AFTER. Raises ValidationError for an
    invalid address.
    """
    email = _normalise_email(email)
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        subscriber = Subscriber(email=email)
        subscriber.full_clean()
        subscriber.save()
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    now = timezone.now()
    if (
        subscriber.status == Subscriber.Status.PENDING
        and subscriber.confirmation_sent_at
        and now - subscriber.confirmation_sent_at < CONFIRMATION_RESEND_AFTER
    ):
        return subscriber
    subscriber.status = Subscriber.Status.PENDING
    subscriber.unsubscribed_at = None
    # The token carries this moment (to the microsecond): only the newest e-mail's link may confirm.
    subscriber.confirmation_sent_at = now
    subscriber.save(update_fields=["status", "unsubscribed_at", "confirmation_sent_at", "updated_at"])
    outbox_add(CONFIRMATION_TASK, subscriber.pk, description="Newsletter sign-up confirmation")
    return subscriber


def _sent_stamp(moment: datetime) -> int:
    return round(moment.timestamp() * 1_000_000)


def confirm_url(subscriber: Subscriber) -> str:
    sent = subscriber.confirmation_sent_at
    if sent is None:
        raise ValueError(f"Subscriber {subscriber.pk} has no confirmation e-mail to link to.")
    return absolute_url(
        reverse(
            "community:newsletter_confirm",
            args=[tokens.confirm_token(subscriber.uuid, _sent_stamp(sent))],
        )
    )


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("community:newsletter_unsubscribe", args=[tokens.unsubscribe_token(subscriber.uuid)]))


def lead_magnet_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("community:lead_magnet_download", args=[tokens.lead_magnet_token(subscriber.uuid)]))


def subscriber_confirmation_send(*, subscriber: Subscriber) -> bool:
    """Send the double opt-in e-mail of a pending subscriber. Returns False when there is nothing to send."""
    subscriber.refresh_from_db()
    if subscriber.status != Subscriber.Status.PENDING or subscriber.confirmation_sent_at is None:
        return False
    emails.send_templated(
        to=subscriber.email,
        template="newsletter_confirm",
        context={
            "confirm_url": confirm_url(subscriber),
            "max_age_h": conf.confirm_max_age_s() // 3600,
        },
        headers=emails.unsubscribe_headers(unsubscribe_url(subscriber)),
    )
    return True


class TokenRefused(ValidationError):
    """A newsletter link that is forged, expired or superseded."""


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm the address a confirmation link was sent to. Idempotent for a confirmed subscriber.

    Raises TokenRefused when the token is forged or expired, or is not from the newest confirmation e-mail
    (after unsubscribing and signing up again, only the new link works).
    """
    claim = tokens.confirm_token_read(token)
    subscriber = Subscriber.objects.select_for_update().filter(uuid=claim.subscriber_uuid).first() if claim else None
    if claim is None or subscriber is None:
        raise TokenRefused("This confirmation link is not valid or has expired. Sign up again to get a new one.")
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    sent = subscriber.confirmation_sent_at
    if subscriber.status != Subscriber.Status.PENDING or sent is None or _sent_stamp(sent) != claim.sent_stamp:
        raise TokenRefused("This confirmation link has been replaced by a newer one. Use the newest e-mail.")
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop all mail to the subscriber at once: status unsubscribed and any campaign mail not yet sent to them
    dropped. Idempotent."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    CampaignDelivery.objects.filter(subscriber=subscriber, status=CampaignDelivery.Status.PENDING).delete()
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    return subscriber
