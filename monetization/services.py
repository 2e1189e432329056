"""Every write of the sales app: tiers and packs, orders, Stripe events, licences, downloads, the ledger.

Services are keyword-only, validate, run in a transaction and are idempotent: Stripe delivers events at
least once and tasks may run twice, so a repeated call finds its work done and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
import uuid
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from catalog.models import Asset, Track
from lofi_site.queue import enqueue
from monetization import conf, emails, selectors, statements, stripe_gateway, tokens
from monetization.certificates import CertificateData, certificate_pdf
from monetization.models import (
    LICENCE_CODE_ALPHABET,
    LICENCE_CODE_PREFIX,
    YOUTUBE_CHANNEL_ID_RE,
    ChannelRegistration,
    DownloadLink,
    LedgerEntry,
    Licence,
    LicenceTerms,
    LicenceTier,
    Order,
    OrderLine,
    SamplePack,
    SamplePackItem,
    StatementImport,
    StripeEvent,
)
from monetization.money import allocate, format_money
from operations.services import audit_log

log = logging.getLogger(__name__)


# --- What the storefront sells ----------------------------------------------------------------------------


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
    _audit_priced(actor=actor, obj=tier, before=before, verb="licence_tier", what="licence tier", name=tier.name)
    return tier


def _audit_priced(*, actor, obj, before, verb: str, what: str, name: str) -> None:
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


@transaction.atomic
def sample_pack_save(*, pack: SamplePack, actor) -> SamplePack:
    """Save a pack's sale details from the cockpit; price changes are audited."""
    if pack.tier_id and pack.tier.scope != LicenceTier.Scope.PACK:
        raise ValidationError({"tier": "Choose a sample-pack licence tier."})
    before = SamplePack.objects.select_for_update().filter(pk=pack.pk).first() if pack.pk else None
    pack.full_clean()
    pack.save()
    _audit_priced(actor=actor, obj=pack, before=before, verb="sample_pack", what="sample pack", name=pack.title)
    return pack


@transaction.atomic
def sample_pack_request_build(*, pack: SamplePack, actor) -> SamplePack:
    """Queue a (re)build of the pack's files. A pack already building is left alone."""
    pack = SamplePack.objects.select_for_update().get(pk=pack.pk)
    if pack.status == SamplePack.Status.BUILDING:
        return pack
    if not pack.tracks.exists():
        raise ValidationError("Add at least one catalogue track to the pack before building it.")
    pack.status = SamplePack.Status.BUILDING
    pack.build_error = ""
    pack.save(update_fields=["status", "build_error", "updated_at"])
    audit_log(actor=actor, verb="sample_pack.build_requested", obj=pack, summary=f"Build of {pack.title} queued.")
    enqueue("monetization.tasks.sample_pack_build_task", pack.pk)
    return pack


def sample_pack_build(*, pack: SamplePack) -> SamplePack:
    """Cut the pack from its tracks and store the zip and demo (see monetization.packs). Heavy work runs
    outside any transaction; the result is recorded atomically, replacing the previous build's files."""
    from monetization import packs  # librosa is slow to import: only the worker pays for it

    try:
        result = packs.pack_build(pack)
    except Exception as error:
        _sample_pack_build_failed(pack=pack, error=error)
        raise
    return _sample_pack_build_record(pack=pack, result=result)


@transaction.atomic
def _sample_pack_build_record(*, pack: SamplePack, result) -> SamplePack:
    pack = SamplePack.objects.select_for_update().get(pk=pack.pk)
    old_archive, old_demo = pack.archive_path, pack.demo_path
    pack.items.all().delete()
    for item in result.items:
        item.pack = pack
        item.full_clean(exclude=["pack"])
    SamplePackItem.objects.bulk_create(result.items)
    pack.archive_path, pack.archive_size_bytes = result.archive_path, result.archive_size_bytes
    pack.demo_path = result.demo_path
    pack.status, pack.build_error, pack.built_at = SamplePack.Status.READY, "", timezone.now()
    pack.save()
    audit_log(
        actor=None,
        verb="sample_pack.built",
        obj=pack,
        summary=f"Built {pack.title}: {len(result.items)} files, {result.archive_size_bytes} bytes.",
    )

    def remove_old_files():
        for storage_name, path in (("private", old_archive), ("default", old_demo)):
            if path and path not in (result.archive_path, result.demo_path):
                storages[storage_name].delete(path)

    transaction.on_commit(remove_old_files)
    return pack


