"""SoundCloud upload adapter: OAuth 2.1 (authorization code with PKCE, single-use refresh tokens) and
multipart track uploads.

SoundCloud uploads act on a user's behalf, so they need a token from the authorization-code flow; the
client-credentials grant only reaches public resources and is not used. `authorization_url` builds the consent
URL (oauthlib makes the PKCE verifier and S256 challenge), `SoundCloudClient.exchange_code` trades the code for
tokens. Refresh tokens are single-use: every token issued is handed to `on_token` at once so the caller can
store it before anything else can fail.

Uses `requests` with an injectable session and base URLs, so tests talk to a local HTTP server. The multipart
body is streamed from disk: a one-hour WAV is never read into memory whole.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import requests
from oauthlib.oauth2 import WebApplicationClient

API_BASE = "https://api.soundcloud.com"
AUTHORIZE_URL = "https://secure.soundcloud.com/authorize"
TOKEN_URL = "https://secure.soundcloud.com/oauth/token"  # noqa: S105 - a URL, not a secret
RETRIABLE_STATUS = (500, 502, 503, 504)
SHARING = ("public", "private")


class SoundCloudError(RuntimeError):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: float  # unix time

    def expired(self, now: float, margin_s: float = 60.0) -> bool:
        return now >= self.expires_at - margin_s


@dataclass(frozen=True)
class UploadedTrack:
    track_id: int
    permalink_url: str


@dataclass(frozen=True)
class SoundCloudUser:
    user_id: str
    username: str
    permalink_url: str = ""


def authorization_url(
    *, client_id: str, redirect_uri: str, state: str, authorize_url: str = AUTHORIZE_URL
) -> tuple[str, str]:
    """Start the authorization-code flow: (consent URL, PKCE code verifier). The caller keeps `state` and
    the verifier server-side until the code comes back to `redirect_uri`."""
    client = WebApplicationClient(client_id)
    verifier = client.create_code_verifier(64)
    url = client.prepare_request_uri(
        authorize_url,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=client.create_code_challenge(verifier, "S256"),
        code_challenge_method="S256",
    )
    return url, verifier


class _MultipartStream:
    """A file-like multipart/form-data body that reads file parts from disk as it is sent.

    requests sees `__len__` and `read`, sends a Content-Length and streams the body in blocks.
    """

    def __init__(self, fields: list[tuple[str, str]], files: list[tuple[str, Path, str]]) -> None:
        self.boundary = f"----lofi-{uuid.uuid4().hex}"
        self._parts: list[bytes | Path] = []
        for name, value in fields:
            self._parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + value.encode("utf-8")
                + b"\r\n"
            )
        for name, path, content_type in files:
            self._parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{path.name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            )
            self._parts.append(path)
            self._parts.append(b"\r\n")
        self._parts.append(f"--{self.boundary}--\r\n".encode())
        self._length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in self._parts)
        self._index = 0
        self._offset = 0
        self._handle: BinaryIO | None = None

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        out = bytearray()
        while len(out) < size and self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, Path):
                if self._handle is None:
                    self._handle = part.open("rb")
                chunk = self._handle.read(size - len(out))
                if chunk:
                    out += chunk
                    continue
                self._handle.close()
                self._handle = None
            else:
                chunk = part[self._offset : self._offset + size - len(out)]
                out += chunk
                self._offset += len(chunk)
                if self._offset < len(part):
                    continue
                self._offset = 0
            self._index += 1
        return bytes(out)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class SoundCloudClient:
    """Upload tracks to SoundCloud with `Authorization: OAuth <token>` on behalf of the connected user.

    Tokens come from the OAuth 2.1 token endpoint: `exchange_code` once, then the refresh token. An expired
    or rejected (401) access token is renewed once with it; without one the client says to connect again.
    Each new token set is passed to `on_token` as soon as it is issued. 5xx answers and connection errors are
    retried with exponential backoff through the injectable `sleep`.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        access_token: str | None = None,
        refresh_token: str | None = None,
        expires_at: float = 0.0,
        session: requests.Session | None = None,
        api_base: str = API_BASE,
        token_url: str = TOKEN_URL,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        clock: Callable[[], float] = time.time,
        timeout_s: float = 600.0,
        on_token: Callable[[TokenSet], None] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.session = session or requests.Session()
        self.api_base = api_base.rstrip("/")
        self.token_url = token_url
        self._sleep = sleep
        self.max_retries = max_retries
        self._clock = clock
        self.timeout_s = timeout_s
        self.on_token = on_token
        self.token = TokenSet(access_token, refresh_token, expires_at or clock() + 3600) if access_token else None

    # -- tokens --------------------------------------------------------------------------------------

    def _token_request(self, data: dict[str, str]) -> TokenSet:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        response = self._send(
            lambda: self.session.post(
                self.token_url,
                data=data,
                timeout=30,
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json; charset=utf-8"},
            )
        )
        if response.status_code != 200:
            raise SoundCloudError(
                f"token request failed: HTTP {response.status_code} {response.text[:300]}",
                status=response.status_code,
            )
        payload = response.json()
        token = TokenSet(
            access_token=payload["access_token"],
            refresh_token=payload.get("refresh_token") or (self.token.refresh_token if self.token else None),
            expires_at=self._clock() + float(payload.get("expires_in", 3600)),
        )
        self.token = token
        if self.on_token is not None:
            self.on_token(token)
        return token

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade the authorization code (with the PKCE verifier of `authorization_url`) for tokens."""
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        )

    def refresh(self) -> TokenSet:
        """A new token set from the refresh token (single-use: the answer carries the next one)."""
        if not (self.token and self.token.refresh_token):
            raise SoundCloudError("no refresh token is stored: connect the SoundCloud account again", status=401)
        return self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": self.token.refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        )

    def _access_token(self) -> str:
        if self.token is None:
            raise SoundCloudError("the SoundCloud account is not connected: connect it first", status=401)
        if self.token.expired(self._clock()):
            self.refresh()
        return self.token.access_token

    def me(self) -> SoundCloudUser:
        """The user the tokens act for (GET /me)."""
        token = self._access_token()
        response = self._send(
            lambda: self.session.get(
                f"{self.api_base}/me",
                timeout=30,
                headers={"Authorization": f"OAuth {token}", "Accept": "application/json; charset=utf-8"},
            )
        )
        if response.status_code != 200:
            raise SoundCloudError(
                f"reading the connected user failed: HTTP {response.status_code} {response.text[:300]}",
                status=response.status_code,
            )
        payload = response.json()
        return SoundCloudUser(
            user_id=str(payload.get("urn") or payload["id"]),
            username=payload.get("username") or payload.get("permalink") or str(payload["id"]),
            permalink_url=payload.get("permalink_url", ""),
        )

    # -- transport -----------------------------------------------------------------------------------

    def _send(self, call: Callable[[], requests.Response]) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = call()
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt >= self.max_retries:
                    raise SoundCloudError(f"SoundCloud unreachable after {attempt} retries: {error}") from error
            else:
                if response.status_code not in RETRIABLE_STATUS or attempt >= self.max_retries:
                    return response
            self._sleep(min(60.0, 2.0**attempt))
            attempt += 1

    # -- uploads -------------------------------------------------------------------------------------

    def upload_track(
        self,
        audio_path: str | Path,
        *,
        title: str,
        description: str = "",
        tag_list: str = "",
        sharing: str = "public",
        artwork_path: str | Path | None = None,
    ) -> UploadedTrack:
        """POST /tracks as multipart: track[title], track[asset_data], track[description],
        track[tag_list], track[sharing], track[artwork_data]. Returns the track id and permalink URL.

        `tag_list` is SoundCloud's space-separated form (multi-word tags in double quotes).
        """
        if sharing not in SHARING:
            raise ValueError(f"sharing must be one of {', '.join(SHARING)}")
        audio_path = Path(audio_path)
        fields = [
            ("track[title]", title),
            ("track[description]", description),
            ("track[tag_list]", tag_list),
            ("track[sharing]", sharing),
        ]
        files = [("track[asset_data]", audio_path, mimetypes.guess_type(audio_path.name)[0] or "audio/wav")]
        if artwork_path is not None:
            artwork_path = Path(artwork_path)
            files.append(
                (
                    "track[artwork_data]",
                    artwork_path,
                    mimetypes.guess_type(artwork_path.name)[0] or "image/jpeg",
                )
            )
        for path in (p for _, p, _ in files):
            if not os.path.isfile(path):
                raise FileNotFoundError(path)

        renewed = False
        while True:
            token = self._access_token()

            def post(token: str = token) -> requests.Response:
                body = _MultipartStream(fields, files)  # a fresh stream per attempt: retries resend all
                try:
                    return self.session.post(
                        f"{self.api_base}/tracks",
                        data=body,
                        timeout=self.timeout_s,
                        headers={
                            "Authorization": f"OAuth {token}",
                            "Content-Type": body.content_type,
                            "Accept": "application/json; charset=utf-8",
                        },
                    )
                finally:
                    body.close()

            response = self._send(post)
            if response.status_code == 401 and not renewed:
                self.refresh()
                renewed = True
                continue
            break
        if response.status_code not in (200, 201):
            raise SoundCloudError(
                f"upload failed: HTTP {response.status_code} {response.text[:300]}",
                status=response.status_code,
            )
        payload = response.json()
        return UploadedTrack(track_id=int(payload["id"]), permalink_url=payload.get("permalink_url", ""))
