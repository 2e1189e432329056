"""What the sales services write to the audit trail (operations.audit_verbs explains the registry)."""

from __future__ import annotations

from django.db import models

from operations.audit_verbs import audit_verbs


@audit_verbs
class SalesVerb(models.TextChoices):
    LICENCE_TIER_CREATED = "licence_tier.created", "Licence tier created"
    LICENCE_TIER_PRICE_CHANGED = "licence_tier.price_changed", "Licence tier price changed"
    LICENCE_TERMS_PUBLISHED = "licence_terms.published", "Licence terms published"
    SAMPLE_PACK_CREATED = "sample_pack.created", "Sample pack created"
    SAMPLE_PACK_PRICE_CHANGED = "sample_pack.price_changed", "Sample pack price changed"
    SAMPLE_PACK_BUILD_REQUESTED = "sample_pack.build_requested", "Sample pack build queued"
    SAMPLE_PACK_BUILT = "sample_pack.built", "Sample pack built"
    SAMPLE_PACK_BUILD_FAILED = "sample_pack.build_failed", "Sample pack build failed"
    ORDER_CREATED = "order.created", "Order created (checkout started)"
    ORDER_PAID = "order.paid", "Order paid"
    ORDER_AMOUNT_MISMATCH = "order.amount_mismatch", "Order payment did not match"
    ORDER_EXPIRED = "order.expired", "Order checkout expired"
    ORDER_PAYMENT_FAILED = "order.payment_failed", "Order payment failed"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    ORDER_CONFIRMATION_SENT = "order.confirmation_sent", "Order confirmation e-mailed"
    ORDER_CONFIRMATION_RESEND = "order.confirmation_resend", "Order confirmation queued again"
    ORDER_DOWNLOAD_LINKS_REGENERATED = "order.download_links_regenerated", "Fresh download links issued"
    ORDER_ANONYMISED = "order.anonymised", "Customer data erased"
    LICENCE_ISSUED = "licence.issued", "Licence issued"
    LICENCE_REVOKED = "licence.revoked", "Licence revoked"
    LICENCE_CHANNEL_REGISTERED = "licence.channel_registered", "Channel allow-listed"
    LICENCE_CHANNEL_REMOVED = "licence.channel_removed", "Channel removed from the allow list"
    LEDGER_STATEMENT_IMPORTED = "ledger.statement_imported", "Revenue statement imported"
