"""Downloads: signed, expiring, count-limited links; streamed files; regenerated through the magic link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from monetization import services, tasks, tokens
from monetization.models import DownloadLink, Licence
from tests.monetization.factories import charge_refunded, checkout_completed, pending_order, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(client):
    order = pending_order()
    post_event(client, checkout_completed(order))
    return Licence.objects.get(order_line__order=order)


def master_link(licence) -> DownloadLink:
    return licence.download_links.get(kind=DownloadLink.Kind.MASTER, disabled_at__isnull=True)


def url(link) -> str:
    return f"/downloads/file/{tokens.download_token(link.uuid)}/"


def test_a_link_streams_the_master_and_counts_to_its_limit(client, licence, settings):
    settings.DOWNLOAD_MAX_COUNT = 5  # the documented default
    link = master_link(licence)
    assert link.max_downloads == 5
    master_bytes = licence.track.asset("master").open().read()

    responses = [client.post(url(link)) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 5 + [410]
    first = responses[0]
    assert first.streaming  # FileResponse over storage.open(): never read whole into memory
    assert b"".join(first.streaming_content) == master_bytes
    assert "attachment" in first["Content-Disposition"] and licence.code in first["Content-Disposition"]
    assert "used 5 times" in responses[5].content.decode()
    link.refresh_from_db()
    assert link.download_count == 5


def test_opening_the_link_does_not_use_a_download(client, licence):
    link = master_link(licence)
    page = client.get(url(link))
    assert page.status_code == 200
    assert "Download now" in page.content.decode()
    link.refresh_from_db()
    assert link.download_count == 0


def test_links_expire_after_the_ttl(client, licence, settings):
    settings.DOWNLOAD_LINK_TTL_H = 24
    link = master_link(licence)
    assert abs((link.expires_at - link.created_at) - dt.timedelta(hours=24)) < dt.timedelta(seconds=5)
    DownloadLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = client.post(url(link))

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_tampered_or_foreign_tokens_are_refused(client, licence):
    token = tokens.download_token(master_link(licence).uuid)
    assert client.post(f"/downloads/file/{token[:-2]}xx/").status_code == 404
    forged = tokens.download_token(master_link(licence).uuid).replace(":", ";")
    assert client.get(f"/downloads/file/{forged}/").status_code == 404


def test_refund_disables_links(client, licence):
    link = master_link(licence)
    order = licence.order_line.order
    post_event(client, charge_refunded(order, amount_refunded=order.total_minor))

    response = client.post(url(link))

    assert response.status_code == 410


def test_certificate_link_delivers_a_pdf_with_the_licence_facts(client, licence):
    link = licence.download_links.get(kind=DownloadLink.Kind.CERTIFICATE)
    response = client.post(url(link))
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF")
    licence.refresh_from_db()
    assert licence.certificate_path.startswith("certificates/")


def test_regenerating_replaces_links_and_resets_the_count(client, licence):
    old = master_link(licence)
    for _ in range(5):
        client.post(url(old))

    services.order_download_links_regenerate(order=licence.order_line.order)

    assert client.post(url(old)).status_code == 410
    fresh = master_link(licence)
    assert fresh.pk != old.pk and fresh.download_count == 0
    assert client.post(url(fresh)).status_code == 200


def test_confirmation_email_has_certificate_links_and_codes_and_is_sent_once(client, licence):
    order = licence.order_line.order
    mail.outbox.clear()

    tasks.order_paperwork_task(order.pk)
    tasks.order_paperwork_task(order.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert licence.code in message.body
    assert f"http://shop.test/licences/verify/{licence.code}/" in message.body
    assert [a[0] for a in message.attachments] == [f"{licence.code}-certificate.pdf"]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    links = re.findall(r"http://shop\.test(/downloads/file/[^\s]+/)", message.body)
    assert len(links) == 2
    assert client.post(links[0]).status_code == 200


def magic_link_from_outbox() -> str:
    [path] = re.findall(r"http://shop\.test(/downloads/access/[^\s]+/)", mail.outbox[-1].body)
    return path


def test_my_downloads_by_magic_link_lists_orders_and_regenerates_links(client, licence, run_tasks):
    mail.outbox.clear()
    browser = Client()

    with run_tasks():
        sent = browser.post("/downloads/", {"email": "Buyer@Example.com"})
        assert mail.outbox == []  # the page answers at once; the worker looks up orders and sends the mail
    assert "Check your inbox" in sent.content.decode()
    landing = browser.get(magic_link_from_outbox())
    assert landing.status_code == 302 and landing["Location"] == "/downloads/mine/"

    page = browser.get("/downloads/mine/").content.decode()
    assert licence.code in page
    assert "Download Master (WAV)" in page

    old = master_link(licence)
    browser.post(f"/downloads/mine/orders/{licence.order_line.order.uuid}/refresh/")
    assert master_link(licence).pk != old.pk


def test_magic_link_form_does_not_reveal_who_bought(client, licence, run_tasks):
    mail.outbox.clear()
    with run_tasks():
        known = client.post("/downloads/", {"email": "buyer@example.com"}).content.decode()
        unknown = Client().post("/downloads/", {"email": "nobody@example.com"}).content.decode()
    assert known.replace("buyer@example.com", "X") == unknown.replace("nobody@example.com", "X")
    assert len(mail.outbox) == 1  # only the buyer gets mail


def test_expired_or_forged_magic_links_are_refused(client, licence, settings):
    token = tokens.magic_token("buyer@example.com")
    assert client.get(f"/downloads/access/{token}x/").status_code == 400
    settings.MAGIC_LINK_TTL_H = -1
    assert client.get(f"/downloads/access/{token}/").status_code == 400
    assert client.get("/downloads/mine/").status_code == 302


def test_magic_link_requests_are_rate_limited(client, licence, settings):
    settings.MAGIC_LINK_RATE_LIMIT_PER_HOUR = 2
    statuses = [client.post("/downloads/", {"email": "buyer@example.com"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_another_buyer_cannot_touch_my_licences(client, licence):
    other = Client()
    session = other.session
    session["downloads_email"] = "someone@else.com"
    session.save()
    response = other.post(f"/downloads/mine/licences/{licence.uuid}/channels/", {"channel": "UC" + "a" * 22})
    assert response.status_code == 404
    response = other.post(f"/downloads/mine/orders/{licence.order_line.order.uuid}/refresh/")
    assert response.status_code == 404
    assert "Rainy Window" not in other.get("/downloads/mine/").content.decode()


def test_s3_storage_redirects_to_a_presigned_url(client, licence, monkeypatch):
    from django.core.files.storage import storages

    from lofi_site import files

    calls = []

    class FakeS3:
        def url(self, name, parameters=None):
            calls.append((name, parameters))
            return f"https://bucket.example/{name}?X-Amz-Signature=abc"

    real = storages["private"]
    monkeypatch.setattr(files, "storages", {"private": FakeS3(), "default": real})  # the one download helper
    link = master_link(licence)

    response = client.post(url(link))

    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.example/tracks/")
    assert "attachment" in calls[0][1]["ResponseContentDisposition"]
