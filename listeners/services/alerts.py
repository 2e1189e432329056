"""Release alerts: an opt-in e-mail to the followers of an artist when one of their releases comes out.

Sent the way community's newsletter campaigns are: one delivery row per recipient, claimed before its e-mail
goes out (a redelivered or concurrent batch never sends twice), a failing address recorded and the batch going
on, batches of BATCH_SIZE and RFC 8058 one-click unsubscribe headers. The hourly task finds releases that came
out, creates their alert, and resumes batches a dead worker left. The delivery rows are the alert's outbox (as
operations.outbox is for single e-mails): committed before anything is queued, so a broker that is down only
delays them to the next hourly run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import Release
from catalog.selectors import release_list_public
from listeners import emails, tokens
from listeners.models import Follow, Listener, ReleaseAlert, ReleaseAlertDelivery
from lofi_site.queue import enqueue
from monetization import conf as shop_conf

logger = logging.getLogger(__name__)
DELIVER_TASK = "listeners.tasks.release_alert_deliver_task"
LOOKBACK = timedelta(days=7)  # a release that came out longer ago than this gets no alert (news, not history)
CLAIM_STALE = timedelta(minutes=15)
BATCH_SIZE = 200  # e-mails per task run, as the newsletter sends them; the task queues itself for the rest


def release_alerts_resume() -> int:
    """Create the alert of every release out in the last LOOKBACK whose artist has opted-in followers, and
    queue the delivery of every alert with deliveries left to send. Returns how many alerts were queued."""
    today = timezone.localdate()
    recent = release_list_public().filter(
        Q(release_date__gte=today - LOOKBACK) | Q(release_date__isnull=True, updated_at__gte=timezone.now() - LOOKBACK)
    )
    for release in recent.exclude(pk__in=ReleaseAlert.objects.values("release_id")):
        _alert_create(release)
    queued = 0
    for alert in ReleaseAlert.objects.filter(status=ReleaseAlert.Status.SENDING):
        if ReleaseAlertDelivery.objects.filter(_claimable(alert)).exists():
            # robust: the deliveries are committed rows; a down broker is logged and the next hourly run queues them.
            enqueue(DELIVER_TASK, alert.pk, robust=True)
            queued += 1
        else:
            _alert_finish(alert)
    return queued


def _alert_create(release: Release) -> ReleaseAlert | None:
    followers = Listener.objects.filter(
        release_alerts=True, pk__in=Follow.objects.filter(artist_id=release.artist_id).values("listener_id")
    ).values_list("pk", flat=True)
    try:
        with transaction.atomic():
            alert = ReleaseAlert.objects.create(release=release)
            ReleaseAlertDelivery.objects.bulk_create(
                [ReleaseAlertDelivery(alert=alert, listener_id=pk) for pk in followers], batch_size=1000
            )
    except IntegrityError:  # another run created it first
        return None
    return alert


def _claimable(alert: ReleaseAlert) -> Q:
    stale = timezone.now() - CLAIM_STALE
    return Q(alert=alert, status=ReleaseAlertDelivery.Status.PENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


@dataclass(frozen=True)
class BatchResult:
    sent: int
    failed: int
    remaining: int


def release_alert_deliver_batch(*, alert: ReleaseAlert, batch_size: int | None = None) -> BatchResult:
    """Send the next batch of an alert's pending deliveries; queue the next batch while some remain."""
    batch_size = batch_size or BATCH_SIZE
    alert.refresh_from_db()
    if alert.status != ReleaseAlert.Status.SENDING:
        return BatchResult(0, 0, 0)
    release = Release.objects.select_related("artist").get(pk=alert.release_id)
    candidates = list(
        ReleaseAlertDelivery.objects.filter(_claimable(alert)).order_by("id").values_list("pk", flat=True)[:batch_size]
    )
    sent = failed = 0
    connection = get_connection()
    for pk in candidates:
        if not ReleaseAlertDelivery.objects.filter(_claimable(alert), pk=pk).update(claimed_at=timezone.now()):
            continue  # another run took it meanwhile
        delivery = ReleaseAlertDelivery.objects.select_related("listener").get(pk=pk)
        if not delivery.listener.release_alerts:
            delivery.delete()  # opted out while the alert was going out
            continue
        try:
            _message(release, delivery.listener, connection).send()
        except Exception as error:  # one failing address must not stop the others
            logger.warning("release alert %s: delivery %s failed: %s", alert.pk, pk, error)
            ReleaseAlertDelivery.objects.filter(pk=pk).update(
                status=ReleaseAlertDelivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
            )
            failed += 1
            continue
        ReleaseAlertDelivery.objects.filter(pk=pk).update(
            status=ReleaseAlertDelivery.Status.SENT, sent_at=timezone.now(), error=""
        )
        sent += 1
    remaining = ReleaseAlertDelivery.objects.filter(alert=alert, status=ReleaseAlertDelivery.Status.PENDING).count()
    if remaining == 0:
        _alert_finish(alert)
    elif candidates:
        enqueue(DELIVER_TASK, alert.pk, robust=True)
    return BatchResult(sent, failed, remaining)


def _message(release: Release, listener: Listener, connection):
    site = shop_conf.site_url()
    unsubscribe = site + reverse("listeners:alerts_off", args=[tokens.alerts_off_token(listener.uuid)])
    return emails.message_from_templates(
        to=listener.email,
        template="release_alert",
        context={
            "release": release,
            "release_url": site + release.get_absolute_url(),
            "unsubscribe_url": unsubscribe,
            "listener": listener,
        },
        headers=emails.unsubscribe_headers(unsubscribe),
        connection=connection,
    )


def _alert_finish(alert: ReleaseAlert) -> None:
    ReleaseAlert.objects.filter(pk=alert.pk, status=ReleaseAlert.Status.SENDING).update(
        status=ReleaseAlert.Status.SENT, finished_at=timezone.now(), updated_at=timezone.now()
    )


def release_alerts_unsubscribe(*, listener_uuid: str) -> Listener | None:
    """Turn release alerts off for the listener a one-click unsubscribe link names. Idempotent."""
    listener = Listener.objects.filter(uuid=listener_uuid).first()
    if listener is not None and listener.release_alerts:
        listener.release_alerts = False
        listener.save(update_fields=["release_alerts", "updated_at"])
    return listener
