"""Connecting a SoundCloud account from the cockpit: consent URL with PKCE, the callback checks the state, the
code is traded at a local stand-in for secure.soundcloud.com, tokens stored encrypted and never shown, and a
disconnect forgets them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from distribution.crypto import decrypt_json
from distribution.models import Platform, PlatformAccount
from distribution.services.youtube import platform_account_credentials_set
from operations.models import AuditEvent
from tests.distribution.factories import PlatformAccountFactory
from tests.distribution.test_platform_soundcloud import FakeSoundCloud

pytestmark = pytest.mark.django_db

SESSION_KEY = "distribution_soundcloud_oauth"


@pytest.fixture
def fake_soundcloud():
    with FakeSoundCloud([]) as fake:
        yield fake


@pytest.fixture
def account(editor, fake_soundcloud):
    account = PlatformAccountFactory(
        name="Label SoundCloud",
        platform=Platform.SOUNDCLOUD,
        config={
            "api_base": fake_soundcloud.base,
            "token_url": f"{fake_soundcloud.base}/oauth/token",
            "authorize_url": "https://secure.soundcloud.com/authorize",
        },
    )
    return platform_account_credentials_set(
        account=account, actor=editor, values={"client_id": "sc-app", "client_secret": "sc-app-secret"}
    )


def test_the_cockpit_connects_the_account_after_consent_and_never_shows_a_token(
    client, editor, account, fake_soundcloud
):
    client.force_login(editor)
    change_url = reverse("admin:distribution_platformaccount_change", args=[account.pk])
    assert "Connect to SoundCloud" in client.get(change_url).content.decode()

    page = client.get(reverse("admin:distribution_platformaccount_soundcloud_connect", args=[account.pk]))
    oauth = client.session[SESSION_KEY]
    consent = parse_qs(urlparse(page.context["consent_url"]).query)
    callback = reverse("admin:distribution_platformaccount_soundcloud_callback")

    assert page.status_code == 200 and consent["client_id"] == ["sc-app"]
    assert consent["state"] == [oauth["state"]] and consent["code_challenge_method"] == ["S256"]
    assert consent["redirect_uri"] == [f"http://testserver{callback}"]
    forged = client.get(callback, {"state": "not-ours", "code": "x"}, follow=True)
    assert "does not belong to this connection attempt" in forged.content.decode()
    assert fake_soundcloud.token_requests == []

    restarted = client.session[SESSION_KEY]
    done = client.get(callback, {"state": restarted["state"], "code": "sc-code"})

    assert done.status_code == 302
    sent = fake_soundcloud.token_requests[0]
    assert sent["grant_type"] == "authorization_code" and sent["code_verifier"] == restarted["verifier"]
    connected = PlatformAccount.objects.get(pk=account.pk)
    assert connected.connected_as == "connected as Lantern LoFi" and connected.is_connected
    assert decrypt_json(connected.credentials_encrypted)["token"]["refresh_token"] == "ref-1"
    body = client.get(change_url).content.decode()
    listing = client.get(reverse("admin:distribution_platformaccount_changelist")).content.decode()
    assert "connected as Lantern LoFi" in body and "connected as Lantern LoFi" in listing
    assert reverse("admin:distribution_platformaccount_disconnect", args=[account.pk]) in body
    for secret in ("sc-app-secret", "tok-1", "ref-1"):
        assert secret not in body and secret not in listing
    assert AuditEvent.objects.filter(verb="platform_account.connected", summary="Connected as Lantern LoFi")


def test_a_refused_code_stores_nothing_and_says_so(client, editor, account, fake_soundcloud):
    client.force_login(editor)
    client.get(reverse("admin:distribution_platformaccount_soundcloud_connect", args=[account.pk]))
    state = client.session[SESSION_KEY]["state"]

    answer = client.get(
        reverse("admin:distribution_platformaccount_soundcloud_callback"),
        {"state": state, "error": "access_denied"},
        follow=True,
    )

    assert "SoundCloud did not grant access: access_denied." in answer.content.decode()
    assert PlatformAccount.objects.get(pk=account.pk).connected_as == "not connected"


def test_disconnecting_forgets_the_tokens_but_keeps_the_app(client, editor, account):
    client.force_login(editor)
    client.get(reverse("admin:distribution_platformaccount_soundcloud_connect", args=[account.pk]))
    client.get(
        reverse("admin:distribution_platformaccount_soundcloud_callback"),
        {"state": client.session[SESSION_KEY]["state"], "code": "sc-code"},
    )

    client.post(reverse("admin:distribution_platformaccount_disconnect", args=[account.pk]))

    account.refresh_from_db()
    stored = decrypt_json(account.credentials_encrypted)
    assert account.connected_as == "not connected" and not account.is_connected
    assert "token" not in stored and stored["client"]["client_id"] == "sc-app"


def test_a_va_cannot_connect_or_disconnect(client, va, account):
    client.force_login(va)

    connect = client.get(reverse("admin:distribution_platformaccount_soundcloud_connect", args=[account.pk]))
    disconnect = client.post(reverse("admin:distribution_platformaccount_disconnect", args=[account.pk]))

    assert connect.status_code == 403 and disconnect.status_code == 403
