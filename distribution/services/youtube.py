"""YouTube accounts: the OAuth connection (tokens encrypted at rest), API clients whose quota ledger is the
database's `QuotaUsage`, and the channel identity shown in the cockpit.

Other apps (community: comments, statistics) use `youtube_client(account=...)` so their calls count
against the same daily quota and refreshed tokens are kept.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from distribution.audit_verbs import DistributionVerb
from distribution.crypto import decrypt_json, encrypt_json
from distribution.models import Platform, PlatformAccount, QuotaUsage
from distribution.platforms import youtube as yt
from lofi_site.actors import Actor
from operations.services import audit_log

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret


def account_credentials(account: PlatformAccount) -> dict:
    """The decrypted credentials of an account ({} when none are stored). Never show or log them."""
    return decrypt_json(account.credentials_encrypted)


@transaction.atomic
def platform_account_credentials_set(
    *, account: PlatformAccount, actor: Actor, values: dict[str, str]
) -> PlatformAccount:
    """Merge secret values (OAuth client id/secret, API tokens) into the account's encrypted credentials.

    Empty values are ignored, so a form's blank secret fields keep what is stored. For the API platforms
    (YouTube, SoundCloud) the values are the OAuth client; changing it drops the tokens issued to the old one
    and the account is no longer connected (connect again). The audit event names the keys only.
    """
    account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
    values = {k: v.strip() for k, v in values.items() if v and v.strip()}
    if not values:
        return account
    credentials = account_credentials(account)
    if account.has_upload_api:
        client = dict(credentials.get("client") or {})
        changed = any(client.get(k) != v for k, v in values.items())
        client.update(values)
        credentials["client"] = client
        if changed and credentials.pop("token", None) is not None:
            account.external_account_id = account.external_account_name = ""
            account.connected_at = None
    else:
        credentials.update(values)
    account.credentials_encrypted = encrypt_json(credentials)
    account.save()
    audit_log(
        actor=actor,
        verb=DistributionVerb.PLATFORM_ACCOUNT_CREDENTIALS_SET,
        obj=account,
        summary=f"Credentials updated: {', '.join(sorted(values))}",
    )
    return account


def account_disconnect(*, account: PlatformAccount, actor: Actor) -> PlatformAccount:
    """Forget the tokens of an account (the OAuth client stays); it must be connected again to publish."""
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        credentials = account_credentials(account)
        if credentials.pop("token", None) is None and not account.external_account_name:
            return account
        old = account.external_account_name
        account.credentials_encrypted = encrypt_json(credentials) if credentials else ""
        account.external_account_id = account.external_account_name = ""
        account.connected_at = None
        account.save()
        audit_log(
            actor=actor,
            verb=DistributionVerb.PLATFORM_ACCOUNT_DISCONNECTED,
            obj=account,
            summary=f"Disconnected from {old}" if old else "Disconnected",
            changes={"account": [old, ""]},
        )
    return account


def account_tokens_store(
    *, account: PlatformAccount, actor: Actor, tokens: dict, account_id: str, account_name: str
) -> PlatformAccount:
    """Keep an account's new OAuth tokens encrypted and record who they act for ("connected as ...")."""
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        credentials = account_credentials(account)
        credentials["token"] = tokens
        account.credentials_encrypted = encrypt_json(credentials)
        old = account.external_account_name
        account.external_account_id, account.external_account_name = account_id, account_name
        account.connected_at = timezone.now()
        account.save()
        audit_log(
            actor=actor,
            verb=DistributionVerb.PLATFORM_ACCOUNT_CONNECTED,
            obj=account,
            summary=f"Connected as {account_name}",
            changes={"account": [old, account_name]},
        )
    return account


def youtube_client_config(account: PlatformAccount, redirect_uri: str = "") -> dict:
    """The OAuth client of the account as google-auth-oauthlib expects it ("installed" app)."""
    client = account_credentials(account).get("client") or {}
    if not client.get("client_id") or not client.get("client_secret"):
        raise ValidationError("Enter the OAuth client id and secret of the Google Cloud project first.")
    return {
        "installed": {
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "auth_uri": account.config.get("oauth_auth_uri", GOOGLE_AUTH_URI),
            "token_uri": account.config.get("oauth_token_uri", GOOGLE_TOKEN_URI),
            "redirect_uris": [redirect_uri] if redirect_uri else [],
        }
    }


def youtube_connect_start(*, account: PlatformAccount, redirect_uri: str) -> tuple[str, str, str]:
    """Start the consent flow: (Google consent URL, state, PKCE code verifier). The caller keeps state and
    verifier server-side (the session) until the code comes back."""
    if account.platform != Platform.YOUTUBE:
        raise ValidationError(f"{account} is not a YouTube account.")
    return yt.authorization_url(youtube_client_config(account, redirect_uri), redirect_uri)


def youtube_http(credentials):
    """An authorised httplib2 transport; google-auth refreshes the access token on it when it expires."""
    import google_auth_httplib2
    import httplib2

    return google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=300))


def youtube_channel_identity(http) -> tuple[str, str]:
    """(channel id, channel title) of the authorised account: channels.list mine=true, 1 unit."""
    from googleapiclient.discovery import build

    service = build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False)
    items = service.channels().list(part="snippet", mine=True).execute().get("items") or []
    if not items:
        raise ValidationError("The Google account has no YouTube channel.")
    return items[0]["id"], items[0].get("snippet", {}).get("title", items[0]["id"])


