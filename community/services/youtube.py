"""What comment sync, replies and statistics share about YouTube: the published videos and the quota reserve.

YouTube calls go through `distribution.services.youtube.youtube_client`, so they count against the channel's
daily quota like the publisher's; every function that calls YouTube takes `http` (tests pass googleapiclient's
HttpMockSequence there).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from community import conf
from distribution.models import Platform, PlatformAccount, Publication


def youtube_publications() -> Iterable[Publication]:
    """Published YouTube videos of active accounts, with their account and release."""
    return (
        Publication.objects.filter(
            status=Publication.Status.PUBLISHED, account__platform=Platform.YOUTUBE, account__is_active=True
        )
        .exclude(external_id="")
        .select_related("account", "release")
        .order_by("account_id", "id")
    )


def quota_reserve_left(account: PlatformAccount, *, now: datetime | None = None) -> bool:
    """True while the account's remaining daily quota is above COMMUNITY_QUOTA_RESERVE_UNITS: comments and
    replies must never eat the units an upload needs."""
    from distribution.services.youtube import quota_ledger

    now = now or timezone.now()
    return quota_ledger(account, now=now).remaining(now) > conf.quota_reserve_units()
