"""OAuth for the YouTube Data API: the consent URL, the code exchange, the installed-app flow for a
management command, and credentials as plain dicts the Django side encrypts and stores. No Django.
"""

from __future__ import annotations

from datetime import UTC, datetime

# OAuth scopes: upload and manage videos/playlists, and force-ssl for comment replies.
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)

# ------------------------------------------------------------------------------------------ OAuth


def _flow(client_config: dict, redirect_uri: str, *, state: str | None = None, code_verifier: str | None = None):
    from google_auth_oauthlib.flow import Flow

    flow = Flow.from_client_config(
        client_config,
        scopes=list(SCOPES),
        state=state,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
        autogenerate_code_verifier=code_verifier is None,
    )
    return flow


def authorization_url(client_config: dict, redirect_uri: str) -> tuple[str, str, str]:
    """Start the OAuth consent flow. Returns (url to send the user to, state, PKCE code_verifier).

    The caller keeps `state` and `code_verifier` server-side until the redirect comes back. Offline access
    and a forced consent prompt make Google return a refresh token.
    """
    flow = _flow(client_config, redirect_uri)
    url, state = flow.authorization_url(access_type="offline", include_granted_scopes="true", prompt="consent")
    return url, state, flow.code_verifier


def exchange_code(
    client_config: dict,
    redirect_uri: str,
    code: str,
    *,
    state: str | None = None,
    code_verifier: str | None = None,
) -> dict:
    """Trade the authorization code for tokens; returns the credentials as a plain dict for storage."""
    flow = _flow(client_config, redirect_uri, state=state, code_verifier=code_verifier)
    flow.fetch_token(code=code)
    return credentials_to_dict(flow.credentials)


def run_installed_app_flow(client_config: dict, *, port: int = 0, open_browser: bool = False) -> dict:
    """Installed-app flow for a management command: a local redirect server on `port`, the URL printed.

    Returns the credentials as a plain dict.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(client_config, scopes=list(SCOPES))
    credentials = flow.run_local_server(port=port, open_browser=open_browser, access_type="offline", prompt="consent")
    return credentials_to_dict(credentials)


def credentials_to_dict(credentials) -> dict:
    """Serialise google.oauth2 credentials to a JSON-able dict (the Django side encrypts and stores it)."""
    return {
        "token": credentials.token,
        "refresh_token": credentials.refresh_token,
        "token_uri": credentials.token_uri,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "scopes": list(credentials.scopes or SCOPES),
        "expiry": credentials.expiry.replace(tzinfo=UTC).isoformat() if credentials.expiry else None,
    }


def credentials_from_dict(data: dict):
    """Rebuild google.oauth2 credentials from `credentials_to_dict` output; refreshes happen on use."""
    from google.oauth2.credentials import Credentials

    expiry = None
    if data.get("expiry"):
        # google-auth compares expiry with a naive UTC datetime.
        expiry = datetime.fromisoformat(data["expiry"]).astimezone(UTC).replace(tzinfo=None)
    return Credentials(
        token=data.get("token"),
        refresh_token=data.get("refresh_token"),
        token_uri=data.get("token_uri"),
        client_id=data.get("client_id"),
        client_secret=data.get("client_secret"),
        scopes=data.get("scopes"),
        expiry=expiry,
    )
