"""Daily view, like and comment counts of every published YouTube video."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from community.models import VideoStatsSnapshot
from community.services.youtube import youtube_publications
from distribution.models import Publication
from distribution.platforms import youtube as yt

logger = logging.getLogger(__name__)


def video_stats_snapshot_take(*, day: date | None = None, http=None) -> int:
    """Store today's (or `day`'s) views, likes and comments of every published YouTube video: one videos.list
    call per 50 videos per account. Idempotent per day: taking it again updates the day's rows. Returns how
    many snapshots were written."""
    from distribution.services.youtube import youtube_client

    day = day or timezone.localdate()
    by_account: dict[int, list[Publication]] = defaultdict(list)
    for publication in youtube_publications():
        by_account[publication.account_id].append(publication)
    written = 0
    for publications in by_account.values():
        account = publications[0].account
        try:
            with youtube_client(account=account, http=http) as client:
                stats = client.video_statistics([p.external_id for p in publications])
        except (yt.YouTubeError, ValidationError) as error:
            logger.warning("statistics of %s not read: %s", account, error)
            continue
        written += _snapshots_store(publications=publications, stats=stats, day=day)
    return written


@transaction.atomic
def _snapshots_store(*, publications: list[Publication], stats: dict[str, yt.VideoStats], day: date) -> int:
    now = timezone.now()
    written = 0
    for publication in publications:
        s = stats.get(publication.external_id)
        if s is None:  # deleted or private on YouTube: no row rather than a false zero
            continue
        VideoStatsSnapshot.objects.update_or_create(
            publication=publication,
            day=day,
            defaults={"views": s.views, "likes": s.likes, "comments": s.comments, "taken_at": now},
        )
        written += 1
    return written