@transaction.atomic
def _sample_pack_build_failed(*, pack: SamplePack, error: Exception) -> None:
    SamplePack.objects.filter(pk=pack.pk).update(
        status=SamplePack.Status.FAILED, build_error=str(error)[:2000], updated_at=timezone.now()
    )
    audit_log(actor=None, verb="sample_pack.build_failed", obj=pack, summary=f"Build failed: {error}"[:500])


# --- Checkout ---------------------------------------------------------------------------------------------


@transaction.atomic
def order_create(*, lines: list[selectors.CartLine], email: str, licensee_name: str) -> Order:
    """Create a pending order from priced cart lines (prices come from the database via `cart_lines`, never
    from the browser). All lines must share one currency, as a Stripe Checkout Session requires."""
    if not lines:
        raise ValidationError("Your cart is empty.")
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise ValidationError("Items priced in different currencies must be bought in separate orders.")
    email = email.strip()
    validate_email(email)
    if not licensee_name.strip():
        raise ValidationError({"licensee_name": "Tell us who the licence is for."})
    order = Order(
        email=email,
        licensee_name=licensee_name.strip(),
        currency=currencies.pop(),
        total_minor=sum(line.unit_amount_minor for line in lines),
    )
    order.full_clean()
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            track=line.track,
            pack=line.pack,
            tier=line.tier,
            terms=line.terms,
            description=line.description[:300],
            unit_amount_minor=line.unit_amount_minor,
        )
        for line in lines
    )
    audit_log(
        actor=None,
        verb="order.created",
        obj=order,
        summary=f"Checkout started: {len(lines)} item(s), {order.total_display}.",
    )
    return order


def order_checkout_start(*, order: Order, success_url: str, cancel_url: str) -> str:
    """Create the order's Stripe Checkout Session from its lines in the database and return the payment URL.

    The Stripe call happens outside a transaction (no row locks held across the network); the same
    order always maps to the same session through the idempotency key.
    """
    lines = list(order.lines.select_related("track", "pack", "tier"))
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": line.unit_amount_minor,
                    "product_data": {
                        "name": line.description,
                        "metadata": {
                            "tier": line.tier.slug,
                            "track": str(line.track.uuid) if line.track_id else "",
                            "pack": str(line.pack.uuid) if line.pack_id else "",
                        },
                    },
                },
            }
            for line in lines
        ],
        "customer_email": order.email,
        "client_reference_id": str(order.uuid),
        "metadata": {"order_uuid": str(order.uuid)},
        "payment_intent_data": {
            "metadata": {"order_uuid": str(order.uuid)},
            "description": f"{order} ({len(lines)} item(s))",
        },
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(time.time()) + conf.stripe_checkout_expiry_min() * 60,
    }
    session = stripe_gateway.checkout_session_create(params=params, idempotency_key=f"checkout-{order.uuid}")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(
            stripe_session_id=session["id"], checkout_url=session["url"] or "", updated_at=timezone.now()
        )
    return session["url"]


def order_sync_from_stripe(*, order: Order) -> Order:
    """Ask Stripe about a pending order's Checkout Session and fulfil it if it is paid.

    The webhook remains the authority; this lets the confirmation page show the downloads at once when the
    webhook is late (as Stripe advises). Fulfilment is idempotent: whichever comes second changes nothing.
    Stripe being unreachable leaves the order as it is.
    """
    if order.status != Order.Status.PENDING or not order.stripe_session_id:
        return order
    try:
        session = stripe_gateway.checkout_session_retrieve(session_id=order.stripe_session_id)
    except stripe_gateway.PaymentsUnavailable as error:
        log.warning("Could not check %s with Stripe: %s", order, error)
        return order
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return order
    return order_fulfil(
        order=order,
        payment_intent_id=session.get("payment_intent") or "",
        amount_total_minor=session.get("amount_total"),
        currency=session.get("currency") or "",
        session_id=session.get("id") or "",
    )


# --- Stripe webhook events --------------------------------------------------------------------------------


