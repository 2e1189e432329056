"""Platform account settings are a form per platform (never JSON typed by hand)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from distribution.models import Platform, PlatformAccount
from tests.distribution.factories import PlatformAccountFactory

pytestmark = pytest.mark.django_db


def _post(client, account, **fields):
    data = {"platform": account.platform, "name": account.name, "is_active": "on", **fields}
    return client.post(reverse("admin:distribution_platformaccount_change", args=[account.pk]), data)


def test_a_ddex_distributor_is_set_up_with_named_fields_and_a_checked_dpid(client, editor):
    account = PlatformAccountFactory(name="Distributor", platform=Platform.DDEX_DISTRIBUTOR, config={})
    client.force_login(editor)

    page = client.get(reverse("admin:distribution_platformaccount_change", args=[account.pk])).content.decode()
    assert "DDEX distributor settings" in page and "Distributor&#x27;s DPID" in page
    assert 'name="config"' not in page and "YouTube settings" not in page  # only this platform's form

    refused = _post(client, account, recipient_dpid="not-a-dpid")
    assert "A DPID is PADPIDA followed by 11 letters or digits." in refused.content.decode()
    assert PlatformAccount.objects.get(pk=account.pk).config == {}

    _post(client, account, recipient_dpid="PADPIDA2014120301U", oauth_token_uri="https://elsewhere.example/token")
    assert PlatformAccount.objects.get(pk=account.pk).config == {"recipient_dpid": "PADPIDA2014120301U"}


def test_a_manual_store_has_nothing_to_set(client, editor):
    account = PlatformAccountFactory(name="Bandcamp", platform=Platform.BANDCAMP)
    client.force_login(editor)
    page = client.get(reverse("admin:distribution_platformaccount_change", args=[account.pk])).content.decode()
    assert "Uploaded by hand from the delivery package: nothing to set." in page
