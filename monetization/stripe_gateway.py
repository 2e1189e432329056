"""The only place that talks to Stripe: Checkout Session creation and webhook verification.

The client is built per call from settings, so tests (and staging) point `STRIPE_API_BASE` at their own
server and nothing global in the stripe module is changed.
"""

from __future__ import annotations

import json
import time

import stripe

from monetization import conf


class PaymentsUnavailable(Exception):
    """Stripe is not configured or did not answer: the buyer is told to try again later."""


class BadWebhook(Exception):
    """The webhook body is not JSON or its signature does not match: answered with 400."""


class MalformedWebhook(BadWebhook):
    """Signed with our secret, but not shaped like a Stripe event: answered with 400 and recorded."""


# Stripe's own tolerance for a signature's age; a timestamp this far in the future is refused as well (the stripe
# library checks only the past, so a captured body signed "an hour from now" would stay replayable for an hour).
SIGNATURE_TOLERANCE_S = 300


def _client() -> stripe.StripeClient:
    key = conf.stripe_secret_key()
    if not key:
        raise PaymentsUnavailable("STRIPE_SECRET_KEY is not set.")
    return stripe.StripeClient(key, base_addresses={"api": conf.stripe_api_base()}, max_network_retries=2)


def checkout_session_create(*, params: dict, idempotency_key: str) -> dict:
    """Create a Checkout Session; returns {"id", "url", "expires_at"}.

    `idempotency_key` makes a retried request (a double click, a network retry) return the same session.
    """
    try:
        session = _client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise PaymentsUnavailable(str(error.user_message or error)) from error
    data = session.to_dict()
    return {"id": data["id"], "url": data.get("url"), "expires_at": data.get("expires_at")}


def checkout_session_retrieve(*, session_id: str) -> dict:
    """The Checkout Session as Stripe has it now (payment_status, amount_total, payment_intent, ...)."""
    try:
        session = _client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as error:
        raise PaymentsUnavailable(str(error.user_message or error)) from error
    return session.to_dict()


def webhook_event_verify(*, payload: bytes, signature_header: str | None) -> dict:
    """Check the Stripe-Signature header (HMAC-SHA256 over "<t>.<payload>", 5-minute tolerance).

    Returns the event as a plain dict. Raises BadWebhook for any body not signed with our endpoint secret.
    """
    secret = conf.stripe_webhook_secret()
    if not secret:
        raise BadWebhook("STRIPE_WEBHOOK_SECRET is not set, so no event can be trusted.")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=SIGNATURE_TOLERANCE_S)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise BadWebhook(str(error)) from error
    signed_at = _signature_timestamp(signature_header or "")
    if signed_at is None or signed_at > time.time() + SIGNATURE_TOLERANCE_S:
        raise BadWebhook("The signature's timestamp is in the future.")
    # These exact bytes are verified; parse them as plain JSON (not StripeObjects) and check the shape.
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise MalformedWebhook(f"The body is not JSON: {error}") from error
    return event_shape_check(event)


def _signature_timestamp(header: str) -> int | None:
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def event_shape_check(event) -> dict:
    """The parts of an event every handler relies on: an object with a string `id` and `type` and a `data.object`
    that is itself an object (with `metadata` an object when present). Raises MalformedWebhook otherwise."""
    if not isinstance(event, dict):
        raise MalformedWebhook(f"The body is a JSON {type(event).__name__}, not an event object.")
    if not isinstance(event.get("id"), str) or not event["id"].strip():
        raise MalformedWebhook("The event has no id.")
    if not isinstance(event.get("type"), str):
        raise MalformedWebhook("The event has no type.")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedWebhook("The event's data.object is not an object.")
    if not isinstance(data["object"].get("metadata", {}) or {}, dict):
        raise MalformedWebhook("The event's data.object.metadata is not an object.")
    if len(event["id"]) > 255 or len(event["type"]) > 100:
        raise MalformedWebhook("The event's id or type is too long.")
    return event