def stripe_event_process(*, event: dict) -> str:
    """Apply one verified Stripe event exactly once and return what happened, for the event log.

    The event row and every change it causes commit together: if handling fails, nothing is kept and Stripe
    retries; a replayed event id finds its processed row and changes nothing.
    """
    event_id, event_type = event["id"], event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    with transaction.atomic():
        record, _ = StripeEvent.objects.get_or_create(event_id=event_id, defaults={"type": event_type, "payload": obj})
        record = StripeEvent.objects.select_for_update().get(pk=record.pk)
        if record.processed_at is not None:
            return f"already processed: {record.outcome}"
        handler = _EVENT_HANDLERS.get(event_type)
        outcome = handler(obj) if handler else "ignored: not an event this shop acts on"
        record.processed_at, record.outcome = timezone.now(), outcome[:300]
        record.save(update_fields=["processed_at", "outcome"])
        return outcome


def _order_for(obj: dict) -> Order | None:
    metadata = obj.get("metadata") or {}
    ref = metadata.get("order_uuid") or obj.get("client_reference_id")
    if ref:
        try:
            order = Order.objects.filter(uuid=uuid.UUID(str(ref))).first()
        except ValueError:
            order = None
        if order is not None:
            return order
    if obj.get("object") == "checkout.session" and obj.get("id"):
        return Order.objects.filter(stripe_session_id=obj["id"]).first()
    intent = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    if intent:
        return Order.objects.filter(stripe_payment_intent_id=intent).first()
    return None


def _on_checkout_completed(session: dict) -> str:
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return f"{order}: payment still processing ({session.get('payment_status')})"
    order = order_fulfil(
        order=order,
        payment_intent_id=session.get("payment_intent") or "",
        amount_total_minor=session.get("amount_total"),
        currency=session.get("currency") or "",
        session_id=session.get("id") or "",
    )
    return f"{order}: {order.get_status_display()}"


def _on_checkout_expired(session: dict) -> str:
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    order = order_mark_expired(order=order)
    return f"{order}: {order.get_status_display()}"


def _on_payment_failed(intent: dict) -> str:
    order = _order_for(intent)
    if order is None:
        return f"no order for payment intent {intent.get('id')}"
    reason = ((intent.get("last_payment_error") or {}).get("message")) or "The payment was declined."
    order = order_mark_payment_failed(order=order, reason=reason, payment_intent_id=intent.get("id") or "")
    return f"{order}: {order.get_status_display()}"


def _on_async_payment_failed(session: dict) -> str:
    # A delayed payment method (a bank debit) failed after the checkout completed unpaid: nothing was issued.
    order = _order_for(session)
    if order is None:
        return f"no order for session {session.get('id')}"
    order = order_mark_payment_failed(
        order=order,
        reason="The bank payment did not go through, so nothing was charged.",
        payment_intent_id=session.get("payment_intent") or "",
    )
    return f"{order}: {order.get_status_display()}"


def _on_charge_refunded(charge: dict) -> str:
    order = _order_for(charge)
    if order is None:
        return f"no order for charge {charge.get('id')}"
    order = order_refund_record(
        order=order,
        refunded_total_minor=int(charge.get("amount_refunded") or 0),
        charge_id=charge.get("id") or "",
        fully_refunded=bool(charge.get("refunded")),
    )
    return f"{order}: {order.get_status_display()}"


_EVENT_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "checkout.session.async_payment_succeeded": _on_checkout_completed,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "checkout.session.expired": _on_checkout_expired,
    "payment_intent.payment_failed": _on_payment_failed,
    "charge.refunded": _on_charge_refunded,
}


# --- Orders, licences and downloads -----------------------------------------------------------------------


