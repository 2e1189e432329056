"""Signed tokens in newsletter links (Django's signing with SECRET_KEY, a salt per purpose).

- confirm: the double opt-in link; expires (NEWSLETTER_CONFIRM_MAX_AGE_H) and names the confirmation e-mail it
  came in, so only the newest e-mail's link works after a re-subscription.
- unsubscribe: never expires (an unsubscribe link in a years-old e-mail must still work).
- lead magnet: the free pack's download link; expires (LEAD_MAGNET_LINK_MAX_AGE_H).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core import signing

from community import conf

_CONFIRM_SALT = "community.newsletter.confirm"
_UNSUBSCRIBE_SALT = "community.newsletter.unsubscribe"
_LEAD_MAGNET_SALT = "community.newsletter.lead-magnet"


@dataclass(frozen=True)
class ConfirmClaim:
    subscriber_uuid: uuid.UUID
    sent_stamp: int  # confirmation_sent_at in microseconds since the Unix epoch


def confirm_token(subscriber_uuid: uuid.UUID, sent_stamp: int) -> str:
    return signing.dumps({"s": str(subscriber_uuid), "t": int(sent_stamp)}, salt=_CONFIRM_SALT, compress=True)


def confirm_token_read(token: str) -> ConfirmClaim | None:
    """The claim in a confirmation token; None when tampered with or older than the confirmation max age."""
    try:
        data = signing.loads(token, salt=_CONFIRM_SALT, max_age=conf.confirm_max_age_s())
        return ConfirmClaim(subscriber_uuid=uuid.UUID(data["s"]), sent_stamp=int(data["t"]))
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None


def unsubscribe_token(subscriber_uuid: uuid.UUID) -> str:
    return signing.dumps(str(subscriber_uuid), salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(signing.loads(token, salt=_UNSUBSCRIBE_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def lead_magnet_token(subscriber_uuid: uuid.UUID) -> str:
    return signing.dumps(str(subscriber_uuid), salt=_LEAD_MAGNET_SALT)


def lead_magnet_token_read(token: str) -> uuid.UUID | None:
    """The subscriber a download link was made for; None when tampered with or expired."""
    try:
        return uuid.UUID(signing.loads(token, salt=_LEAD_MAGNET_SALT, max_age=conf.lead_magnet_link_max_age_s()))
    except (signing.BadSignature, ValueError, TypeError):
        return None
