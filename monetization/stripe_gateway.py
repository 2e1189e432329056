"""The only place that talks to Stripe: Checkout Session creation and webhook verification.

The client is built per call from settings, so tests (and staging) point `STRIPE_API_BASE` at their own
server and nothing global in the stripe module is changed.
"""

from __future__ import annotations

import json

import stripe

from monetization import conf


class PaymentsUnavailable(Exception):
    """Stripe is not configured or did not answer: the buyer is told to try again later."""


class BadWebhook(Exception):
    """The webhook body is not JSON or its signature does not match: answered with 400."""


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
        stripe.Webhook.construct_event(payload, signature_header, secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise BadWebhook(str(error)) from error
    # construct_event verified these exact bytes; keep the plain JSON rather than StripeObjects.
    return json.loads(payload)
