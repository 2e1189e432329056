"""Platform credentials encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key is derived from DISTRIBUTION_CREDENTIALS_KEY when set, else from SECRET_KEY, with HKDF; keys derived
from SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY the Django way keeps stored tokens readable
until they are written again.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"lofi-label distribution credentials v1"


class CredentialsError(ValueError):
    """Stored credentials that cannot be decrypted with any current key."""


def _fernet_key(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


def _fernet() -> MultiFernet:
    explicit = getattr(settings, "DISTRIBUTION_CREDENTIALS_KEY", "")
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", [])
    secrets = [explicit] if explicit else [settings.SECRET_KEY, *fallbacks]
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def encrypt_json(data: dict) -> str:
    """A Fernet token (text) holding `data` as JSON."""
    return _fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict:
    """The dict `encrypt_json` stored; {} for an empty field. Raises CredentialsError when no key fits."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise CredentialsError(
            "The stored credentials cannot be decrypted with the current keys; connect the account again."
        ) from error