@transaction.atomic
def order_fulfil(
    *,
    order: Order,
    payment_intent_id: str,
    amount_total_minor: int | None,
    currency: str,
    session_id: str = "",
) -> Order:
    """Mark a paid order paid and issue one licence per line with its download links and ledger entry.

    Runs any number of times with the same result: an order already paid is returned untouched. A payment
    that does not match the order's total and currency is refused (recorded, nothing issued).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.is_paid:
        return order
    if amount_total_minor != order.total_minor or currency.lower() != order.currency:
        order.failure_reason = (
            f"Stripe reported {amount_total_minor} {currency} but the order totals "
            f"{order.total_minor} {order.currency}; nothing was issued."
        )
        order.save(update_fields=["failure_reason", "updated_at"])
        audit_log(actor=None, verb="order.amount_mismatch", obj=order, summary=order.failure_reason)
        return order
    now = timezone.now()
    order.status, order.paid_at, order.failure_reason = Order.Status.PAID, now, ""
    order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
    if session_id and not order.stripe_session_id:
        order.stripe_session_id = session_id
    order.save()
    audit_log(
        actor=None,
        verb="order.paid",
        obj=order,
        summary=f"Paid {order.total_display} through Stripe.",
        changes={"status": [Order.Status.PENDING, Order.Status.PAID]},
    )
    for line in order.lines.select_related("track__artist", "pack", "tier", "terms"):
        licence_issue(line=line)
        _ledger_sale(order=order, line=line, booked_on=timezone.localdate(now))
    enqueue("monetization.tasks.order_paperwork_task", order.pk)
    return order


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
        verb="licence.issued",
        obj=licence,
        summary=f"{licence.tier.licence_name} for {licence.subject_title} ({order}).",
    )
    download_links_issue(licence=licence)
    return licence


def _download_kinds(licence: Licence) -> list[str]:
    file_kind = DownloadLink.Kind.MASTER if licence.track_id else DownloadLink.Kind.PACK
    return [file_kind, DownloadLink.Kind.CERTIFICATE]


@transaction.atomic
def download_links_issue(*, licence: Licence) -> list[DownloadLink]:
    """Fresh links (TTL and count from settings) for every file of a valid licence; disables older ones."""
    if licence.status != Licence.Status.ACTIVE:
        raise ValidationError("Revoked licences have no downloads.")
    now = timezone.now()
    licence.download_links.filter(disabled_at__isnull=True).update(disabled_at=now, updated_at=now)
    expires_at = now + dt.timedelta(hours=conf.download_link_ttl_h())
    links = [
        DownloadLink(licence=licence, kind=kind, expires_at=expires_at, max_downloads=conf.download_max_count())
        for kind in _download_kinds(licence)
    ]
    for link in links:
        link.full_clean(exclude=["licence"])
        link.save()
    return links


@transaction.atomic
def order_download_links_regenerate(*, order: Order, actor=None) -> int:
    """New download links for every valid licence of a paid order (the "my downloads" page's button)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        raise ValidationError("This order has not been paid.")
    count = 0
    for licence in Licence.objects.filter(order_line__order=order, status=Licence.Status.ACTIVE):
        count += len(download_links_issue(licence=licence))
    audit_log(
        actor=actor,
        verb="order.download_links_regenerated",
        obj=order,
        summary=f"{count} fresh download link(s) issued.",
    )
    return count


@transaction.atomic
def order_download_links_send(*, order: Order, actor) -> int:
    """Support's "send fresh links": new download links for a paid order's valid licences, e-mailed to the
    buyer by the worker. Returns how many links were issued; an order with no valid licence is refused."""
    count = order_download_links_regenerate(order=order, actor=actor)
    if not count:
        raise ValidationError("No valid licence in this order: there is nothing to download.")
    enqueue("monetization.tasks.order_download_links_email_task", order.pk)
    return count


def order_download_links_email(*, order: Order) -> None:
    """E-mail the order's current download links (text and HTML), without certificates attached: the
    certificate is one of the links."""
    _send_order_email(order=selectors.order_with_licences(order.pk), template="download_links")


class DownloadRefused(Exception):
    """The link cannot be used; the message says why in the buyer's words."""


@transaction.atomic
def download_link_consume(*, link_uuid: uuid.UUID) -> DownloadLink:
    """Count one download, atomically: two simultaneous requests can never exceed the link's limit.

    Raises DownloadRefused when the link is unknown, disabled, expired, used up or its licence is revoked.
    """
    now = timezone.now()
    updated = DownloadLink.objects.filter(
        uuid=link_uuid,
        disabled_at__isnull=True,
        expires_at__gt=now,
        download_count__lt=F("max_downloads"),
        licence__status=Licence.Status.ACTIVE,
    ).update(download_count=F("download_count") + 1, last_downloaded_at=now, updated_at=now)
    link = (
        DownloadLink.objects.select_related("licence__track", "licence__pack", "licence__tier")
        .filter(uuid=link_uuid)
        .first()
    )
    if link is None:
        raise DownloadRefused("This download link does not exist.")
    if not updated:
        raise DownloadRefused(link.refusal(now) or "This link cannot be used.")
    return link


def download_file(*, link: DownloadLink) -> tuple[str, str, str]:
    """(storage name, path, filename for the buyer) of the file a link delivers."""
    licence = link.licence
    if link.kind == DownloadLink.Kind.CERTIFICATE:
        path = licence_certificate_ensure(licence=licence)
        return "private", path, f"{licence.code}-certificate.pdf"
    if link.kind == DownloadLink.Kind.PACK:
        pack = licence.pack
        if not pack.archive_path:
            raise DownloadRefused("The pack's files are being rebuilt; please try again in a few minutes.")
        return "private", pack.archive_path, pack.archive_filename
    master = Asset.objects.filter(track=licence.track, kind=Asset.Kind.MASTER).first()
    if master is None:
        raise DownloadRefused("The master file is not available right now; please contact us with your code.")
    extension = master.path.rsplit(".", 1)[-1] if "." in master.path else "wav"
    return master.storage, master.path, f"{_safe_filename(licence.track.title)}-{licence.code}.{extension}"


def _safe_filename(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in text)
    return "-".join(kept.split()) or "track"


@transaction.atomic
def licence_revoke(*, licence: Licence, reason: str, actor=None) -> Licence:
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
        verb="licence.revoked",
        obj=licence,
        summary=f"Revoked: {reason}",
        changes={"status": [Licence.Status.ACTIVE, Licence.Status.REVOKED]},
    )
    return licence


