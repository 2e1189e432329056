"""System checks of the sales settings (`manage.py check`, and every start of the site)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from monetization import conf


@register(Tags.compatibility, deploy=False)
def stripe_configured(app_configs=None, **kwargs) -> list[Warning]:
    """In production (DEBUG off) an unset Stripe key means the shop cannot sell: say so at start-up."""
    if settings.DEBUG or conf.payments_on():
        return []
    return [
        Warning(
            "STRIPE_SECRET_KEY is not set: the storefront cannot take payments.",
            hint="Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET in the environment. Until then the cart tells "
            "visitors payments are off and the cockpit shows Finance a red panel.",
            id="monetization.W001",
        )
    ]
