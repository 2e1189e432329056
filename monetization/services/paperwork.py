"""What an order sends: licence certificates (PDF), the confirmation, refund notice and sign-in e-mails."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lofi_site.actors import Actor
from monetization import conf, emails, selectors, tokens
from monetization.audit_verbs import SalesVerb
from monetization.engine.certificates import CertificateData, certificate_pdf
from monetization.models import DownloadLink, Licence, Order
from operations.outbox import outbox_add
from operations.services import audit_log


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
        isrc=(licence.track.isrc or "") if licence.track is not None else "",
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
        order_email_send(order=order, template="order_confirmation")
        Order.objects.filter(pk=order.pk).update(confirmation_sent_at=timezone.now())
        audit_log(
            actor=None,
            verb=SalesVerb.ORDER_CONFIRMATION_SENT,
            obj=order,
            summary="Order confirmation with certificates and download links e-mailed.",
        )
    return True


@transaction.atomic
def order_confirmation_resend(*, order: Order, actor: Actor) -> bool:
    """Queue the confirmation e-mail (with the current download links) again, e.g. after a typo'd inbox
    filter ate it. Only paid orders."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        return False
    order.confirmation_sent_at = None
    order.save(update_fields=["confirmation_sent_at", "updated_at"])
    audit_log(
        actor=actor, verb=SalesVerb.ORDER_CONFIRMATION_RESEND, obj=order, summary="Confirmation e-mail queued again."
    )
    outbox_add("monetization.tasks.order_paperwork_task", order.pk, description=f"Order confirmation again: {order}")
    return True


def order_email_send(*, order: Order, template: str) -> None:
    """Send one of the order e-mails (`template`) listing each line's licence and current download links;
    the confirmation also attaches the certificates."""
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
        order_email_send(order=selectors.order_with_licences(order.pk), template="order_refunded")
        Order.objects.filter(pk=order.pk).update(refund_notice_sent_at=timezone.now())
    return True


def magic_link_request(*, email: str) -> None:
    """Queue the "my downloads" sign-in e-mail for an address (sent by `magic_link_send` in the worker).

    The request page answers at once and the same way for every address: looking up orders and talking to
    the mail server happen in the background, so neither the answer nor its timing tells who bought here,
    and a slow or failing mail server never breaks the page (the task is retried).
    """
    outbox_add("monetization.tasks.magic_link_send_task", email.strip(), description="My downloads sign-in link")


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
