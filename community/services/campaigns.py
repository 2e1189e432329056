"""Newsletter campaigns: start sending, deliver in claimed batches, resume dropped runs, retry failures."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from community import conf, emails
from community.audit_verbs import CommunityVerb
from community.models import Campaign, CampaignDelivery, Subscriber
from community.services.common import require_permission
from community.services.newsletter import unsubscribe_url
from lofi_site.actors import Actor, actor_user
from lofi_site.queue import enqueue
from operations.services import audit_log

logger = logging.getLogger(__name__)

SEND_CAMPAIGN_PERMISSION = "community.send_campaign"
CAMPAIGN_TASK = "community.tasks.campaign_deliver_task"


@transaction.atomic
def campaign_send(*, campaign: Campaign, actor: Actor) -> Campaign:
    """Start sending a draft campaign to every confirmed subscriber: one pending delivery each, then the task.

    Idempotent: a campaign already sending or sent is returned as it is. Raises PermissionDenied unless the
    actor may send campaigns, ValidationError for a campaign without subject or text.
    """
    require_permission(actor, SEND_CAMPAIGN_PERMISSION, "send newsletter campaigns")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        return campaign
    campaign.full_clean()
    recipients = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).values_list("pk", flat=True)
    CampaignDelivery.objects.bulk_create(
        (CampaignDelivery(campaign=campaign, subscriber_id=pk) for pk in recipients.iterator()),
        batch_size=1000,
        ignore_conflicts=True,
    )
    campaign.status = Campaign.Status.SENDING
    campaign.started_at = timezone.now()
    campaign.sent_by = actor_user(actor)
    campaign.save(update_fields=["status", "started_at", "sent_by", "updated_at"])
    count = campaign.deliveries.count()
    audit_log(
        actor=actor,
        verb=CommunityVerb.CAMPAIGN_SENDING,
        obj=campaign,
        summary=f"Sending '{campaign.subject}' to {count} subscriber{'s' if count != 1 else ''}",
        changes={"status": [Campaign.Status.DRAFT, Campaign.Status.SENDING], "recipients": count},
    )
    # robust: the deliveries are committed rows (this campaign's outbox); a broker that is down must not turn the
    # committed start into an error page: campaigns_resume (the sweeper) queues them when it is back.
    enqueue(CAMPAIGN_TASK, campaign.pk, robust=True)
    return campaign


def _campaign_message(campaign: Campaign, subscriber: Subscriber, connection):
    unsubscribe = unsubscribe_url(subscriber)
    return emails.message_from_templates(
        to=subscriber.email,
        template="campaign",
        context={"campaign": campaign, "unsubscribe_url": unsubscribe},
        headers=emails.unsubscribe_headers(unsubscribe),
        connection=connection,
    )


def _claimable(campaign: Campaign, now: datetime) -> Q:
    stale = now - timedelta(seconds=conf.campaign_claim_stale_s())
    return Q(campaign=campaign, status=CampaignDelivery.Status.PENDING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


@dataclass(frozen=True)
class BatchResult:
    sent: int
    failed: int
    remaining: int


def campaign_deliver_batch(*, campaign: Campaign, batch_size: int | None = None) -> BatchResult:
    """Send the next `batch_size` pending deliveries of a sending campaign, one e-mail each.

    Guarantees: each delivery is claimed before its e-mail goes out, so concurrent or redelivered runs never
    send one twice; a failing address is recorded as failed with its error and the batch goes on; only pending
    deliveries are sent, so a rerun after a crash resumes where it stopped; the campaign becomes "sent" when
    nothing is pending. Not one transaction on purpose: each delivery's outcome is committed as soon as it is
    known.
    """
    batch_size = batch_size or conf.campaign_batch_size()
    campaign.refresh_from_db()
    if campaign.status != Campaign.Status.SENDING:
        return BatchResult(sent=0, failed=0, remaining=0)
    now = timezone.now()
    candidates = list(
        CampaignDelivery.objects.filter(_claimable(campaign, now))
        .order_by("id")
        .values_list("pk", flat=True)[:batch_size]
    )
    sent = failed = 0
    connection = get_connection()
    for pk in candidates:
        if not CampaignDelivery.objects.filter(_claimable(campaign, now), pk=pk).update(claimed_at=timezone.now()):
            continue  # another run took it meanwhile
        delivery = CampaignDelivery.objects.select_related("subscriber").get(pk=pk)
        if delivery.subscriber.status != Subscriber.Status.CONFIRMED:
            delivery.delete()  # unsubscribed while the campaign was going out
            continue
        try:
            _campaign_message(campaign, delivery.subscriber, connection).send()
        except Exception as error:  # any failure of one address must not stop the others
            logger.warning("campaign %s: delivery %s failed: %s", campaign.pk, pk, error)
            CampaignDelivery.objects.filter(pk=pk).update(
                status=CampaignDelivery.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
            )
            failed += 1
            continue
        CampaignDelivery.objects.filter(pk=pk).update(
            status=CampaignDelivery.Status.SENT, sent_at=timezone.now(), error=""
        )
        sent += 1
    remaining = CampaignDelivery.objects.filter(campaign=campaign, status=CampaignDelivery.Status.PENDING).count()
    if remaining == 0:
        _campaign_finish(campaign)
    return BatchResult(sent=sent, failed=failed, remaining=remaining)


@transaction.atomic
def _campaign_finish(campaign: Campaign) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.SENDING:
        return
    counts = Counter(campaign.deliveries.values_list("status", flat=True))
    campaign.status = Campaign.Status.SENT
    campaign.finished_at = timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit_log(
        actor=None,
        verb=CommunityVerb.CAMPAIGN_SENT,
        obj=campaign,
        summary=f"Sent to {counts[CampaignDelivery.Status.SENT]}, failed {counts[CampaignDelivery.Status.FAILED]}",
        changes={"status": [Campaign.Status.SENDING, Campaign.Status.SENT]},
    )


def campaigns_resume() -> int:
    """Pick up campaigns a worker dropped: queue the delivery task of every sending campaign with deliveries a
    run may take (never claimed, or claimed by a run that died), and finish one with nothing pending left.
    Run hourly; the delivery task itself stops queueing itself when a run finds nothing it may take, so without
    this a campaign whose worker died mid-batch would stay "sending". Returns how many campaigns were queued."""
    now = timezone.now()
    queued = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.SENDING).order_by("id"):
        if CampaignDelivery.objects.filter(_claimable(campaign, now)).exists():
            enqueue(CAMPAIGN_TASK, campaign.pk, robust=True)  # a down broker: the next sweep tries again
            queued += 1
        elif not campaign.deliveries.filter(status=CampaignDelivery.Status.PENDING).exists():
            _campaign_finish(campaign)
    return queued


@transaction.atomic
def campaign_retry_failed(*, campaign: Campaign, actor: Actor) -> int:
    """Put a sent campaign's failed deliveries back to pending and send them again; returns how many."""
    require_permission(actor, SEND_CAMPAIGN_PERMISSION, "send newsletter campaigns")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    count = campaign.deliveries.filter(
        status=CampaignDelivery.Status.FAILED, subscriber__status=Subscriber.Status.CONFIRMED
    ).update(status=CampaignDelivery.Status.PENDING, claimed_at=None, error="")
    if count:
        campaign.status = Campaign.Status.SENDING
        campaign.finished_at = None
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
        audit_log(
            actor=actor,
            verb=CommunityVerb.CAMPAIGN_RETRIED,
            obj=campaign,
            summary=f"Retrying {count} failed deliveries",
        )
        enqueue(CAMPAIGN_TASK, campaign.pk, robust=True)
    return count
