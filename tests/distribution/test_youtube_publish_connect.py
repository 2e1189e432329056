"""Connecting a YouTube channel: consent URL with PKCE, code exchange against a local token endpoint, tokens
stored encrypted and shown never again ("connected as <channel>"), refreshed tokens and quota kept."""

from __future__ import annotations

import io
import json
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from googleapiclient.http import HttpMockSequence

from distribution.crypto import decrypt_json
from distribution.models import Platform, PlatformAccount
from distribution.services import youtube as youtube_services
from distribution.views import SESSION_OAUTH
from operations.models import AuditEvent
from tests.distribution.factories import PlatformAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_server(monkeypatch):
    """A local stand-in for Google's token endpoint; records what it was sent."""
    received: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.update(parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()))
            payload = json.dumps(
                {
                    "access_token": "ya29.secret-access",
                    "refresh_token": "1//secret-refresh",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                    "scope": " ".join(youtube_services.yt.SCOPES),
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local server speaks plain HTTP
    yield f"http://127.0.0.1:{server.server_port}/token", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def account(editor, token_server):
    account = PlatformAccountFactory(
        name="Main channel", platform=Platform.YOUTUBE, config={"oauth_token_uri": token_server[0]}
    )
    return youtube_services.platform_account_credentials_set(
        account=account,
        actor=editor,
        values={"client_id": "cid.apps.googleusercontent.com", "client_secret": "GOCSPX-client-secret"},
    )


def channel_lookup() -> HttpMockSequence:
    return HttpMockSequence(
        [
            (
                {"status": "200"},
                json.dumps({"items": [{"id": "UC123", "snippet": {"title": "Lantern LoFi Radio"}}]}),
            )
        ]
    )


def test_connecting_stores_the_tokens_encrypted_and_names_the_channel(editor, account, token_server):
    url, state, verifier = youtube_services.youtube_connect_start(account=account, redirect_uri="https://x/cb")
    query = parse_qs(urlparse(url).query)
    assert query["client_id"] == ["cid.apps.googleusercontent.com"] and "code_challenge" in query
    assert query["access_type"] == ["offline"]

    connected = youtube_services.youtube_connect_finish(
        account=account,
        actor=editor,
        code="https://x/cb?state=s&code=4/the-code",
        redirect_uri="https://x/cb",
        state=state,
        code_verifier=verifier,
        http=channel_lookup(),
    )

    assert token_server[1]["code"] == ["4/the-code"] and token_server[1]["code_verifier"] == [verifier]
    assert connected.connected_as == "connected as Lantern LoFi Radio"
    assert connected.external_account_id == "UC123"
    stored = PlatformAccount.objects.get(pk=account.pk).credentials_encrypted
    assert "secret" not in stored and "ya29" not in stored  # encrypted at rest
    assert decrypt_json(stored)["token"]["refresh_token"] == "1//secret-refresh"
    event = AuditEvent.objects.get(verb="platform_account.connected")
    assert "secret" not in json.dumps(event.changes) + event.summary


def test_the_account_page_shows_who_it_is_connected_as_and_never_a_secret(client, editor, account):
    youtube_services.youtube_connect_finish(
        account=account, actor=editor, code="the-code", redirect_uri="https://x/cb", http=channel_lookup()
    )
    client.force_login(editor)

    body = client.get(reverse("admin:distribution_platformaccount_change", args=[account.pk])).content.decode()
    listing = client.get(reverse("admin:distribution_platformaccount_changelist")).content.decode()

    assert "connected as Lantern LoFi Radio" in body and "connected as Lantern LoFi Radio" in listing
    for secret in ("GOCSPX-client-secret", "ya29.secret-access", "1//secret-refresh"):
        assert secret not in body and secret not in listing


def test_the_connect_page_sends_to_google_and_the_callback_checks_the_state(client, editor, account, monkeypatch):
    client.force_login(editor)
    page = client.get(reverse("admin:distribution_platformaccount_youtube_connect", args=[account.pk]))
    oauth = client.session[SESSION_OAUTH]
    consent = parse_qs(urlparse(page.context["consent_url"]).query)
    callback = reverse("admin:distribution_platformaccount_youtube_callback")

    assert page.status_code == 200 and consent["state"] == [oauth["state"]]
    assert consent["redirect_uri"] == [f"http://testserver{callback}"]
    forged = client.get(callback, {"state": "not-ours", "code": "x"}, follow=True)
    assert "does not belong to this connection attempt" in forged.content.decode()
    assert PlatformAccount.objects.get(pk=account.pk).external_account_name == ""

    monkeypatch.setattr(youtube_services, "youtube_http", lambda credentials: channel_lookup())
    restarted = client.session[SESSION_OAUTH]  # the connect page it was sent back to began a new attempt
    assert restarted["state"] != oauth["state"]
    done = client.get(callback, {"state": restarted["state"], "code": "4/good"})

    assert done.status_code == 302
    assert PlatformAccount.objects.get(pk=account.pk).connected_as == "connected as Lantern LoFi Radio"


def test_a_va_cannot_open_the_connect_page(client, va, account):
    client.force_login(va)

    assert (
        client.get(reverse("admin:distribution_platformaccount_youtube_connect", args=[account.pk])).status_code == 403
    )


def test_a_new_oauth_client_drops_the_tokens_of_the_old_one(editor, account):
    youtube_services.youtube_connect_finish(
        account=account, actor=editor, code="c", redirect_uri="https://x/cb", http=channel_lookup()
    )

    changed = youtube_services.platform_account_credentials_set(
        account=account, actor=editor, values={"client_id": "another.apps.googleusercontent.com"}
    )

    assert changed.connected_as == "not connected"
    assert "token" not in youtube_services.account_credentials(changed)


def test_the_command_connects_with_the_installed_app_flow(editor, account, token_server, monkeypatch):
    """`manage.py youtube_connect`: a local redirect server catches Google's answer (here a stand-in browser
    that consents at once), the code is traded at the token endpoint and the channel is named."""
    opened: list[str] = []

    class ConsentingBrowser:
        def open(self, url, new=0, autoraise=True):
            opened.append(url)
            query = parse_qs(urlparse(url).query)
            redirect = query["redirect_uri"][0]

            def consent():
                requests.get(redirect, params={"state": query["state"][0], "code": "4/local-code"}, timeout=10)

            threading.Thread(target=consent, daemon=True).start()
            return True

    monkeypatch.setattr(webbrowser, "get", lambda using=None: ConsentingBrowser())
    monkeypatch.setattr(youtube_services, "youtube_http", lambda credentials: channel_lookup())
    out = io.StringIO()

    call_command("youtube_connect", "Main channel", "--port", "0", "--open-browser", stdout=out)

    consent = parse_qs(urlparse(opened[0]).query)
    assert consent["client_id"] == ["cid.apps.googleusercontent.com"]
    assert consent["redirect_uri"][0].startswith("http://localhost:")
    assert token_server[1]["code"] == ["4/local-code"]
    assert out.getvalue().strip() == "Main channel is connected as Lantern LoFi Radio."
    stored = decrypt_json(PlatformAccount.objects.get(pk=account.pk).credentials_encrypted)
    assert stored["token"]["refresh_token"] == "1//secret-refresh"


def test_the_command_names_what_is_missing(editor):
    PlatformAccountFactory(name="Bare channel", platform=Platform.YOUTUBE)

    with pytest.raises(CommandError, match="No YouTube platform account named 'Nope'"):
        call_command("youtube_connect", "Nope")
    with pytest.raises(CommandError, match="Enter the OAuth client id and secret"):
        call_command("youtube_connect", "Bare channel")


def test_an_unreachable_google_is_named_a_network_problem(editor, monkeypatch):
    import socket

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP to the local port
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused, as when offline
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    account = youtube_services.platform_account_credentials_set(
        account=PlatformAccountFactory(
            name="Offline channel",
            platform=Platform.YOUTUBE,
            config={"oauth_token_uri": f"http://127.0.0.1:{closed_port}/token"},
        ),
        actor=editor,
        values={"client_id": "cid.apps.googleusercontent.com", "client_secret": "GOCSPX-client-secret"},
    )
    _, state, verifier = youtube_services.youtube_connect_start(account=account, redirect_uri="https://x/cb")

    with pytest.raises(ValidationError) as refused:
        youtube_services.youtube_connect_finish(
            account=account,
            actor=editor,
            code="4/the-code",
            redirect_uri="https://x/cb",
            state=state,
            code_verifier=verifier,
        )

    message = " ".join(refused.value.messages)
    assert message.startswith("Could not reach Google: a network problem on this server")
    assert "refused the code" not in message