@transaction.atomic
def order_mark_expired(*, order: Order) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status in (Order.Status.PENDING, Order.Status.FAILED):
        previous = order.status
        order.status = Order.Status.EXPIRED
        order.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=None,
            verb="order.expired",
            obj=order,
            summary="The Stripe checkout expired unpaid.",
            changes={"status": [previous, order.status]},
        )
    return order


@transaction.atomic
def order_mark_payment_failed(*, order: Order, reason: str, payment_intent_id: str) -> Order:
    """A payment attempt failed. The checkout stays open for another attempt, so this is only recorded."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        return order
    order.status, order.failure_reason = Order.Status.FAILED, reason[:1000]
    order.stripe_payment_intent_id = order.stripe_payment_intent_id or payment_intent_id
    order.save(update_fields=["status", "failure_reason", "stripe_payment_intent_id", "updated_at"])
    audit_log(
        actor=None,
        verb="order.payment_failed",
        obj=order,
        summary=f"Payment failed: {reason}"[:500],
        changes={"status": [Order.Status.PENDING, Order.Status.FAILED]},
    )
    return order


@transaction.atomic
def order_refund_record(*, order: Order, refunded_total_minor: int, charge_id: str, fully_refunded: bool) -> Order:
    """Record Stripe's running refunded total for the order's charge.

    Books the new part of the refund in the ledger (spread over the lines in proportion to their price);
    a full refund revokes every licence of the order and disables its downloads. Replays and out-of-date
    totals change nothing.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        return order
    refunded_total_minor = min(refunded_total_minor, order.total_minor)
    delta = refunded_total_minor - order.amount_refunded_minor
    full = fully_refunded or refunded_total_minor >= order.total_minor
    if delta > 0:
        lines = list(order.lines.select_related("track", "pack"))
        shares = allocate(delta, [line.unit_amount_minor for line in lines])
        today = timezone.localdate()
        for line, share in zip(lines, shares, strict=True):
            if share:
                _ledger_entry(
                    order=order,
                    line=line,
                    kind=LedgerEntry.Kind.REFUND,
                    amount_minor=-share,
                    booked_on=today,
                    external_ref=f"refund:{charge_id}:{refunded_total_minor}:{line.pk}",
                    description=f"Refund — {line.description}",
                )
        order.amount_refunded_minor = refunded_total_minor
        order.refunded_at = timezone.now()
    previous = order.status
    if full:
        order.status = Order.Status.REFUNDED
    elif order.amount_refunded_minor > 0:
        order.status = Order.Status.PARTIALLY_REFUNDED
    if previous == order.status and delta <= 0:
        return order
    order.save(update_fields=["status", "amount_refunded_minor", "refunded_at", "updated_at"])
    audit_log(
        actor=None,
        verb="order.refunded",
        obj=order,
        summary=f"Refunded {format_money(order.amount_refunded_minor, order.currency)} of {order.total_display}.",
        changes={"status": [previous, order.status]},
    )
    if order.status == Order.Status.REFUNDED:
        for licence in Licence.objects.filter(order_line__order=order):
            licence_revoke(licence=licence, reason="The payment was refunded.")
        enqueue("monetization.tasks.order_refund_notice_task", order.pk)
    return order


