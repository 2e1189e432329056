"""django-q2 entry points for community. Thin: each loads what it was given and calls one service; a
redelivered task finds nothing left to do and returns."""

from __future__ import annotations

from community import services
from community.models import Campaign, Reply, Subscriber, TrackRequest
from lofi_site.queue import enqueue


def comments_sync_all_task() -> None:
    """Scheduled hourly (community/procedures.py): new comments of every published video, then approved replies."""
    services.comments_sync_all()
    services.replies_post_pending()


def video_stats_snapshot_task() -> None:
    """Scheduled daily (community/procedures.py): today's statistics of every published video."""
    services.video_stats_snapshot_take()


def track_requests_progress_task() -> None:
    """Scheduled hourly (community/procedures.py): requests whose track rendered or came out move on."""
    services.track_requests_progress()


def reply_post_task(reply_id: int) -> None:
    reply = Reply.objects.filter(pk=reply_id, status=Reply.Status.APPROVED).first()
    if reply is None:  # posted, edited back to draft or rejected meanwhile
        return
    services.reply_post_now(reply=reply)


def subscriber_confirmation_send_task(subscriber_id: int) -> None:
    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=Subscriber.Status.PENDING).first()
    if subscriber is not None:
        services.subscriber_confirmation_send(subscriber=subscriber)


def campaign_deliver_task(campaign_id: int) -> None:
    """Send one batch; queue the next run while deliveries are pending, so no run outlives the worker
    timeout."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None:
        return
    result = services.campaign_deliver_batch(campaign=campaign)
    if result.remaining and (result.sent or result.failed):
        enqueue(services.CAMPAIGN_TASK, campaign_id, robust=True)  # a down broker: campaigns_resume carries on


def campaigns_resume_task() -> None:
    """Scheduled hourly (community/procedures.py): campaigns a dead worker left half-sent carry on."""
    services.campaigns_resume()


def track_request_notify_released_task(track_request_id: int) -> None:
    track_request = TrackRequest.objects.filter(pk=track_request_id).first()
    if track_request is not None:
        services.track_request_notify_released(track_request=track_request)
