"""The settings the sales app reads; each is defined, env-driven and with a default that serves `make run`,
in lofi_site/settings.py (and listed in the README's configuration table).

The app reads them through these functions (never `settings.X` directly), which read at call time (so tests
override them with pytest-django's `settings` fixture) and clamp values to what the code can use.
"""

from __future__ import annotations

from django.conf import settings


def stripe_secret_key() -> str:
    """Stripe secret API key (sk_live_... / sk_test_...). Empty: checkout explains payments are off."""
    return settings.STRIPE_SECRET_KEY


def stripe_webhook_secret() -> str:
    """Signing secret of the `/stripe/webhook/` endpoint (whsec_...). Empty: every webhook is refused."""
    return settings.STRIPE_WEBHOOK_SECRET


def stripe_api_base() -> str:
    """Where the Stripe library sends API calls; tests point it at a local server."""
    return settings.STRIPE_API_BASE.rstrip("/")


def stripe_checkout_expiry_min() -> int:
    """How long a Checkout Session stays payable (Stripe accepts 30 minutes to 24 hours)."""
    return min(max(int(settings.STRIPE_CHECKOUT_EXPIRY_MIN), 30), 24 * 60)


def download_link_ttl_h() -> float:
    return float(settings.DOWNLOAD_LINK_TTL_H)


def download_max_count() -> int:
    return max(int(settings.DOWNLOAD_MAX_COUNT), 1)


def magic_link_ttl_h() -> float:
    """How long the "my downloads" link e-mailed to a buyer works."""
    return float(settings.MAGIC_LINK_TTL_H)


def checkout_rate_limit_per_hour() -> int:
    """Checkout attempts per client address per hour."""
    return int(settings.CHECKOUT_RATE_LIMIT_PER_HOUR)


def magic_link_rate_limit_per_hour() -> int:
    """ "My downloads" e-mails per client address, and separately per e-mail address, per hour."""
    return int(settings.MAGIC_LINK_RATE_LIMIT_PER_HOUR)


def pack_label_code() -> str:
    """The LABEL part of sample file names (Splice convention); defaults to the label's initials."""
    code = settings.PACK_LABEL_CODE
    if not code:
        code = "".join(word[0] for word in settings.LABEL_NAME.split() if word[:1].isalnum())
    return "".join(ch for ch in code.upper() if ch.isalnum()) or "LABEL"


def storefront_page_size() -> int:
    return max(int(settings.STOREFRONT_PAGE_SIZE), 1)


def contact_email() -> str:
    """The address visitors write to (CONTACT_EMAIL; empty: the address the label's e-mails come from)."""
    from email.utils import parseaddr

    return settings.CONTACT_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def payments_on() -> bool:
    """Whether checkout can take money: a Stripe secret key is set."""
    return bool(stripe_secret_key())


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")
