"""Who did something: the `actor` every service takes and every audit event records."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# A signed-in user (the cockpit, the API), the anonymous user of a public page, or None for the system (tasks,
# webhooks). Services that need a permission check it with `has_perm`, which all three answer (None: refused).
Actor: TypeAlias = "User | AnonymousUser | None"


def actor_user(actor: Actor) -> User | None:
    """The user to record in a `*_by` field or an audit event: the signed-in user, else None (the anonymous user
    of a public page and the system both leave no name)."""
    from django.contrib.auth.models import AnonymousUser

    if actor is None or isinstance(actor, AnonymousUser) or not actor.is_authenticated:
        return None
    return actor
