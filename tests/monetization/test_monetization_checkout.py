"""Cart and checkout: prices always from the database, Stripe sessions built on the server, rate limits."""

from __future__ import annotations

import pytest

from monetization.models import Order, SamplePack
from tests.monetization.factories import STRIPE_KEY, licensable_track, tier

pytestmark = pytest.mark.django_db

CHECKOUT_FORM = {"licensee_name": "Ada Studio Ltd", "email": "ada@example.com", "accept_terms": "on"}


def add_licence(client, track, tier_slug, **extra):
    return client.post("/cart/add/", {"kind": "track", "track": str(track.uuid), "tier": tier_slug, **extra})


def test_checkout_creates_a_stripe_session_priced_from_the_database(client, stripe_stub):
    track = licensable_track()
    creator = tier("creator")

    add_licence(client, track, "creator")
    response = client.post("/checkout/", CHECKOUT_FORM)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_stub.base_url}/pay/cs_test_")
    [request] = stripe_stub.session_requests()
    assert request["authorization"] == f"Bearer {STRIPE_KEY}"
    params = request["params"]
    [item] = params["line_items"]
    assert int(item["price_data"]["unit_amount"]) == creator.price_minor
    assert item["price_data"]["currency"] == creator.currency
    assert params["mode"] == "payment"
    assert params["customer_email"] == "ada@example.com"
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    order = Order.objects.get()
    assert params["client_reference_id"] == str(order.uuid)
    assert order.stripe_session_id == "cs_test_0001"
    assert order.total_minor == creator.price_minor
    assert order.lines.get().terms == creator.current_terms()


def test_prices_sent_by_the_browser_are_ignored(client, stripe_stub):
    """Tampered forms (price fields in the cart POST or the checkout POST) change nothing."""
    track = licensable_track()
    commercial = tier("commercial")

    add_licence(client, track, "commercial", price="1", price_minor="1", unit_amount="1", amount="0.01")
    client.post("/checkout/", {**CHECKOUT_FORM, "total_minor": "1", "unit_amount": "1", "currency": "jpy"})

    [request] = stripe_stub.session_requests()
    assert int(request["params"]["line_items"][0]["price_data"]["unit_amount"]) == commercial.price_minor == 9900
    assert request["params"]["line_items"][0]["price_data"]["currency"] == "usd"
    assert Order.objects.get().total_minor == 9900


def test_a_price_change_after_adding_to_cart_is_charged_at_the_new_price(client, stripe_stub):
    track = licensable_track()
    add_licence(client, track, "personal")
    personal = tier("personal")
    personal.price_minor = 1200
    personal.save()

    client.post("/checkout/", CHECKOUT_FORM)

    assert int(stripe_stub.session_requests()[0]["params"]["line_items"][0]["price_data"]["unit_amount"]) == 1200


def test_unknown_tier_or_unlicensable_track_cannot_be_added(client):
    track = licensable_track()
    draft = licensable_track(title="Draft", isrc=None)
    draft.status = "draft"
    draft.save()

    add_licence(client, track, "free-for-all")
    add_licence(client, draft, "creator")
    client.post("/cart/add/", {"kind": "pack", "pack": "not-a-uuid"})

    assert client.session.get("cart", []) == []


def test_one_licence_per_track_in_the_cart(client):
    track = licensable_track()
    add_licence(client, track, "personal")
    add_licence(client, track, "commercial")

    assert client.session["cart"] == [f"t:{track.uuid}:commercial"]
    response = client.get("/cart/")
    assert "Commercial" in response.content.decode()


