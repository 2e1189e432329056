"""Stripe webhook: signatures accepted and rejected, replays harmless, each event type handled."""

from __future__ import annotations

import json
import time

import pytest

from monetization.models import DownloadLink, LedgerEntry, Licence, Order, StripeEvent
from operations.models import AuditEvent
from tests.monetization.factories import (
    checkout_completed,
    event,
    licensable_track,
    pending_order,
    post_event,
    sign,
)

pytestmark = pytest.mark.django_db


def test_signed_checkout_completed_pays_the_order_and_issues_one_licence_per_line(client):
    order = pending_order(
        tracks_and_tiers=[
            (licensable_track(title="A"), "creator"),
            (licensable_track(title="B", isrc="QZLF12600002"), "personal"),
        ]
    )

    response = post_event(client, checkout_completed(order))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    licences = Licence.objects.filter(order_line__order=order)
    assert sorted(licences.values_list("tier__slug", flat=True)) == ["creator", "personal"]
    assert all(licence.licensee_email == "buyer@example.com" for licence in licences)
    # each licence: a master and a certificate link
    assert DownloadLink.objects.filter(licence__in=licences).count() == 4
    sales = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE)
    assert sum(sales.values_list("amount_minor", flat=True)) == order.total_minor
    assert AuditEvent.objects.filter(verb="order.paid", object_id=str(order.pk)).exists()
    assert AuditEvent.objects.filter(verb="licence.issued").count() == 2


def test_replayed_event_changes_nothing(client):
    order = pending_order()
    payload = checkout_completed(order, event_id="evt_replayed_once")

    first = post_event(client, payload)
    second = post_event(client, payload)

    assert first.status_code == second.status_code == 200
    assert "already processed" in second.json()["outcome"]
    assert Licence.objects.filter(order_line__order=order).count() == 1
    assert LedgerEntry.objects.filter(order=order).count() == 1
    assert StripeEvent.objects.filter(event_id="evt_replayed_once").count() == 1


def test_fulfilment_runs_twice_without_issuing_twice_even_under_a_new_event_id(client):
    """Stripe may send the same completion as two different events (e.g. a manual resend)."""
    order = pending_order()

    post_event(client, checkout_completed(order, event_id="evt_a"))
    post_event(client, checkout_completed(order, event_id="evt_b"))

    assert Licence.objects.filter(order_line__order=order).count() == 1
    assert LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE).count() == 1


@pytest.mark.parametrize("tamper", ["wrong_secret", "changed_body", "no_header", "stale_timestamp", "garbage"])
def test_bad_signature_gets_400_and_changes_nothing(client, tamper):
    order = pending_order()
    payload = json.dumps(checkout_completed(order)).encode()
    if tamper == "wrong_secret":
        response = post_event(client, payload, secret="whsec_someone_else")
    elif tamper == "changed_body":
        signature = sign(payload)
        tampered = payload.replace(b'"paid"', b'"paid" ')
        response = post_event(client, tampered, signature=signature)
    elif tamper == "no_header":
        response = post_event(client, payload, signature="")
    elif tamper == "stale_timestamp":
        response = post_event(client, payload, signature=sign(payload, timestamp=int(time.time()) - 3600))
    else:
        response = post_event(client, payload, signature="t=1,v1=deadbeef")

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert not Licence.objects.exists()
    assert not StripeEvent.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_webhook_needs_no_csrf_token_but_only_accepts_post(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    order = pending_order()
    assert post_event(strict, checkout_completed(order)).status_code == 200
    assert client.get("/stripe/webhook/").status_code == 405


def test_no_webhook_secret_configured_refuses_everything(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    order = pending_order()
    assert post_event(client, checkout_completed(order)).status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_amount_that_does_not_match_the_order_issues_nothing(client):
    order = pending_order()

    post_event(client, checkout_completed(order, amount_total=1))

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert "nothing was issued" in order.failure_reason
    assert not Licence.objects.exists()
    assert AuditEvent.objects.filter(verb="order.amount_mismatch").exists()


def test_unpaid_completion_waits_for_async_payment(client):
    order = pending_order()

    post_event(client, checkout_completed(order, payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING

    succeeded = checkout_completed(order)
    succeeded["type"] = "checkout.session.async_payment_succeeded"
    post_event(client, succeeded)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_failed_async_payment_marks_the_order_failed_and_issues_nothing(client):
    order = pending_order()
    post_event(client, checkout_completed(order, payment_status="unpaid"))

    failed = checkout_completed(order, payment_status="unpaid")
    failed["type"] = "checkout.session.async_payment_failed"
    post_event(client, failed)

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "bank payment did not go through" in order.failure_reason
    assert not Licence.objects.exists()


def test_checkout_session_expired_marks_a_pending_order_expired(client):
    order = pending_order()
    obj = checkout_completed(order)["data"]["object"]

    post_event(client, event("checkout.session.expired", {**obj, "payment_status": "unpaid"}))

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_expiry_after_payment_does_not_undo_the_sale(client):
    order = pending_order()
    post_event(client, checkout_completed(order))
    post_event(client, event("checkout.session.expired", checkout_completed(order)["data"]["object"]))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_payment_failed_records_the_reason(client):
    order = pending_order()
    intent = {
        "id": "pi_failed_1",
        "object": "payment_intent",
        "metadata": {"order_uuid": str(order.uuid)},
        "last_payment_error": {"message": "Your card was declined."},
    }

    response = post_event(client, event("payment_intent.payment_failed", intent))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.failure_reason == "Your card was declined."
    assert not Licence.objects.exists()
    # A retry in the same Checkout Session can still succeed.
    post_event(client, checkout_completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_unknown_event_types_are_acknowledged_and_logged(client):
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert StripeEvent.objects.get().outcome.startswith("ignored")