def youtube_connect_finish(
    *,
    account: PlatformAccount,
    actor: Actor,
    code: str,
    redirect_uri: str,
    state: str | None = None,
    code_verifier: str | None = None,
    http=None,
) -> PlatformAccount:
    """Trade the consent code for tokens, look up the channel and store the tokens encrypted.

    `code` may be the bare code or the whole URL Google redirected to. Raises ValidationError when Google
    refuses the code. `http` replaces the authorised transport for the channel lookup (tests).
    """
    from urllib.parse import parse_qs, urlparse

    code = code.strip()
    if code.startswith("http"):
        query = parse_qs(urlparse(code).query)
        code = (query.get("code") or [""])[0]
    if not code:
        raise ValidationError("Paste the code Google showed, or the whole address it sent you to.")
    config = youtube_client_config(account, redirect_uri)
    try:
        tokens = yt.exchange_code(config, redirect_uri, code, state=state, code_verifier=code_verifier)
    except OSError as error:  # requests' ConnectionError and Timeout, socket and DNS errors: the network, not Google
        raise ValidationError(
            f"Could not reach Google: a network problem on this server ({type(error).__name__}). Nothing was "
            "changed; check the server's internet connection, then start again."
        ) from error
    except Exception as error:  # oauthlib raises its own classes for invalid_grant, mismatched state...
        raise ValidationError(f"Google refused the code ({type(error).__name__}: {error}). Start again.") from error
    return youtube_tokens_store(account=account, actor=actor, tokens=tokens, http=http)


def youtube_tokens_store(*, account: PlatformAccount, actor: Actor, tokens: dict, http=None) -> PlatformAccount:
    """Look up the channel the tokens belong to and keep them encrypted on the account.

    Used by the cockpit's code exchange and by `manage.py youtube_connect` (installed-app flow).
    """
    channel_id, channel_title = youtube_channel_identity(http or youtube_http(yt.credentials_from_dict(tokens)))
    return account_tokens_store(
        account=account, actor=actor, tokens=tokens, account_id=channel_id, account_name=channel_title
    )


# --- Clients and quota ------------------------------------------------------------------------------------


def quota_spend(
    *, account: PlatformAccount, units: int, now: datetime | None = None, exhausted: bool = False
) -> QuotaUsage:
    """Add `units` to the account's usage of the current Pacific day; `exhausted` records that YouTube said
    the day's quota is spent (then no publish tries again before the reset)."""
    now = now or timezone.now()
    usage, _ = QuotaUsage.objects.get_or_create(account=account, day=yt.pacific_day(now))
    changes: dict[str, Any] = {"units_used": F("units_used") + max(0, units)}
    if exhausted:
        changes["exhausted_at"] = now
    QuotaUsage.objects.filter(pk=usage.pk).update(**changes)
    usage.refresh_from_db()
    return usage


def quota_ledger(account: PlatformAccount, *, now: datetime) -> yt.QuotaLedger:
    """The engine's ledger as the database knows it: today's units, or the whole limit once exhausted."""
    usage = QuotaUsage.objects.filter(account=account, day=yt.pacific_day(now)).first()
    used = usage.units_used if usage else 0
    if usage and usage.exhausted_at:
        used = max(used, account.daily_quota_units)
    return yt.QuotaLedger(used_units=used, daily_limit=account.daily_quota_units, day=yt.pacific_day(now))


@contextlib.contextmanager
def youtube_client(
    *,
    account: PlatformAccount,
    http=None,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[yt.YouTubeClient]:
    """A YouTubeClient for the account, refusing calls the day's remaining quota cannot pay for.

    On leaving the block (also when it raised) the units spent are added to `QuotaUsage`, a quota error
    from YouTube marks the day exhausted, and refreshed OAuth tokens are stored again (encrypted).
    `http` replaces the authorised transport (tests pass googleapiclient's HttpMockSequence).
    """
    clock = clock or timezone.now
    credentials = None
    if http is None:
        token = account_credentials(account).get("token")
        if not token:
            raise ValidationError(f"{account} is not connected: connect the channel in the cockpit first.")
        credentials = yt.credentials_from_dict(token)
        http = youtube_http(credentials)
    issued_token = credentials.token if credentials else None
    client = yt.YouTubeClient(http=http, ledger=quota_ledger(account, now=clock()), clock=clock, sleep=sleep)
    exhausted = False
    try:
        yield client
    except yt.QuotaExceeded as error:
        exhausted = error.reason != "localLedger"
        raise
    finally:
        quota_spend(account=account, units=client.units_spent, now=clock(), exhausted=exhausted)
        if credentials is not None and credentials.token != issued_token:
            _store_refreshed_token(account, credentials)


@transaction.atomic
def _store_refreshed_token(account: PlatformAccount, credentials) -> None:
    account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
    stored = account_credentials(account)
    stored["token"] = yt.credentials_to_dict(credentials)
    account.credentials_encrypted = encrypt_json(stored)
    account.save(update_fields=["credentials_encrypted", "updated_at"])
