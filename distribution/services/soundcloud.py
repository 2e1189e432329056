"""SoundCloud accounts: the OAuth 2.1 connection (authorization code with PKCE, tokens encrypted at rest) and
clients that store every token SoundCloud issues at once (its refresh tokens are single-use: a token set lost
after a refresh would leave the account unable to publish until someone connects it again).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from django.db import transaction

from distribution.crypto import encrypt_json
from distribution.models import Platform, PlatformAccount
from distribution.platforms import soundcloud as sc
from distribution.services.youtube import account_credentials, account_tokens_store
from lofi_site.actors import Actor


def _client_keys(account: PlatformAccount) -> dict:
    client = account_credentials(account).get("client") or {}
    if not client.get("client_id") or not client.get("client_secret"):
        raise ValidationError("Enter the client id and secret of the SoundCloud app first.")
    return client


def _token_dict(token: sc.TokenSet) -> dict:
    return {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expires_at": token.expires_at,
    }


def soundcloud_client(
    *,
    account: PlatformAccount,
    session=None,
    sleep: Callable[[float], None] = time.sleep,
    with_token: bool = True,
) -> sc.SoundCloudClient:
    """A SoundCloudClient for the account whose new tokens are stored (encrypted) the moment they arrive.

    Raises ValidationError when the app's client id and secret are missing, or (with `with_token`) when the
    account was never connected.
    """
    client = _client_keys(account)
    token = account_credentials(account).get("token") or {}
    if with_token and not token.get("access_token"):
        raise ValidationError(f"{account} is not connected: connect it on its account page first.")
    return sc.SoundCloudClient(
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        access_token=token.get("access_token") if with_token else None,
        refresh_token=token.get("refresh_token") if with_token else None,
        expires_at=float(token.get("expires_at") or 0),
        session=session,
        api_base=account.config.get("api_base", sc.API_BASE),
        token_url=account.config.get("token_url", sc.TOKEN_URL),
        sleep=sleep,
        on_token=(lambda issued: soundcloud_token_store(account=account, token=issued)) if with_token else None,
    )


@transaction.atomic
def soundcloud_token_store(*, account: PlatformAccount, token: sc.TokenSet) -> None:
    """Keep a refreshed token set (the old refresh token no longer works once SoundCloud issued this one)."""
    account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
    stored = account_credentials(account)
    stored["token"] = _token_dict(token)
    account.credentials_encrypted = encrypt_json(stored)
    account.save(update_fields=["credentials_encrypted", "updated_at"])


def soundcloud_connect_start(*, account: PlatformAccount, redirect_uri: str) -> tuple[str, str, str]:
    """Start the consent flow: (SoundCloud consent URL, state, PKCE code verifier). The caller keeps state and
    verifier server-side (the session) until the code comes back."""
    if account.platform != Platform.SOUNDCLOUD:
        raise ValidationError(f"{account} is not a SoundCloud account.")
    client = _client_keys(account)
    state = secrets.token_urlsafe(24)
    url, verifier = sc.authorization_url(
        client_id=client["client_id"],
        redirect_uri=redirect_uri,
        state=state,
        authorize_url=account.config.get("authorize_url", sc.AUTHORIZE_URL),
    )
    return url, state, verifier


def soundcloud_connect_finish(
    *, account: PlatformAccount, actor: Actor, code: str, redirect_uri: str, code_verifier: str, session=None
) -> PlatformAccount:
    """Trade the consent code for tokens, read who they act for (GET /me) and store them encrypted.

    `code` may be the bare code or the whole URL SoundCloud redirected to. Raises ValidationError when
    SoundCloud refuses the code; nothing is stored then. `session` replaces the network (tests).
    """
    code = code.strip()
    if code.startswith("http"):
        code = (parse_qs(urlparse(code).query).get("code") or [""])[0]
    if not code:
        raise ValidationError("Paste the code SoundCloud sent, or the whole address it sent you to.")
    account = PlatformAccount.objects.get(pk=account.pk)  # the stored client, not the caller's copy
    client = soundcloud_client(account=account, session=session, with_token=False)
    try:
        token = client.exchange_code(code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        user = client.me()
    except sc.SoundCloudError as error:
        if isinstance(error.__cause__, OSError):  # ConnectionError, Timeout: SoundCloud was never reached
            raise ValidationError(
                "Could not reach SoundCloud: a network problem on this server. Nothing was changed; check the "
                "server's internet connection, then start again."
            ) from error
        raise ValidationError(f"SoundCloud refused the connection ({error}). Start again.") from error
    return account_tokens_store(
        account=account,
        actor=actor,
        tokens=_token_dict(token),
        account_id=user.user_id,
        account_name=user.username,
    )
