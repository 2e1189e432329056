"""Licence tiers the storefront sells, their terms versions, and the audit of a priced thing's price."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from monetization.models import LicenceTerms, LicenceTier
from monetization.money import format_money
from operations.services import audit_log


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().replace("\r\n", "\n").splitlines()) + "\n"


@transaction.atomic
def licence_tier_save(*, tier: LicenceTier, terms_text: str, actor) -> LicenceTier:
    """Save a tier edited in the cockpit. A changed terms text publishes the next terms version (licences
    already sold keep theirs); a price or currency change is written to the audit trail."""
    before = LicenceTier.objects.select_for_update().filter(pk=tier.pk).first() if tier.pk else None
    tier.full_clean()
    tier.save()
    text = _clean_text(terms_text) if terms_text.strip() else ""
    current = tier.terms_versions.order_by("-version").first()
    if not text and current is None:
        raise ValidationError({"terms_text": "A licence tier needs its terms text."})
    if text and (current is None or current.text != text):
        terms = LicenceTerms(tier=tier, version=(current.version + 1) if current else 1, text=text)
        terms.full_clean()
        terms.save()
        audit_log(
            actor=actor,
            verb="licence_terms.published",
            obj=tier,
            summary=f"Published {tier.name} terms v{terms.version}.",
            changes={"version": terms.version},
        )
    audit_priced(actor=actor, obj=tier, before=before, verb="licence_tier", what="licence tier", name=tier.name)
    return tier


def audit_priced(*, actor, obj, before, verb: str, what: str, name: str) -> None:
    """Audit a priced thing's creation, or its price change (nothing when the price stayed)."""
    if before is None:
        audit_log(
            actor=actor, verb=f"{verb}.created", obj=obj, summary=f"Created {what} {name} at {obj.price_display}."
        )
    elif (before.price_minor, before.currency) != (obj.price_minor, obj.currency):
        audit_log(
            actor=actor,
            verb=f"{verb}.price_changed",
            obj=obj,
            summary=f"{name}: {format_money(before.price_minor, before.currency)} -> {obj.price_display}.",
            changes={
                "price_minor": [before.price_minor, obj.price_minor],
                "currency": [before.currency, obj.currency],
            },
        )
