"""Checkout: an order from the cart, its Stripe Checkout Session, and asking Stripe when the webhook is late."""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from monetization import conf, selectors, stripe_gateway
from monetization.audit_verbs import SalesVerb
from monetization.models import Order, OrderLine
from monetization.services.orders import order_fulfil
from operations.services import audit_log

log = logging.getLogger(__name__)


@transaction.atomic
def order_create(*, lines: list[selectors.CartLine], email: str, licensee_name: str) -> Order:
    """Create a pending order from priced cart lines (prices come from the database via `cart_lines`, never
    from the browser). All lines must share one currency, as a Stripe Checkout Session requires."""
    if not lines:
        raise ValidationError("Your cart is empty.")
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise ValidationError("Items priced in different currencies must be bought in separate orders.")
    email = email.strip()
    validate_email(email)
    if not licensee_name.strip():
        raise ValidationError({"licensee_name": "Tell us who the licence is for."})
    order = Order(
        email=email,
        licensee_name=licensee_name.strip(),
        currency=currencies.pop(),
        total_minor=sum(line.unit_amount_minor for line in lines),
    )
    order.full_clean()
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            track=line.track,
            pack=line.pack,
            tier=line.tier,
            terms=line.terms,
            description=line.description[:300],
            unit_amount_minor=line.unit_amount_minor,
        )
        for line in lines
    )
    audit_log(
        actor=None,
        verb=SalesVerb.ORDER_CREATED,
        obj=order,
        summary=f"Checkout started: {len(lines)} item(s), {order.total_display}.",
    )
    return order


def order_checkout_start(*, order: Order, success_url: str, cancel_url: str) -> str:
    """Create the order's Stripe Checkout Session from its lines in the database and return the payment URL.

    The Stripe call happens outside a transaction (no row locks held across the network); the same
    order always maps to the same session through the idempotency key.
    """
    lines = list(order.lines.select_related("track", "pack", "tier"))
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": line.unit_amount_minor,
                    "product_data": {
                        "name": line.description,
                        "metadata": {
                            "tier": line.tier.slug,
                            "track": str(line.track.uuid) if line.track is not None else "",
                            "pack": str(line.pack.uuid) if line.pack is not None else "",
                        },
                    },
                },
            }
            for line in lines
        ],
        "customer_email": order.email,
        "client_reference_id": str(order.uuid),
        "metadata": {"order_uuid": str(order.uuid)},
        "payment_intent_data": {
            "metadata": {"order_uuid": str(order.uuid)},
            "description": f"{order} ({len(lines)} item(s))",
        },
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(time.time()) + conf.stripe_checkout_expiry_min() * 60,
    }
    session = stripe_gateway.checkout_session_create(params=params, idempotency_key=f"checkout-{order.uuid}")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(
            stripe_session_id=session["id"], checkout_url=session["url"] or "", updated_at=timezone.now()
        )
    return session["url"]


def order_sync_from_stripe(*, order: Order) -> Order:
    """Ask Stripe about a pending order's Checkout Session and fulfil it if it is paid.

    The webhook remains the authority; this lets the confirmation page show the downloads at once when the
    webhook is late (as Stripe advises). Fulfilment is idempotent: whichever comes second changes nothing.
    Stripe being unreachable leaves the order as it is.
    """
    if order.status != Order.Status.PENDING or not order.stripe_session_id:
        return order
    try:
        session = stripe_gateway.checkout_session_retrieve(session_id=order.stripe_session_id)
    except stripe_gateway.PaymentsUnavailable as error:
        log.warning("Could not check %s with Stripe: %s", order, error)
        return order
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return order
    return order_fulfil(
        order=order,
        payment_intent_id=session.get("payment_intent") or "",
        amount_total_minor=session.get("amount_total"),
        currency=session.get("currency") or "",
        session_id=session.get("id") or "",
    )
