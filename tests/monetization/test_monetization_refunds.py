"""charge.refunded: the ledger books the refund; a full refund revokes licences and stops downloads."""

from __future__ import annotations

import pytest
from django.core import mail

from monetization import tasks
from monetization.models import DownloadLink, LedgerEntry, Licence, Order
from tests.monetization.factories import (
    charge_refunded,
    checkout_completed,
    licensable_track,
    pending_order,
    post_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(client):
    order = pending_order(
        tracks_and_tiers=[
            (licensable_track(title="A"), "creator"),
            (licensable_track(title="B", isrc="QZLF12600002"), "commercial"),
        ]
    )
    post_event(client, checkout_completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def test_full_refund_revokes_licences_disables_downloads_and_books_the_money_back(client, paid_order):
    licence = Licence.objects.filter(order_line__order=paid_order).first()

    response = post_event(client, charge_refunded(paid_order, amount_refunded=paid_order.total_minor))

    assert response.status_code == 200
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert set(Licence.objects.filter(order_line__order=paid_order).values_list("status", flat=True)) == {"revoked"}
    assert not DownloadLink.objects.filter(licence__order_line__order=paid_order, disabled_at__isnull=True).exists()
    net = sum(LedgerEntry.objects.filter(order=paid_order).values_list("amount_minor", flat=True))
    assert net == 0
    verify = client.get(f"/licences/verify/{licence.code}/").content.decode()
    assert "revoked" in verify


def test_replayed_refund_books_once(client, paid_order):
    payload = charge_refunded(paid_order, amount_refunded=paid_order.total_minor, event_id="evt_refund_1")
    post_event(client, payload)
    post_event(client, payload)
    post_event(client, charge_refunded(paid_order, amount_refunded=paid_order.total_minor, event_id="evt_refund_2"))

    refunds = LedgerEntry.objects.filter(order=paid_order, kind=LedgerEntry.Kind.REFUND)
    assert sum(refunds.values_list("amount_minor", flat=True)) == -paid_order.total_minor


def test_partial_refund_books_only_the_refunded_part_and_keeps_licences(client, paid_order):
    post_event(client, charge_refunded(paid_order, amount_refunded=1000))

    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PARTIALLY_REFUNDED
    assert paid_order.amount_refunded_minor == 1000
    refunds = LedgerEntry.objects.filter(order=paid_order, kind=LedgerEntry.Kind.REFUND)
    assert sum(refunds.values_list("amount_minor", flat=True)) == -1000
    assert not Licence.objects.filter(status=Licence.Status.REVOKED).exists()

    # Then the rest: Stripe sends the running total.
    post_event(client, charge_refunded(paid_order, amount_refunded=paid_order.total_minor))
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    refunds = LedgerEntry.objects.filter(order=paid_order, kind=LedgerEntry.Kind.REFUND)
    assert sum(refunds.values_list("amount_minor", flat=True)) == -paid_order.total_minor
    assert Licence.objects.filter(status=Licence.Status.REVOKED).count() == 2


def test_refund_notice_is_sent_once(client, paid_order):
    post_event(client, charge_refunded(paid_order, amount_refunded=paid_order.total_minor))
    mail.outbox.clear()

    tasks.order_refund_notice_task(paid_order.pk)
    tasks.order_refund_notice_task(paid_order.pk)

    assert len(mail.outbox) == 1
    assert "refunded" in mail.outbox[0].subject
    assert paid_order.email in mail.outbox[0].to


def test_refund_for_an_unknown_charge_is_acknowledged(client):
    from tests.monetization.factories import event

    response = post_event(
        client,
        event(
            "charge.refunded",
            {"id": "ch_x", "object": "charge", "payment_intent": "pi_unknown", "amount_refunded": 5},
        ),
    )
    assert response.status_code == 200
    assert "no order" in response.json()["outcome"]


def test_the_buyers_confirmation_page_says_refunded_not_confirmed(client, paid_order):
    paid_order.stripe_session_id = "cs_test_refunded"
    paid_order.save(update_fields=["stripe_session_id"])
    session = client.session
    session["checkout_orders"] = [str(paid_order.uuid)]
    session.save()
    post_event(client, charge_refunded(paid_order, amount_refunded=paid_order.total_minor))

    page = client.get("/checkout/complete/?session_id=cs_test_refunded").content.decode()

    assert f"Order {paid_order.reference} was refunded" in page
    assert "your order is confirmed" not in page and "Download Master" not in page
    assert "This licence was revoked" in page
