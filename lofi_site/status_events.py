"""Status changes an app announces, for the audit trail.

catalog may import no other app, so it cannot write operations' audit events itself: its services announce each
status change here, inside their transaction, and operations (which imports no app either) records it as an
audit event (the receiver is connected in operations.apps). Any app may announce its objects' changes this way.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

from lofi_site.actors import Actor

# Sent with: obj, field, old, new (stored values), actor (a user, or None for the system), summary (may be "").
status_changed = Signal()


def announce_status_change(
    *, obj: models.Model, old: str, new: str, actor: Actor, field: str = "status", summary: str = ""
) -> None:
    """Tell the audit trail that `obj`'s `field` went from `old` to `new` (call inside the change's transaction)."""
    status_changed.send(sender=type(obj), obj=obj, field=field, old=old, new=new, actor=actor, summary=summary)
