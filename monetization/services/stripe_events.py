"""Stripe webhook events, each applied exactly once, dispatched to the order services."""

from __future__ import annotations

import hashlib
import uuid

from django.db import transaction
from django.utils import timezone

from monetization.models import Order, StripeEvent
from monetization.services.orders import (
    order_fulfil,
    order_mark_expired,
    order_mark_payment_failed,
    order_refund_record,
)


def stripe_event_process(*, event: dict) -> str:
    """Apply one verified Stripe event exactly once and return what happened, for the event log.

    The event row and every change it causes commit together: if handling fails, nothing is kept and Stripe
    retries; a replayed event id finds its processed row and changes nothing.
    """
    event_id, event_type = event["id"], event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    with transaction.atomic():
        record, _ = StripeEvent.objects.get_or_create(event_id=event_id, defaults={"type": event_type, "payload": obj})
        record = StripeEvent.objects.select_for_update().get(pk=record.pk)
        if record.processed_at is not None:
            return f"already processed: {record.outcome}"
        handler = _EVENT_HANDLERS.get(event_type)
        outcome = handler(obj) if handler else "ignored: not an event this shop acts on"
        record.processed_at, record.outcome = timezone.now(), outcome[:300]
        record.save(update_fields=["processed_at", "outcome"])
        return outcome


def stripe_event_record_malformed(*, payload: bytes, reason: str) -> StripeEvent:
    """Keep a signed body that is not a usable event in the event log (refused, never applied), so finance sees
    it next to the events that were. The same body sent again finds its row."""
    digest = hashlib.sha256(payload).hexdigest()
    record, _ = StripeEvent.objects.get_or_create(
        event_id=f"malformed:{digest[:40]}",
        defaults={
            "type": "malformed",
            "processed_at": timezone.now(),
            "outcome": f"refused: {reason}"[:300],
            "payload": {"body": payload[:2000].decode("utf-8", errors="replace")},
        },
    )
    return record


def _order_for(obj: dict) -> Order | None:
    metadata = obj.get("metadata") or {}
    ref = metadata.get("order_uuid") or obj.get("client_reference_id")
    if ref:
        try:
            order = Order.objects.filter(uuid=uuid.UUID(str(ref))).first()
        except ValueError:
            order = None
        if order is not None:
            return order
    if obj.get("object") == "checkout.session" and obj.get("id"):
        return Order.objects.filter(stripe_session_id=obj["id"]).first()
    intent = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    if intent:
        return Order.objects.filter(stripe_payment_intent_id=intent).first()
    return None


def _on_checkout_completed(session: dict) -> str:
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return f"{order}: payment still processing ({session.get('payment_status')})"
    order = order_fulfil(
        order=order,
        payment_intent_id=session.get("payment_intent") or "",
        amount_total_minor=session.get("amount_total"),
        currency=session.get("currency") or "",
        session_id=session.get("id") or "",
    )
    return f"{order}: {order.get_status_display()}"


def _on_checkout_expired(session: dict) -> str:
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    order = order_mark_expired(order=order)
    return f"{order}: {order.get_status_display()}"


def _on_payment_failed(intent: dict) -> str:
    order = _order_for(intent)
    if order is None:
        return f"no order for payment intent {intent.get('id')}"
    reason = ((intent.get("last_payment_error") or {}).get("message")) or "The payment was declined."
    order = order_mark_payment_failed(order=order, reason=reason, payment_intent_id=intent.get("id") or "")
    return f"{order}: {order.get_status_display()}"


def _on_async_payment_failed(session: dict) -> str:
    # A delayed payment method (a bank debit) failed after the checkout completed unpaid: nothing was issued.
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    order = order_mark_payment_failed(
        order=order,
        reason="The bank payment did not go through, so nothing was charged.",
        payment_intent_id=session.get("payment_intent") or "",
    )
    return f"{order}: {order.get_status_display()}"


def _on_charge_refunded(charge: dict) -> str:
    order = _order_for(charge)
    if order is None:
        return f"no order for charge {charge.get('id')}"
    order = order_refund_record(
        order=order,
        refunded_total_minor=int(charge.get("amount_refunded") or 0),
        charge_id=charge.get("id") or "",
        fully_refunded=bool(charge.get("refunded")),
    )
    return f"{order}: {order.get_status_display()}"


_EVENT_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "checkout.session.async_payment_succeeded": _on_checkout_completed,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "checkout.session.expired": _on_checkout_expired,
    "payment_intent.payment_failed": _on_payment_failed,
    "charge.refunded": _on_charge_refunded,
}