# --- Certificates and e-mails ----------------------------------------------------------------------------


def verification_url(code: str) -> str:
    return conf.site_url() + reverse("monetization:licence_verify", args=[code])


def download_url(link: DownloadLink) -> str:
    return conf.site_url() + reverse("monetization:download", args=[tokens.download_token(link.uuid)])


@transaction.atomic
def licence_certificate_ensure(*, licence: Licence) -> str:
    """The private path of the licence's PDF certificate, rendered and stored the first time."""
    licence = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("track__artist", "pack", "tier", "terms")
        .get(pk=licence.pk)
    )
    storage = storages["private"]
    if licence.certificate_path and storage.exists(licence.certificate_path):
        return licence.certificate_path
    from django.conf import settings

    data = CertificateData(
        label_name=settings.LABEL_NAME,
        licensee=licence.licensee_name,
        subject=licence.subject_title,
        isrc=(licence.track.isrc or "") if licence.track_id else "",
        tier_name=licence.tier.licence_name,
        terms_version=licence.terms.version,
        terms_text=licence.terms.text,
        issued_on=timezone.localdate(licence.created_at),
        code=licence.code,
        verification_url=verification_url(licence.code),
    )
    path = storage.save(f"certificates/{licence.uuid}/{licence.code}.pdf", ContentFile(certificate_pdf(data)))
    licence.certificate_path = path
    licence.save(update_fields=["certificate_path", "updated_at"])
    return path


def order_paperwork(*, order: Order) -> bool:
    """Certificates for every licence of a paid order, then the confirmation e-mail, sent once.

    Returns True when the e-mail was sent by this call. The sent flag is taken under a row lock and only
    committed after the backend accepted the message, so a crash re-sends rather than never sends.
    """
    for licence in Licence.objects.filter(order_line__order=order):
        licence_certificate_ensure(licence=licence)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.confirmation_sent_at is not None or not order.is_paid:
            return False
        order = selectors.order_with_licences(order.pk)
        _send_order_email(order=order, template="order_confirmation")
        Order.objects.filter(pk=order.pk).update(confirmation_sent_at=timezone.now())
        audit_log(
            actor=None,
            verb="order.confirmation_sent",
            obj=order,
            summary="Order confirmation with certificates and download links e-mailed.",
        )
    return True


@transaction.atomic
def order_confirmation_resend(*, order: Order, actor) -> bool:
    """Queue the confirmation e-mail (with the current download links) again, e.g. after a typo'd inbox
    filter ate it. Only paid orders."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        return False
    order.confirmation_sent_at = None
    order.save(update_fields=["confirmation_sent_at", "updated_at"])
    audit_log(actor=actor, verb="order.confirmation_resend", obj=order, summary="Confirmation e-mail queued again.")
    enqueue("monetization.tasks.order_paperwork_task", order.pk)
    return True


def _send_order_email(*, order: Order, template: str) -> None:
    items, attachments = [], []
    for line in order.lines.all():
        licence = getattr(line, "licence", None)
        links = list(selectors.active_download_links(licence)) if licence and licence.is_valid else []
        items.append(
            {
                "line": line,
                "licence": licence,
                "verification_url": verification_url(licence.code) if licence else "",
                "links": [{"link": link, "url": download_url(link)} for link in links],
            }
        )
        if licence and licence.certificate_path and template == "order_confirmation":
            with storages["private"].open(licence.certificate_path, "rb") as fh:
                attachments.append((f"{licence.code}-certificate.pdf", fh.read(), "application/pdf"))
    emails.send_templated(
        to=order.email,
        template=template,
        attachments=attachments,
        context={
            "order": order,
            "items": items,
            "my_downloads_url": conf.site_url() + reverse("monetization:downloads"),
            "ttl_h": conf.download_link_ttl_h(),
            "max_count": conf.download_max_count(),
        },
    )


def order_refund_notice(*, order: Order) -> bool:
    """Tell the buyer their order was refunded and its licences revoked; sent once."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.refund_notice_sent_at is not None or order.status != Order.Status.REFUNDED:
            return False
        _send_order_email(order=selectors.order_with_licences(order.pk), template="order_refunded")
        Order.objects.filter(pk=order.pk).update(refund_notice_sent_at=timezone.now())
    return True


