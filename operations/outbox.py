"""The customer mail outbox: e-mails recorded with the change that calls for them, delivered exactly once.

    outbox_add("monetization.tasks.order_paperwork_task", order.pk, description=f"Confirmation of {order}")

inside the service's transaction writes an OutboxMessage row; after the commit the worker is asked to deliver
it (`outbox_deliver_task`). If the broker is down at that moment, the request still succeeds (the enqueue error
is logged, not raised) and the sweeper (`outbox_sweep_task`, every minute) finds the row and delivers it.

Delivery claims the row with one conditional UPDATE (not sent, not held by another deliverer), so a worker and
the sweeper racing for the same row call the sending function once. A failed send is retried by the sweeper
with a growing pause, up to OUTBOX_MAX_ATTEMPTS; the cockpit lists what is still pending or gave up.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from lofi_site.queue import enqueue
from operations.models import OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "operations.tasks.outbox_deliver_task"
# How long a deliverer holds a claimed row: longer than any send takes. A deliverer that died mid-send lets the
# row go after this, and the sweeper tries again (the senders keep their own "sent" marks, so nothing goes twice).
CLAIM_LEASE = dt.timedelta(minutes=10)
SWEEP_BATCH = 100


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10))


def outbox_add(task: str, *args, description: str = "") -> OutboxMessage:
    """Record a message to send (call inside the transaction of the change it reports); delivery is asked for
    after the commit and, whatever happens to that request, guaranteed by the sweeper."""
    message = OutboxMessage.objects.create(task=task, args=list(args), description=description[:200])
    # robust: a broker that is down must not turn the committed change into a 500; the row is the guarantee.
    enqueue(DELIVER_TASK, message.pk, robust=True)
    return message


def outbox_deliver(*, message_id: int) -> bool:
    """Claim the row and run its sending function once. True when this call delivered it."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True, attempts__lt=max_attempts())
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False  # sent, held by another deliverer, waiting for its retry, or given up
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        import_string(message.task)(*message.args)
    except Exception as error:
        pause = min(dt.timedelta(minutes=2**message.attempts), dt.timedelta(hours=1))
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_until=timezone.now() + pause, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.exception("Outbox message %s (%s) failed; attempt %s", message_id, message.task, message.attempts)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def outbox_due() -> list[int]:
    """Ids of the rows the sweeper should deliver now, oldest first."""
    now = timezone.now()
    return list(
        OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=max_attempts())
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def outbox_sweep() -> int:
    """Deliver every due row (those the worker never got, and failed ones whose pause is over). Returns how
    many were delivered by this sweep."""
    return sum(outbox_deliver(message_id=pk) for pk in outbox_due())


@transaction.atomic
def outbox_retry(*, message: OutboxMessage) -> None:
    """The cockpit's "try again now": an unsent row (failing, or given up) gets a fresh set of attempts and is
    handed to the worker. A sent row is refused: it never goes twice."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.sent_at is not None:
        raise ValidationError("This e-mail was already sent.")
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=0, claimed_until=None)
    enqueue(DELIVER_TASK, message.pk, robust=True)
