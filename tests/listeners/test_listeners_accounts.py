"""Signing in by e-mailed link, My library's orders, the data export and account deletion."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from listeners.models import Favourite, Listener, Playlist
from monetization.models import Licence, Order
from monetization.services import order_fulfil
from tests.listeners.conftest import signed_in_client
from tests.monetization.factories import licensable_track, pending_order


def _paid_order(email: str, title: str) -> Order:
    order = pending_order(tracks_and_tiers=[(licensable_track(title=title), "creator")], email=email, name=email)
    return order_fulfil(
        order=order, payment_intent_id=f"pi_{title}", amount_total_minor=order.total_minor, currency=order.currency
    )


@pytest.mark.django_db
def test_sign_in_link_from_the_outbox_creates_the_account_and_opens_the_library(client, run_tasks):
    with run_tasks():
        response = client.post("/account/sign-in/", {"email": "New.Listener@Example.com"})
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["new.listener@example.com"]
    link = re.search(r"http://shop\.test(/account/access/\S+/)", message.body).group(1)
    assert not Listener.objects.exists()  # asking for a link creates nothing

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/library/"
    listener = Listener.objects.get()
    assert listener.email == "new.listener@example.com"
    page = client.get("/library/").content.decode()
    assert "Signed in as new.listener@example.com" in page
    assert client.get("/downloads/mine/").status_code == 200  # one sign-in opens My downloads too


@pytest.mark.django_db
def test_a_forged_link_signs_nobody_in(client):
    response = client.get("/account/access/not-a-real-token/")
    assert response.status_code == 400
    assert client.get("/library/").status_code == 302


@pytest.mark.django_db
def test_sign_in_requests_share_the_my_downloads_rate_limit(client, settings):
    settings.MAGIC_LINK_RATE_LIMIT_PER_HOUR = 2
    codes = [client.post("/account/sign-in/", {"email": "a@example.com"}).status_code for _ in range(2)]
    assert codes == [200, 200]
    assert client.post("/downloads/", {"email": "a@example.com"}).status_code == 429


@pytest.mark.django_db
def test_the_library_lists_my_orders_and_never_another_listeners(client, django_user_model):
    _paid_order("ada@example.com", "Ada Bought This")
    _paid_order("bob@example.com", "Bob Bought That")
    client, _ = signed_in_client(client, "ada@example.com")
    page = client.get("/library/").content.decode()
    assert "Ada Bought This" in page
    assert "Bob Bought That" not in page


@pytest.mark.django_db
def test_the_data_export_holds_the_library_and_orders(ada):
    client, listener = ada
    _paid_order("ada@example.com", "Exported Tune")
    Playlist.objects.create(listener=listener, title="Night drive")
    response = client.get("/library/my-data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == "ada@example.com"
    assert [p["title"] for p in data["playlists"]] == ["Night drive"]
    assert "Exported Tune" in data["orders"][0]["lines"][0]


@pytest.mark.django_db
def test_deleting_the_account_keeps_orders_and_licences_anonymised(ada):
    client, listener = ada
    order = _paid_order("ada@example.com", "Kept For The Books")
    Favourite.objects.create(listener=listener, track=licensable_track(title="Loved"))
    assert client.post("/library/delete-account/", {}).status_code == 200  # the box must be ticked
    response = client.post("/library/delete-account/", {"confirm": "on"})
    assert response.status_code == 302
    assert not Listener.objects.exists() and not Favourite.objects.exists()
    order.refresh_from_db()
    licence = Licence.objects.get(order_line__order=order)
    assert order.status == Order.Status.PAID and order.total_minor > 0
    assert (
        "ada" not in order.email and "ada" not in licence.licensee_email and "ada" not in licence.licensee_name.lower()
    )
    assert licence.is_valid  # the licence bought stays valid and verifiable
    assert client.get("/library/").status_code == 302  # signed out


@pytest.mark.django_db
def test_a_buyer_signed_in_to_my_downloads_opens_the_library_in_one_click(client):
    _paid_order("buyer@example.com", "Bought Before")
    from monetization import tokens as shop_tokens

    client.get(f"/downloads/access/{shop_tokens.magic_token('buyer@example.com')}/")
    page = client.get("/downloads/mine/").content.decode()
    assert "Open My library" in page
    response = client.post("/account/from-downloads/")
    assert response.status_code == 302 and Listener.objects.get().email == "buyer@example.com"
    assert "Bought Before" in client.get("/library/").content.decode()


@pytest.mark.django_db
def test_opening_the_library_from_downloads_needs_a_verified_downloads_session(client):
    assert client.post("/account/from-downloads/").status_code == 302
    assert not Listener.objects.exists()
