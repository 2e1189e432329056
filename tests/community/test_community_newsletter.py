"""Newsletter: double opt-in with signed expiring tokens, one-click unsubscribe, the free pack download."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from community import services
from community.models import LeadMagnet, Subscriber
from operations.models import OutboxMessage
from operations.outbox import DELIVER_TASK
from operations.tasks import outbox_deliver_task
from tests.community.factories import LeadMagnetFactory, SubscriberFactory, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sign_up(client, queued_tasks):
    """Post the form and run the confirmation task the service queued, as the worker would."""

    def post(email="fan@example.com"):
        already = len(queued_tasks)
        response = client.post(reverse("community:newsletter"), {"email": email})
        for func, message_id in queued_tasks[already:]:
            # The confirmation goes through the outbox: its delivery is what reaches the queue.
            assert func == DELIVER_TASK
            assert OutboxMessage.objects.get(pk=message_id).task == services.CONFIRMATION_TASK
            outbox_deliver_task(message_id)
        return response

    return post


def _link(message, kind: str) -> str:
    match = re.search(rf"https://label\.test(/newsletter/{kind}/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _later(monkeypatch, hours: float) -> None:
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now + hours * 3600)


def test_sign_up_sends_a_confirmation_and_nothing_else_until_confirmed(client, sign_up):
    response = sign_up("Fan@Example.com")

    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "fan@example.com" and subscriber.status == Subscriber.Status.PENDING
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan@example.com"]
    assert "/newsletter/confirm/" in mail.outbox[0].body


def test_the_confirmation_link_asks_for_a_click_then_confirms(client, sign_up):
    sign_up()
    url = _link(mail.outbox[0], "confirm")

    assert "Yes, subscribe me" in client.get(url).content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING  # a mail scanner's GET confirms nothing

    response = client.post(url)

    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED and subscriber.confirmed_at


def test_an_expired_confirmation_link_is_refused(client, sign_up, monkeypatch, settings):
    settings.NEWSLETTER_CONFIRM_MAX_AGE_H = 48
    sign_up()
    url = _link(mail.outbox[0], "confirm")
    _later(monkeypatch, 49)

    response = client.post(url)

    assert response.status_code == 410
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_a_tampered_confirmation_link_is_refused(client, sign_up):
    sign_up()
    url = _link(mail.outbox[0], "confirm")
    token = url.split("/")[-2]
    forged = url.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))

    assert client.post(forged).status_code == 410
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_a_token_signed_without_the_sites_key_confirms_nobody(client):
    victim = SubscriberFactory(email="b@example.com", status=Subscriber.Status.PENDING)
    stamp = round(victim.confirmation_sent_at.timestamp() * 1_000_000) if victim.confirmation_sent_at else 0
    forged = signing.dumps(
        {"s": str(victim.uuid), "t": stamp},
        key="not-the-site-key",
        salt="community.newsletter.confirm",
        compress=True,
    )

    assert client.post(reverse("community:newsletter_confirm", args=[forged])).status_code == 410
    victim.refresh_from_db()
    assert victim.status == Subscriber.Status.PENDING


def test_after_resubscribing_only_the_newest_link_works(client, sign_up, monkeypatch):
    sign_up()
    old_url = _link(mail.outbox[0], "confirm")
    services.subscriber_unsubscribe(subscriber=Subscriber.objects.get())
    sign_up()
    new_url = _link(mail.outbox[-1], "confirm")

    assert client.post(old_url).status_code == 410
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert client.post(new_url).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_signing_up_twice_quickly_sends_one_confirmation(client, sign_up):
    sign_up()
    sign_up()

    assert len(mail.outbox) == 1


def test_a_confirmed_address_gets_no_mail_and_the_page_reveals_nothing(client, sign_up):
    SubscriberFactory(email="fan@example.com")

    response = sign_up()

    assert "Check your inbox" in response.content.decode() and mail.outbox == []


def test_honeypot_and_rate_limit_on_the_sign_up_form(client, sign_up, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_HOUR = 2
    client.post(reverse("community:newsletter"), {"email": "bot@example.com", "website": "x"})
    assert not Subscriber.objects.exists()

    for _n in range(2):
        assert client.post(reverse("community:newsletter"), {"email": "fan@example.com"}).status_code == 200
    assert client.post(reverse("community:newsletter"), {"email": "fan@example.com"}).status_code == 429


def test_the_confirmation_mail_carries_list_unsubscribe_headers(client, sign_up):
    sign_up()

    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"].startswith("<https://label.test/newsletter/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_unsubscribe_works_without_a_csrf_token():
    subscriber = SubscriberFactory()
    url = services.unsubscribe_url(subscriber).replace("https://label.test", "")
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED and subscriber.unsubscribed_at


def test_opening_the_unsubscribe_link_only_shows_the_button(client):
    subscriber = SubscriberFactory()
    url = services.unsubscribe_url(subscriber).replace("https://label.test", "")

    assert "Unsubscribe" in client.get(url).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_a_forged_unsubscribe_link_unsubscribes_nobody(client):
    subscriber = SubscriberFactory()

    response = client.post(reverse("community:newsletter_unsubscribe", args=[f"{subscriber.uuid}:forged"]))

    assert response.status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


# --- Lead magnet --------------------------------------------------------------------------------------------


@pytest.fixture
def free_pack():
    return LeadMagnetFactory(is_active=True)


def test_after_confirming_the_free_pack_downloads_with_a_signed_link(client, sign_up, free_pack):
    sign_up()
    confirmed = client.post(_link(mail.outbox[0], "confirm"))
    download = re.search(r'href="https://label\.test(/newsletter/free-pack/[^"]+)"', confirmed.content.decode())
    assert download, "the confirmed page offers the free pack"

    response = client.get(download.group(1))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="dusty-keys-free.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == ["DUSK_keys_loop-01_Amin.wav"]


def test_the_free_pack_lives_in_private_storage_out_of_public_reach(free_pack):
    assert storages["private"].exists(free_pack.archive_path)
    assert not storages["default"].exists(free_pack.archive_path)


def test_an_editor_uploads_the_free_pack_and_a_file_that_is_not_a_zip_is_refused(client, editor):
    client.force_login(editor)
    url = reverse("admin:community_leadmagnet_add")

    refused = client.post(
        url,
        {
            "headline": "Free: loops",
            "is_active": "on",
            "upload": SimpleUploadedFile("loops.zip", b"this is not a zip", content_type="application/zip"),
        },
    )
    accepted = client.post(
        url,
        {
            "headline": "Free: loops",
            "is_active": "on",
            "upload": SimpleUploadedFile("loops.zip", zip_bytes(), content_type="application/zip"),
        },
    )

    assert refused.status_code == 200 and "not a readable zip archive" in refused.content.decode()
    assert accepted.status_code == 302
    magnet = LeadMagnet.objects.get()
    assert magnet.is_active and magnet.archive_name == "loops.zip"
    assert storages["private"].exists(magnet.archive_path)


def test_the_free_pack_is_refused_to_a_pending_subscriber_and_on_an_expired_link(
    client, free_pack, monkeypatch, settings
):
    pending = SubscriberFactory(status=Subscriber.Status.PENDING)
    assert client.get(services.lead_magnet_url(pending).replace("https://label.test", "")).status_code == 410

    settings.LEAD_MAGNET_LINK_MAX_AGE_H = 72
    confirmed = SubscriberFactory()
    url = services.lead_magnet_url(confirmed).replace("https://label.test", "")
    _later(monkeypatch, 73)
    assert client.get(url).status_code == 410


def test_no_free_pack_is_offered_when_none_is_active(client, sign_up):
    LeadMagnetFactory(is_active=False)
    sign_up()

    confirmed = client.post(_link(mail.outbox[0], "confirm")).content.decode()

    assert "free-pack" not in confirmed


def test_a_new_zip_replaces_the_old_one_which_is_deleted_once_saved(
    free_pack, editor, django_capture_on_commit_callbacks
):
    old_path = free_pack.archive_path

    with django_capture_on_commit_callbacks(execute=True):
        services.lead_magnet_save(
            magnet=free_pack, actor=editor, upload=ContentFile(zip_bytes({"keys.wav": b"x"}), name="v2.zip")
        )

    free_pack.refresh_from_db()
    assert free_pack.archive_name == "v2.zip" and free_pack.archive_path != old_path
    assert storages["private"].exists(free_pack.archive_path) and not storages["private"].exists(old_path)


def test_a_second_active_lead_magnet_is_refused_and_its_zip_not_stored(free_pack, editor):
    with pytest.raises(ValidationError, match="Another lead magnet is active"):
        services.lead_magnet_save(
            magnet=LeadMagnet(headline="Also free", is_active=True),
            actor=editor,
            upload=ContentFile(zip_bytes(), name="other.zip"),
        )

    assert storages["private"].listdir("lead-magnets")[0] == [free_pack.archive_path.split("/")[1]]
