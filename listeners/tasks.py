"""django-q2 entry points: take ids or plain values, load, call one service."""

from __future__ import annotations

from listeners import services
from listeners.models import MixStream, ReleaseAlert


def sign_in_link_send_task(email: str) -> None:
    services.sign_in_link_send(email=email)


def recommender_train_task() -> None:
    """Scheduled nightly (listeners/procedures.py): prune old preview plays, retrain the learned recommender."""
    services.recommender_nightly()


def release_alerts_resume_task() -> int:
    """Scheduled hourly (listeners/procedures.py): alerts for releases that came out, and dropped batches."""
    return services.release_alerts_resume()


def release_alert_deliver_task(alert_id: int) -> None:
    alert = ReleaseAlert.objects.filter(pk=alert_id, status=ReleaseAlert.Status.SENDING).first()
    if alert is None:  # already sent or deleted: a redelivery must be harmless
        return
    services.release_alert_deliver_batch(alert=alert)


def mix_streams_ensure_task() -> int:
    """Scheduled hourly (listeners/procedures.py): mixes that came out get their public stream made."""
    return services.mix_streams_ensure()


def mix_stream_make_task(stream_id: int) -> None:
    stream = MixStream.objects.filter(pk=stream_id).exclude(status=MixStream.Status.READY).first()
    if stream is None:  # already made or deleted: a redelivery must be harmless
        return
    services.mix_stream_make(stream=stream)
