"""Download links: issued per licence, regenerated and e-mailed, counted atomically, and the file each delivers."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Asset
from lofi_site.actors import Actor
from lofi_site.files import safe_filename
from monetization import conf, selectors
from monetization.audit_verbs import SalesVerb
from monetization.models import DownloadLink, Licence, Order
from monetization.services.paperwork import licence_certificate_ensure, order_email_send
from operations.outbox import outbox_add
from operations.services import audit_log


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
def order_download_links_regenerate(*, order: Order, actor: Actor = None) -> int:
    """New download links for every valid licence of a paid order (the "my downloads" page's button)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not order.is_paid:
        raise ValidationError("This order has not been paid.")
    count = 0
    for licence in Licence.objects.filter(order_line__order=order, status=Licence.Status.ACTIVE):
        count += len(download_links_issue(licence=licence))
    audit_log(
        actor=actor,
        verb=SalesVerb.ORDER_DOWNLOAD_LINKS_REGENERATED,
        obj=order,
        summary=f"{count} fresh download link(s) issued.",
    )
    return count


@transaction.atomic
def order_download_links_send(*, order: Order, actor: Actor) -> int:
    """Support's "send fresh links": new download links for a paid order's valid licences, e-mailed to the
    buyer by the worker. Returns how many links were issued; an order with no valid licence is refused."""
    count = order_download_links_regenerate(order=order, actor=actor)
    if not count:
        raise ValidationError("No valid licence in this order: there is nothing to download.")
    outbox_add(
        "monetization.tasks.order_download_links_email_task", order.pk, description=f"Fresh download links: {order}"
    )
    return count


def order_download_links_email(*, order: Order) -> None:
    """E-mail the order's current download links (text and HTML), without certificates attached: the
    certificate is one of the links."""
    order_email_send(order=selectors.order_with_licences(order.pk), template="download_links")


class DownloadRefused(Exception):
    """The link cannot be used; the message says why in the buyer's words."""


@transaction.atomic
def download_link_consume(*, link_uuid: uuid.UUID) -> DownloadLink:
    """Count one download, atomically: two simultaneous requests can never exceed the link's limit.

    Raises DownloadRefused when the link is unknown, disabled, expired, used up or its licence is revoked.
    """
    # Lock the link's row before reading its count: a simultaneous request waits here and then sees the count
    # this one wrote. (A guarded UPDATE whose conditions sit in a joined subquery is not re-checked under the
    # lock on PostgreSQL: the last download was counted twice and the check constraint failed with a 500.)
    pk = DownloadLink.objects.select_for_update().filter(uuid=link_uuid).values_list("pk", flat=True).first()
    if pk is None:
        raise DownloadRefused("This download link does not exist.")
    link = DownloadLink.objects.select_related("licence__track", "licence__pack", "licence__tier").get(pk=pk)
    now = timezone.now()
    refusal = link.refusal(now)
    if refusal:
        raise DownloadRefused(refusal)
    DownloadLink.objects.filter(pk=pk).update(
        download_count=F("download_count") + 1, last_downloaded_at=now, updated_at=now
    )
    link.download_count += 1
    link.last_downloaded_at = link.updated_at = now
    return link


def download_file(*, link: DownloadLink) -> tuple[str, str, str]:
    """(storage name, path, filename for the buyer) of the file a link delivers."""
    licence = link.licence
    if link.kind == DownloadLink.Kind.CERTIFICATE:
        path = licence_certificate_ensure(licence=licence)
        return "private", path, f"{licence.code}-certificate.pdf"
    if link.kind == DownloadLink.Kind.PACK:
        pack = licence.pack
        if pack is None:
            raise DownloadRefused("This link's licence names no sample pack; please contact us with your code.")
        if not pack.archive_path:
            raise DownloadRefused("The pack's files are being rebuilt; please try again in a few minutes.")
        return "private", pack.archive_path, pack.archive_filename
    track = licence.track
    master = Asset.objects.filter(track=track, kind=Asset.Kind.MASTER).first() if track is not None else None
    if master is None or track is None:
        raise DownloadRefused("The master file is not available right now; please contact us with your code.")
    extension = master.path.rsplit(".", 1)[-1] if "." in master.path else "wav"
    return (
        master.storage,
        master.path,
        f"{safe_filename(track.title, default='track', space='-')}-{licence.code}.{extension}",
    )
