"""Background entry points (django-q2): take ids, load, call one service. Redelivery is harmless."""

from __future__ import annotations

import logging

from monetization import services
from monetization.models import Order, SamplePack

log = logging.getLogger(__name__)


def sample_pack_build_task(pack_id: int) -> None:
    pack = SamplePack.objects.filter(pk=pack_id, status=SamplePack.Status.BUILDING).first()
    if pack is None:  # already built, or deleted: a redelivery must be harmless
        return
    try:
        services.sample_pack_build(pack=pack)
    except Exception:
        # The service recorded the failure on the pack for the cockpit; retrying the same material would
        # fail the same way, so the task ends here instead of raising into the queue's retries.
        log.exception("Sample pack %s failed to build", pack_id)


def order_paperwork_task(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id, confirmation_sent_at__isnull=True).first()
    if order is None:
        return
    services.order_paperwork(order=order)


def order_refund_notice_task(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id, status=Order.Status.REFUNDED, refund_notice_sent_at__isnull=True).first()
    if order is None:
        return
    services.order_refund_notice(order=order)


def magic_link_send_task(email: str) -> None:
    # Sends nothing to addresses without paid orders; a redelivery sends a second, equally valid link.
    services.magic_link_send(email=email)


def order_download_links_email_task(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id, status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED]).first()
    if order is None:  # refunded since: its links are disabled, there is nothing to send
        return
    services.order_download_links_email(order=order)
