"""Public input that used to answer 500 now gets a 4xx with a clear message (issue 13, item 6), and webhook
bodies signed for the future are refused (item 7)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from monetization import tokens
from monetization.models import DownloadLink, Licence, StripeEvent
from tests.monetization.factories import checkout_completed, event, pending_order, post_event, sign

pytestmark = pytest.mark.django_db


def test_adding_to_the_cart_with_a_next_that_is_not_a_path_goes_to_the_cart(client):
    response = client.post("/cart/add/", {"kind": "pack", "pack": "nothing", "next": "abc"})

    assert response.status_code == 302
    assert response["Location"] == "/tracks/"  # the default, not a view named "abc"


def test_verifying_a_code_with_a_slash_explains_what_a_code_looks_like(client):
    response = client.get("/licences/verify/", {"code": "a/b"})

    assert response.status_code == 200
    assert "letters, digits and dashes only" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/checkout/complete/?session_id=%00",
        "/checkout/complete/status/?session_id=cs_%00",
        "/api/v1/artists/%00/",
        "/api/v1/licence-tiers/%00/",
        "/api/v1/sample-packs/%00/",
        "/licences/verify/LOFI-2222-2222/?channel=UC%00",
    ],
)
def test_a_nul_byte_in_the_address_is_refused_with_400(client, url):
    response = client.get(url)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_options_on_the_api_docs_answers_without_error(client):
    response = client.options("/api/docs/")

    assert response.status_code < 500


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[]", "not an event object"),
        (b'"x"', "not an event object"),
        (json.dumps({"type": "checkout.session.completed", "data": {"object": {}}}).encode(), "no id"),
        (json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_1"}}).encode(), "data.object"),
    ],
)
def test_signed_but_malformed_webhook_bodies_are_refused_and_recorded(client, body, reason):
    response = post_event(client, body)

    assert response.status_code == 400
    assert reason in response.content.decode()
    record = StripeEvent.objects.get(type="malformed")
    assert record.outcome.startswith("refused:") and reason in record.outcome
    assert post_event(client, body).status_code == 400  # the same body again: still one record
    assert StripeEvent.objects.filter(type="malformed").count() == 1


def test_a_webhook_signed_an_hour_in_the_future_is_refused(client):
    order = pending_order()
    body = json.dumps(checkout_completed(order)).encode()

    response = post_event(client, body, signature=sign(body, timestamp=int(time.time()) + 3600))

    assert response.status_code == 400
    order.refresh_from_db()
    assert not order.is_paid
    assert not StripeEvent.objects.exists()


def test_an_unsigned_event_shaped_body_is_still_refused_without_a_record(client):
    response = post_event(client, event("charge.refunded", {"id": "ch_1"}), signature="t=1,v1=00")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL")
def test_simultaneous_downloads_at_the_limit_answer_410_not_500():
    order = pending_order()
    post_event(Client(), checkout_completed(order))
    link = Licence.objects.get(order_line__order=order).download_links.get(kind=DownloadLink.Kind.MASTER)
    DownloadLink.objects.filter(pk=link.pk).update(download_count=link.max_downloads - 1)  # one download left
    url = f"/downloads/file/{tokens.download_token(link.uuid)}/"
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def download():
        try:
            barrier.wait()
            statuses.append(Client(raise_request_exception=False).post(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [410] * 5
    link.refresh_from_db()
    assert link.download_count == link.max_downloads