def test_checkout_form_needs_name_email_and_terms(client, stripe_stub):
    add_licence(client, licensable_track(), "creator")

    response = client.post("/checkout/", {"email": "not-an-email"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Please confirm you accept the licence terms." in body
    assert not stripe_stub.session_requests()
    assert not Order.objects.exists()


def test_checkout_is_rate_limited_per_client(client, stripe_stub, settings):
    settings.CHECKOUT_RATE_LIMIT_PER_HOUR = 2
    add_licence(client, licensable_track(), "creator")

    statuses = [client.post("/checkout/", CHECKOUT_FORM).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert len(stripe_stub.session_requests()) == 2


def test_stripe_unreachable_tells_the_buyer_and_charges_nothing(client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    add_licence(client, licensable_track(), "creator")

    response = client.post("/checkout/", CHECKOUT_FORM)

    assert response.status_code == 200
    assert "Payments are unavailable right now" in response.content.decode()
    assert Order.objects.get().status == Order.Status.FAILED


def test_without_stripe_keys_checkout_explains_and_creates_no_order(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    add_licence(client, licensable_track(), "creator")

    page = client.get("/checkout/").content.decode()
    response = client.post("/checkout/", CHECKOUT_FORM)

    assert "Online payment is not available on this shop yet" in page
    assert "Pay securely with Stripe" not in page
    assert response.status_code == 200
    assert "no order can be placed. Nothing was charged." in response.content.decode()
    assert not Order.objects.exists()


def test_csrf_is_enforced_on_cart_and_checkout():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    track = licensable_track()
    assert strict.post("/cart/add/", {"kind": "track", "track": str(track.uuid), "tier": "creator"}).status_code == 403
    assert strict.post("/checkout/", CHECKOUT_FORM).status_code == 403


def test_completion_page_waits_then_shows_downloads_to_the_buyer_only(client, stripe_stub):
    from tests.monetization.factories import checkout_completed, post_event

    add_licence(client, licensable_track(), "creator")
    client.post("/checkout/", CHECKOUT_FORM)
    order = Order.objects.get()

    waiting = client.get(f"/checkout/complete/?session_id={order.stripe_session_id}")
    assert "Confirming your payment" in waiting.content.decode()
    assert client.get(f"/checkout/complete/status/?session_id={order.stripe_session_id}").json()["paid"] is False

    post_event(client, checkout_completed(order))
    done = client.get(f"/checkout/complete/?session_id={order.stripe_session_id}").content.decode()
    assert "your order is confirmed" in done
    assert "Download Master (WAV)" in done
    assert "a••@example.com" in done and "ada@example.com" not in done  # masked even for the buyer
    assert client.session.get("cart") is None

    from django.test import Client

    stranger = Client().get(f"/checkout/complete/?session_id={order.stripe_session_id}").content.decode()
    assert "Download Master" not in stranger


def test_mixed_currencies_cannot_be_checked_out_together(client, stripe_stub):
    track_a, track_b = licensable_track(title="A"), licensable_track(title="B", isrc="QZLF12600002")
    sync = tier("sync-broadcast")
    sync.currency = "eur"
    sync.save()
    add_licence(client, track_a, "creator")
    add_licence(client, track_b, "sync-broadcast")

    response = client.post("/checkout/", CHECKOUT_FORM)

    assert response.status_code == 200
    assert "separate orders" in response.content.decode()
    assert not stripe_stub.session_requests()


def test_packs_not_built_or_unpublished_are_not_sold(client):
    pack = SamplePack.objects.create(
        slug="dusk", title="Dusk", code="DUSK", tier=tier("sample-pack"), price_minor=1900, is_published=True
    )
    client.post("/cart/add/", {"kind": "pack", "pack": str(pack.uuid)})
    assert client.session.get("cart", []) == []


def test_confirmation_page_fulfils_from_stripe_when_the_webhook_is_late(client, stripe_stub):
    from monetization.models import Licence
    from tests.monetization.factories import checkout_completed, post_event

    add_licence(client, licensable_track(), "creator")
    client.post("/checkout/", CHECKOUT_FORM)
    order = Order.objects.get()
    stripe_stub.pay(order.stripe_session_id)

    page = client.get(f"/checkout/complete/?session_id={order.stripe_session_id}").content.decode()

    assert "your order is confirmed" in page and "Download Master (WAV)" in page
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.stripe_payment_intent_id == f"pi_{order.stripe_session_id}"
    post_event(client, checkout_completed(order))  # the webhook arrives afterwards: nothing is issued twice
    assert Licence.objects.filter(order_line__order=order).count() == 1


def test_confirmation_page_does_not_ask_stripe_for_someone_elses_order(client, stripe_stub):
    from django.test import Client

    add_licence(client, licensable_track(), "creator")
    client.post("/checkout/", CHECKOUT_FORM)
    order = Order.objects.get()
    stripe_stub.pay(order.stripe_session_id)

    Client().get(f"/checkout/complete/?session_id={order.stripe_session_id}")

    assert [r for r in stripe_stub.requests if r.get("method") == "GET"] == []
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
