"""An order's payment outcomes: paid (licences, downloads, ledger), expired, payment failed, refunded."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from monetization.audit_verbs import SalesVerb
from monetization.engine.money import allocate, format_money
from monetization.models import LedgerEntry, Licence, Order
from monetization.services.ledger import ledger_entry_book, ledger_sale_book
from monetization.services.licences import licence_issue, licence_revoke
from operations.outbox import outbox_add
from operations.services import audit_log


@transaction.atomic
def order_fulfil(
    *,
    order: Order,
    payment_intent_id: str,
    amount_total_minor: int | None,
    currency: str,
    session_id: str = "",
) -> Order:
    """Mark a paid order paid and issue one licence per line with its download links and ledger entry.

    Runs any number of times with the same result: an order already paid is returned untouched. A payment
    that does not match the order's total and currency is refused (recorded, nothing issued).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.is_paid:
        return order
    if amount_total_minor != order.total_minor or currency.lower() != order.currency:
        order.failure_reason = (
            f"Stripe reported {amount_total_minor} {currency} but the order totals "
            f"{order.total_minor} {order.currency}; nothing was issued."
        )
        order.save(update_fields=["failure_reason", "updated_at"])
        audit_log(actor=None, verb=SalesVerb.ORDER_AMOUNT_MISMATCH, obj=order, summary=order.failure_reason)
        return order
    now = timezone.now()
    order.status, order.paid_at, order.failure_reason = Order.Status.PAID, now, ""
    order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
    if session_id and not order.stripe_session_id:
        order.stripe_session_id = session_id
    order.save()
    audit_log(
        actor=None,
        verb=SalesVerb.ORDER_PAID,
        obj=order,
        summary=f"Paid {order.total_display} through Stripe.",
        changes={"status": [Order.Status.PENDING, Order.Status.PAID]},
    )
    for line in order.lines.select_related("track__artist", "pack", "tier", "terms"):
        licence_issue(line=line)
        ledger_sale_book(order=order, line=line, booked_on=timezone.localdate(now))
    outbox_add("monetization.tasks.order_paperwork_task", order.pk, description=f"Order confirmation: {order}")
    return order


@transaction.atomic
def order_mark_expired(*, order: Order) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status in (Order.Status.PENDING, Order.Status.FAILED):
        previous = order.status
        order.status = Order.Status.EXPIRED
        order.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=None,
            verb=SalesVerb.ORDER_EXPIRED,
            obj=order,
            summary="The Stripe checkout expired unpaid.",
            changes={"status": [previous, order.status]},
        )
    return order


@transaction.atomic
def order_mark_payment_failed(*, order: Order, reason: str, payment_intent_id: str) -> Order:
    """A payment attempt failed. The checkout stays open for another attempt, so this is only recorded."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        return order
    order.status, order.failure_reason = Order.Status.FAILED, reason[:1000]
    order.stripe_payment_intent_id = order.stripe_payment_intent_id or payment_intent_id
    order.save(update_fields=["status", "failure_reason", "stripe_payment_intent_id", "updated_at"])
    audit_log(
        actor=None,
        verb=SalesVerb.ORDER_PAYMENT_FAILED,
        obj=order,
        summary=f"Payment failed: {reason}"[:500],
        changes={"status": [Order.Status.PENDING, Order.Status.FAILED]},
    )
    return order


@transaction.atomic
def order_refund_record(*, order: Order, refunded_total_minor: int, charge_id: str, fully_refunded: bool) -> Order:
    """Record Stripe's running refunded total for the order's charge.

    Books the new part of the refund in the ledger (spread over the lines in proportion to their price);
    a full refund revokes every licence of the order and disables its downloads. Replays and out-of-date
    totals change nothing.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        return order
    refunded_total_minor = min(refunded_total_minor, order.total_minor)
    delta = refunded_total_minor - order.amount_refunded_minor
    full = fully_refunded or refunded_total_minor >= order.total_minor
    if delta > 0:
        lines = list(order.lines.select_related("track", "pack"))
        shares = allocate(delta, [line.unit_amount_minor for line in lines])
        today = timezone.localdate()
        for line, share in zip(lines, shares, strict=True):
            if share:
                ledger_entry_book(
                    order=order,
                    line=line,
                    kind=LedgerEntry.Kind.REFUND,
                    amount_minor=-share,
                    booked_on=today,
                    external_ref=f"refund:{charge_id}:{refunded_total_minor}:{line.pk}",
                    description=f"Refund — {line.description}",
                )
        order.amount_refunded_minor = refunded_total_minor
        order.refunded_at = timezone.now()
    previous = order.status
    if full:
        order.status = Order.Status.REFUNDED
    elif order.amount_refunded_minor > 0:
        order.status = Order.Status.PARTIALLY_REFUNDED
    if previous == order.status and delta <= 0:
        return order
    order.save(update_fields=["status", "amount_refunded_minor", "refunded_at", "updated_at"])
    audit_log(
        actor=None,
        verb=SalesVerb.ORDER_REFUNDED,
        obj=order,
        summary=f"Refunded {format_money(order.amount_refunded_minor, order.currency)} of {order.total_display}.",
        changes={"status": [previous, order.status]},
    )
    if order.status == Order.Status.REFUNDED:
        for licence in Licence.objects.filter(order_line__order=order):
            licence_revoke(licence=licence, reason="The payment was refunded.")
        outbox_add("monetization.tasks.order_refund_notice_task", order.pk, description=f"Refund notice: {order}")
    return order