def magic_link_request(*, email: str) -> None:
    """Queue the "my downloads" sign-in e-mail for an address (sent by `magic_link_send` in the worker).

    The request page answers at once and the same way for every address: looking up orders and talking to
    the mail server happen in the background, so neither the answer nor its timing tells who bought here,
    and a slow or failing mail server never breaks the page (the task is retried).
    """
    enqueue("monetization.tasks.magic_link_send_task", email.strip())


def magic_link_send(*, email: str) -> bool:
    """E-mail a sign-in link to the "my downloads" page when the address has paid orders.

    Returns whether a message was sent; callers show the same answer either way, so the form never
    reveals who bought what.
    """
    email = email.strip()
    if not selectors.orders_for_email(email).exists():
        return False
    url = conf.site_url() + reverse("monetization:downloads_access", args=[tokens.magic_token(email)])
    emails.send_templated(to=email, template="magic_link", context={"url": url, "ttl_h": conf.magic_link_ttl_h()})
    return True


# --- YouTube channels for the Content ID allow list -------------------------------------------------------


def channel_id_parse(text: str) -> str:
    """A channel id from what a buyer pastes: the bare id or a youtube.com/channel/UC... address."""
    value = text.strip()
    if "/channel/" in value:
        value = value.split("/channel/", 1)[1].split("/")[0].split("?")[0]
    if not YOUTUBE_CHANNEL_ID_RE.match(value):
        raise ValidationError(
            "That is not a YouTube channel id. It starts with UC and has 24 characters in all; "
            "find it in YouTube Studio under Settings > Channel > Advanced settings."
        )
    return value


@transaction.atomic
def channel_register(*, licence: Licence, channel_text: str) -> ChannelRegistration:
    """Register a YouTube channel under a valid licence, within the tier's channel allowance."""
    licence = Licence.objects.select_for_update(of=("self",)).select_related("tier").get(pk=licence.pk)
    channel_id = channel_id_parse(channel_text)
    existing = licence.channels.filter(channel_id=channel_id).first()
    if existing is not None:
        return existing
    if not licence.is_valid:
        raise ValidationError("This licence has been revoked.")
    allowance = licence.tier.max_channels
    if licence.channels.count() >= allowance:
        raise ValidationError(
            f"The {licence.tier.licence_name} covers {allowance} channel(s); remove one first or upgrade."
            if allowance
            else f"The {licence.tier.licence_name} does not include Content ID allow-listing."
        )
    registration = ChannelRegistration(licence=licence, channel_id=channel_id)
    registration.full_clean()
    registration.save()
    audit_log(
        actor=None,
        verb="licence.channel_registered",
        obj=licence,
        summary=f"Channel {channel_id} registered for allow-listing.",
    )
    return registration


@transaction.atomic
def channel_remove(*, registration: ChannelRegistration) -> None:
    licence = registration.licence
    registration.delete()
    audit_log(
        actor=None,
        verb="licence.channel_removed",
        obj=licence,
        summary=f"Channel {registration.channel_id} removed from allow-listing.",
    )


# --- Ledger -----------------------------------------------------------------------------------------------


def _ledger_sale(*, order: Order, line: OrderLine, booked_on: dt.date) -> None:
    _ledger_entry(
        order=order,
        line=line,
        kind=LedgerEntry.Kind.SALE,
        amount_minor=line.unit_amount_minor,
        booked_on=booked_on,
        external_ref=f"sale:{order.uuid}:{line.pk}",
        description=line.description,
    )


