"""Signed tokens in URLs: download links and the "my downloads" magic link (Django's signing, SECRET_KEY)."""

from __future__ import annotations

import uuid

from django.core import signing

from monetization import conf

_DOWNLOAD_SALT = "monetization.download-link"
_MAGIC_SALT = "monetization.magic-link"


def download_token(link_uuid: uuid.UUID) -> str:
    return signing.dumps(str(link_uuid), salt=_DOWNLOAD_SALT)


def download_token_read(token: str) -> uuid.UUID | None:
    """The link id inside a download token; None when it was tampered with or is older than the link TTL."""
    try:
        value = signing.loads(token, salt=_DOWNLOAD_SALT, max_age=conf.download_link_ttl_h() * 3600)
        return uuid.UUID(value)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def magic_token(email: str) -> str:
    return signing.dumps({"email": email.strip().lower()}, salt=_MAGIC_SALT)


def magic_token_read(token: str) -> str | None:
    """The e-mail address a magic link was sent to; None when forged or older than MAGIC_LINK_TTL_H."""
    try:
        data = signing.loads(token, salt=_MAGIC_SALT, max_age=conf.magic_link_ttl_h() * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    email = data.get("email") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None
