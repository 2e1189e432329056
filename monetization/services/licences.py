"""Licences: issued once per paid order line, revoked on refund or by support."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from lofi_site.actors import Actor
from monetization.audit_verbs import SalesVerb
from monetization.models import LICENCE_CODE_ALPHABET, LICENCE_CODE_PREFIX, Licence, OrderLine
from monetization.services.downloads import download_links_issue
from operations.services import audit_log


def _licence_code_new() -> str:
    while True:
        body = "".join(secrets.choice(LICENCE_CODE_ALPHABET) for _ in range(8))
        code = f"{LICENCE_CODE_PREFIX}-{body[:4]}-{body[4:]}"
        if not Licence.objects.filter(code=code).exists():
            return code


@transaction.atomic
def licence_issue(*, line: OrderLine) -> Licence:
    """The licence for a paid order line, created once (the line's one-to-one licence makes it unique)."""
    existing = Licence.objects.filter(order_line=line).first()
    if existing is not None:
        return existing
    order = line.order
    licence = Licence(
        code=_licence_code_new(),
        order_line=line,
        track=line.track,
        pack=line.pack,
        tier=line.tier,
        terms=line.terms,
        licensee_name=order.licensee_name,
        licensee_email=order.email,
    )
    licence.full_clean()
    licence.save()
    audit_log(
        actor=None,
        verb=SalesVerb.LICENCE_ISSUED,
        obj=licence,
        summary=f"{licence.tier.licence_name} for {licence.subject_title} ({order}).",
    )
    download_links_issue(licence=licence)
    return licence


@transaction.atomic
def licence_revoke(*, licence: Licence, reason: str, actor: Actor = None) -> Licence:
    """Revoke a licence: verification shows it revoked, its download links stop, its channels leave the
    allow list. Revoking twice changes nothing."""
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if licence.status == Licence.Status.REVOKED:
        return licence
    now = timezone.now()
    licence.status, licence.revoked_at, licence.revoke_reason = Licence.Status.REVOKED, now, reason[:300]
    licence.save(update_fields=["status", "revoked_at", "revoke_reason", "updated_at"])
    licence.download_links.filter(disabled_at__isnull=True).update(disabled_at=now, updated_at=now)
    audit_log(
        actor=actor,
        verb=SalesVerb.LICENCE_REVOKED,
        obj=licence,
        summary=f"Revoked: {reason}",
        changes={"status": [Licence.Status.ACTIVE, Licence.Status.REVOKED]},
    )
    return licence
