"""Customer e-mail is part of the committed state (issue 13, item 1): a paid order's confirmation, a refund notice,
fresh links and sign-in links are outbox rows written with the change, delivered by the worker or, when the
broker was down, by the every-minute sweeper, and never twice."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.db import connection
from django.utils.module_loading import import_string

from monetization.models import Order
from operations import outbox, tasks
from operations.models import OutboxMessage
from tests.monetization.factories import charge_refunded, checkout_completed, pending_order, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _broker_down(*args, **kwargs):
    raise ConnectionError("Error 111 connecting to the broker. Connection refused.")


def _broker_up(func, *args, **kwargs):
    import_string(func)(*args)  # the worker runs the task


def test_broker_down_during_a_paid_webhook_then_up_the_email_goes_out_exactly_once(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    order = pending_order()
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, checkout_completed(order))

    assert response.status_code == 200  # Stripe is told it arrived: no retry answered "already processed"
    order.refresh_from_db()
    assert order.is_paid and mail.outbox == []
    [message] = OutboxMessage.objects.all()
    assert message.sent_at is None and message.task == "monetization.tasks.order_paperwork_task"

    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)  # the broker is back
    tasks.outbox_sweep_task()
    tasks.outbox_sweep_task()  # the next minute's sweep
    tasks.outbox_deliver_task(message.pk)  # and the worker's late delivery request

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [order.email] and "certificate" in mail.outbox[0].attachments[0][0]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


def test_with_the_broker_up_the_worker_sends_it_and_the_sweeper_has_nothing_left(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)
    order = pending_order()

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, checkout_completed(order))

    assert len(mail.outbox) == 1
    assert outbox.outbox_due() == []


def test_a_refund_notice_survives_the_broker_being_down(client, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)
    order = pending_order()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, checkout_completed(order))
    order.refresh_from_db()
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, charge_refunded(order, amount_refunded=order.total_minor))

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
    assert len(mail.outbox) == 1  # only the confirmation so far
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)
    assert outbox.outbox_sweep() == 1
    assert len(mail.outbox) == 2 and "refund" in mail.outbox[1].subject.lower()


def test_a_sign_in_link_request_answers_normally_with_the_broker_down(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)
    order = pending_order(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, checkout_completed(order))
    mail.outbox.clear()
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)

    response = client.post("/downloads/", {"email": "ada@example.com"})

    assert response.status_code == 200 and mail.outbox == []
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_up)
    outbox.outbox_sweep()
    assert len(mail.outbox) == 1 and "/downloads/access/" in mail.outbox[0].body


def test_a_failed_send_is_retried_later_and_given_up_after_the_limit(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)
    message = outbox.outbox_add("tests.monetization.test_monetization_outbox.always_fails", 7)

    assert outbox.outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1 and "SMTP" in message.last_error
    assert outbox.outbox_due() == []  # pausing before the retry
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=None)  # the pause is over
    assert outbox.outbox_sweep() == 0
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 2
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=None)
    assert outbox.outbox_due() == []  # given up: the cockpit shows it


def always_fails(number):
    raise OSError("SMTP server refused the connection")


SENT: list[int] = []


def count_send(number):
    SENT.append(number)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
def test_two_deliverers_racing_for_one_row_send_it_once(monkeypatch):
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)
    SENT.clear()
    message = outbox.outbox_add("tests.monetization.test_monetization_outbox.count_send", 1)
    barrier = threading.Barrier(4)

    def deliver():
        try:
            barrier.wait()
            outbox.outbox_deliver(message_id=message.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert SENT == [1]
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None


def test_finance_sees_the_outbox_in_the_cockpit_and_a_va_does_not(client, finance, va, monkeypatch):
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)
    outbox.outbox_add("tests.monetization.test_monetization_outbox.count_send", 3, description="Order confirmation: X")

    client.force_login(finance)
    page = client.get("/admin/operations/outboxmessage/?state=pending")
    assert page.status_code == 200 and "Order confirmation: X" in page.content.decode()
    client.force_login(va)
    assert client.get("/admin/operations/outboxmessage/").status_code == 403


def test_a_hung_smtp_send_fails_before_its_claim_runs_out(settings):
    """A send outliving its claim lease would let the sweeper send the message a second time."""
    assert settings.EMAIL_TIMEOUT and outbox.CLAIM_LEASE.total_seconds() > 2 * settings.EMAIL_TIMEOUT
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == settings.EMAIL_TIMEOUT