def _ledger_entry(
    *,
    order: Order,
    line: OrderLine,
    kind: str,
    amount_minor: int,
    booked_on: dt.date,
    external_ref: str,
    description: str,
) -> LedgerEntry:
    existing = LedgerEntry.objects.filter(source=LedgerEntry.Source.STOREFRONT, external_ref=external_ref).first()
    if existing is not None:
        return existing
    track: Track | None = line.track
    entry = LedgerEntry(
        booked_on=booked_on,
        source=LedgerEntry.Source.STOREFRONT,
        kind=kind,
        amount_minor=amount_minor,
        currency=order.currency,
        track=track,
        pack=line.pack,
        release=selectors.track_primary_release(track) if track else None,
        isrc=(track.isrc or "") if track else "",
        order=order,
        description=description[:300],
        external_ref=external_ref,
        units=1 if kind == LedgerEntry.Kind.SALE else None,
    )
    entry.full_clean()
    entry.save()
    return entry


def _statement_description(record: StatementImport, total: statements.StatementTotal) -> str:
    stores = ", ".join(sorted(total.stores))
    return f"{record.get_source_display()} {total.month:%Y-%m} {stores}".strip()[:300]


@transaction.atomic
def statement_import(
    *, source: str, period: dt.date, currency: str, file: BinaryIO, file_name: str, actor
) -> StatementImport:
    """Import a YouTube or distributor revenue CSV into the ledger, one entry per ISRC, month and currency.

    The file is kept privately and read once, streaming (reports run to millions of rows). Rows are matched
    to tracks by ISRC; unmatched ISRCs still get entries (money is never dropped) and are listed on the
    import.
    The same file cannot be imported twice.
    """
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1024 * 1024):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if StatementImport.objects.filter(sha256=sha256).exists():
        raise ValidationError("This exact file has already been imported.")
    file.seek(0)
    result = statements.statement_parse(file, default_currency=currency, default_month=period.replace(day=1))
    file.seek(0)
    path = storages["private"].save(f"statements/{source}/{period:%Y-%m}/{file_name}", File(file, name=file_name))
    record = StatementImport(
        source=source,
        period=period.replace(day=1),
        currency=currency,
        file_name=file_name[:255],
        file_path=path,
        sha256=sha256,
        rows_read=result.rows_read,
        rows_skipped=result.rows_skipped,
        imported_by=actor if actor and actor.pk else None,
    )
    record.full_clean()
    try:
        record.save()
    except IntegrityError as error:  # the same file imported at the same moment
        raise ValidationError("This exact file has already been imported.") from error
    tracks = {t.isrc: t for t in Track.objects.filter(isrc__in={t.isrc for t in result.totals})}
    releases = selectors.primary_releases([t.pk for t in tracks.values()])
    unmatched, matched_rows, unmatched_rows = set(), 0, 0
    entries = []
    for total in result.totals:
        track = tracks.get(total.isrc)
        if track is None:
            unmatched.add(total.isrc)
            unmatched_rows += total.rows
        else:
            matched_rows += total.rows
        entry = LedgerEntry(
            booked_on=total.month,
            source=source,
            kind=LedgerEntry.Kind.ROYALTY,
            amount_minor=total.amount_minor,
            currency=total.currency,
            track=track,
            release=releases.get(track.pk) if track else None,
            isrc=total.isrc,
            units=total.units,
            statement=record,
            description=_statement_description(record, total),
            external_ref=f"{sha256[:20]}:{total.isrc}:{total.month:%Y-%m}:{total.currency}",
        )
        entry.full_clean(validate_unique=False, validate_constraints=False)  # one query per row otherwise
        entries.append(entry)
    LedgerEntry.objects.bulk_create(entries)
    record.rows_matched, record.rows_unmatched = matched_rows, unmatched_rows
    record.unmatched_isrcs = sorted(unmatched)
    record.save(update_fields=["rows_matched", "rows_unmatched", "unmatched_isrcs", "updated_at"])
    audit_log(
        actor=actor,
        verb="ledger.statement_imported",
        obj=record,
        summary=f"Imported {record}: {len(entries)} entries, {len(unmatched)} unmatched ISRC(s).",
    )
    return record
