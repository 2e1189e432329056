"""Licence tiers the storefront sells, their terms versions, and the audit of a priced thing's price."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from lofi_site.actors import Actor
from monetization.audit_verbs import SalesVerb
from monetization.engine.money import format_money
from monetization.models import LicenceTerms, LicenceTier
from operations.services import audit_log


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().replace("\r\n", "\n").splitlines()) + "\n"


@transaction.atomic
def licence_tier_save(*, tier: LicenceTier, terms_text: str, actor: Actor) -> LicenceTier:
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
            verb=SalesVerb.LICENCE_TERMS_PUBLISHED,
            obj=tier,
            summary=f"Published {tier.name} terms v{terms.version}.",
            changes={"version": terms.version},
        )
    audit_priced(
        actor=actor,
        obj=tier,
        before=before,
        verbs=(SalesVerb.LICENCE_TIER_CREATED, SalesVerb.LICENCE_TIER_PRICE_CHANGED),
        what="licence tier",
        name=tier.name,
    )
    return tier


def audit_priced(*, actor: Actor, obj, before, verbs: tuple[SalesVerb, SalesVerb], what: str, name: str) -> None:
    """Audit a priced thing's creation (`verbs[0]`), or its price change (`verbs[1]`; nothing when the price
    stayed)."""
    created_verb, price_changed_verb = verbs
    if before is None:
        audit_log(actor=actor, verb=created_verb, obj=obj, summary=f"Created {what} {name} at {obj.price_display}.")
    elif (before.price_minor, before.currency) != (obj.price_minor, obj.currency):
        audit_log(
            actor=actor,
            verb=price_changed_verb,
            obj=obj,
            summary=f"{name}: {format_money(before.price_minor, before.currency)} -> {obj.price_display}.",
            changes={
                "price_minor": [before.price_minor, obj.price_minor],
                "currency": [before.currency, obj.currency],
            },
        )
