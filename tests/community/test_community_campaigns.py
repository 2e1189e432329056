"""Campaigns: sent in batches by a task, per-recipient status, a failing address never stops the batch, a
redelivered task sends only what is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from community import services, tasks
from community.models import Campaign, CampaignDelivery, Subscriber
from tests.community.factories import CampaignFactory, SubscriberFactory
from tests.community.failing_mail_backend import REFUSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "tests.community.failing_mail_backend.RefusingBackend"


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_an_editor_sends_a_campaign_to_confirmed_subscribers_only(client, editor, queued_tasks):
    confirmed = SubscriberFactory.create_batch(3)
    SubscriberFactory(status=Subscriber.Status.PENDING)
    SubscriberFactory(status=Subscriber.Status.UNSUBSCRIBED)
    campaign = CampaignFactory()
    client.force_login(editor)

    client.post(reverse("admin:community_campaign_changelist"), {"action": "send", "_selected_action": [campaign.pk]})

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert queued_tasks == [(services.CAMPAIGN_TASK, campaign.pk)]
    tasks.campaign_deliver_task(campaign.pk)
    assert _recipients() == sorted(s.email for s in confirmed)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT and campaign.finished_at


def test_every_campaign_mail_has_one_click_unsubscribe_headers_and_link(editor, queued_tasks):
    subscriber = SubscriberFactory()
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)

    tasks.campaign_deliver_task(campaign.pk)

    message = mail.outbox[0]
    unsubscribe = services.unsubscribe_url(subscriber)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in message.body
    assert unsubscribe in message.alternatives[0][0]
    assert message.subject == campaign.subject


def test_one_failing_address_is_recorded_and_the_batch_goes_on(editor, queued_tasks, refusing_mail):
    SubscriberFactory(email="first@example.com")
    SubscriberFactory(email=REFUSED)
    SubscriberFactory(email="last@example.com")
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)

    result = services.campaign_deliver_batch(campaign=campaign, batch_size=10)

    assert (result.sent, result.failed, result.remaining) == (2, 1, 0)
    assert _recipients() == ["first@example.com", "last@example.com"]
    failed = CampaignDelivery.objects.get(status=CampaignDelivery.Status.FAILED)
    assert failed.subscriber.email == REFUSED and "mailbox unavailable" in failed.error
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_batches_continue_in_new_runs_until_nobody_is_pending(editor, queued_tasks, settings):
    settings.NEWSLETTER_BATCH_SIZE = 2
    SubscriberFactory.create_batch(5)
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    queued_tasks.clear()

    tasks.campaign_deliver_task(campaign.pk)

    assert len(mail.outbox) == 2 and queued_tasks == [(services.CAMPAIGN_TASK, campaign.pk)]
    while queued_tasks:
        _func, *args = queued_tasks.pop()
        tasks.campaign_deliver_task(*args)
    assert len(mail.outbox) == 5 and len(set(_recipients())) == 5
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_a_redelivered_task_sends_only_pending_deliveries(editor, queued_tasks):
    SubscriberFactory.create_batch(3)
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    first = CampaignDelivery.objects.order_by("id").first()
    # A previous run sent the first one, then its worker died.
    CampaignDelivery.objects.filter(pk=first.pk).update(status=CampaignDelivery.Status.SENT, sent_at=timezone.now())

    tasks.campaign_deliver_task(campaign.pk)
    tasks.campaign_deliver_task(campaign.pk)  # and the task is delivered once more

    assert len(mail.outbox) == 2 and first.subscriber.email not in _recipients()


def test_a_delivery_claimed_by_a_live_run_is_not_sent_twice_but_a_dead_claim_is_taken_over(editor, queued_tasks):
    a, b = SubscriberFactory(), SubscriberFactory()
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    CampaignDelivery.objects.filter(subscriber=a).update(claimed_at=timezone.now())  # another worker is on it
    CampaignDelivery.objects.filter(subscriber=b).update(claimed_at=timezone.now() - timedelta(days=1))  # died

    services.campaign_deliver_batch(campaign=campaign)

    assert _recipients() == [b.email]
    assert CampaignDelivery.objects.get(subscriber=a).status == CampaignDelivery.Status.PENDING


def test_someone_unsubscribing_mid_campaign_gets_nothing(editor, queued_tasks):
    stays, leaves = SubscriberFactory(), SubscriberFactory()
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)

    services.subscriber_unsubscribe(subscriber=leaves)
    tasks.campaign_deliver_task(campaign.pk)

    assert _recipients() == [stays.email]


def test_sending_twice_creates_no_second_delivery(editor, queued_tasks):
    SubscriberFactory()
    campaign = CampaignFactory()

    services.campaign_send(campaign=campaign, actor=editor)
    services.campaign_send(campaign=campaign, actor=editor)

    assert CampaignDelivery.objects.count() == 1 and len(queued_tasks) == 1


def test_a_va_cannot_send_campaigns(va, client):
    campaign = CampaignFactory()

    with pytest.raises(PermissionDenied):
        services.campaign_send(campaign=campaign, actor=va)
    client.force_login(va)
    assert client.get(reverse("admin:community_campaign_changelist")).status_code == 403


def test_failed_deliveries_can_be_retried(editor, queued_tasks, refusing_mail, settings):
    SubscriberFactory(email=REFUSED)
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    tasks.campaign_deliver_task(campaign.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mailbox works again

    assert services.campaign_retry_failed(campaign=campaign, actor=editor) == 1
    tasks.campaign_deliver_task(campaign.pk)

    assert _recipients() == [REFUSED]
    assert CampaignDelivery.objects.get().status == CampaignDelivery.Status.SENT


def test_a_campaign_whose_worker_died_mid_batch_is_resumed_by_the_hourly_sweep(editor, queued_tasks, settings):
    settings.NEWSLETTER_CLAIM_STALE_S = 600
    a, b = SubscriberFactory(), SubscriberFactory()
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    # The worker claimed both deliveries and died before sending: a redelivered task finds nothing to take yet.
    CampaignDelivery.objects.update(claimed_at=timezone.now())
    tasks.campaign_deliver_task(campaign.pk)
    assert mail.outbox == [] and services.campaigns_resume() == 0

    CampaignDelivery.objects.update(claimed_at=timezone.now() - timedelta(seconds=601))  # the claims go stale
    queued_tasks.clear()
    assert services.campaigns_resume() == 1
    for _func, *args in queued_tasks:
        tasks.campaign_deliver_task(*args)

    assert _recipients() == sorted([a.email, b.email])
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_the_sweep_finishes_a_sending_campaign_with_nothing_pending(editor, queued_tasks):
    SubscriberFactory()
    campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    CampaignDelivery.objects.update(status=CampaignDelivery.Status.SENT, sent_at=timezone.now())

    assert services.campaigns_resume() == 0

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT and campaign.finished_at


def _broker_down(*args, **kwargs):
    raise ConnectionError("Error 111 connecting to the broker. Connection refused.")


def test_broker_down_when_a_campaign_starts_then_up_each_subscriber_gets_it_exactly_once(
    client, editor, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The deliveries are this campaign's outbox (issue 13): committed with the start, queued after the commit,
    found by the sweeper when the broker was down, each claimed by one conditional update."""
    settings.NEWSLETTER_BATCH_SIZE = 2
    subscribers = SubscriberFactory.create_batch(3)
    campaign = CampaignFactory()
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):  # the after-commit enqueue meets the down broker
        response = client.post(
            reverse("admin:community_campaign_changelist"), {"action": "send", "_selected_action": [campaign.pk]}
        )

    assert response.status_code == 302  # the editor sees the campaign sending, not an error page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING and mail.outbox == []
    assert CampaignDelivery.objects.filter(status=CampaignDelivery.Status.PENDING).count() == 3

    ran: list[int] = []

    def broker_up(func, *args, **kwargs):  # a worker takes every queued task at once
        ran.append(args[0])
        import_string(func)(*args)

    monkeypatch.setattr("lofi_site.queue.async_task", broker_up)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.campaigns_resume_task()  # the sweep after the broker came back
    tasks.campaigns_resume_task()  # and the next one
    tasks.campaign_deliver_task(campaign.pk)  # and a late redelivery of the first request

    assert _recipients() == sorted(s.email for s in subscribers)  # each once
    assert ran and set(ran) == {campaign.pk}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_broker_down_between_batches_leaves_the_rest_to_the_sweeper(
    editor, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BATCH_SIZE = 1
    first, second = SubscriberFactory(), SubscriberFactory()
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.campaign_send(campaign=CampaignFactory(), actor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.campaign_deliver_task(campaign.pk)  # sends one, cannot queue the next batch: logged, not raised

    assert len(mail.outbox) == 1
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: import_string(func)(*args))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.campaigns_resume() == 1
    assert _recipients() == sorted([first.email, second.email])
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT
