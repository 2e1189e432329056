"""YouTube's quota clock and ledger: what each call costs, the quota day (it resets at midnight Pacific
time) and the units left in it. Pure: no Django, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# Quota cost per call in units, from YouTube's published table
# (https://developers.google.com/youtube/v3/determine_quota_cost). videos.insert has long been listed at
# 1600 units from the shared 10,000-unit daily pool. A newer revision of that page says videos.insert and
# search.list moved to their own buckets of 100 calls a day at 1 unit each; which model applies depends
# on the Google Cloud project, so the conservative shared-pool cost is the default here and a project on
# the bucket model can pass its own table to QuotaLedger (see BUCKETED_QUOTA_COSTS).
QUOTA_COSTS: dict[str, int] = {
    "videos.insert": 1600,
    "videos.list": 1,
    "videos.update": 50,
    "thumbnails.set": 50,
    "playlists.insert": 50,
    "playlists.list": 1,
    "playlistItems.insert": 50,
    "playlistItems.list": 1,
    "channels.list": 1,
    "commentThreads.list": 1,
    "comments.insert": 50,
    "search.list": 100,
}
BUCKETED_QUOTA_COSTS: dict[str, int] = {**QUOTA_COSTS, "videos.insert": 0, "search.list": 0}
DEFAULT_DAILY_LIMIT = 10_000
# ------------------------------------------------------------------------------------------ quota


# The quota day follows Los Angeles civil time; the tz database (the pinned `tzdata` package where the system
# has none) knows its daylight-saving rules, so no calendar arithmetic is written out here.
PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific_day(now: datetime) -> date:
    """The quota day (YouTube resets quotas at midnight Pacific time) that `now` falls in."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return moment.astimezone(PACIFIC).date()


def _pacific_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=PACIFIC).astimezone(UTC)


def next_quota_reset(now: datetime) -> datetime:
    """The next midnight Pacific time after `now`, as an aware UTC datetime."""
    return _pacific_midnight_utc(pacific_day(now) + timedelta(days=1))


@dataclass(frozen=True)
class QuotaLedger:
    """Units spent on the current Pacific-time day against a daily limit. Pure: every change returns a
    new ledger, so the caller decides where the count is stored."""

    used_units: int = 0
    daily_limit: int = DEFAULT_DAILY_LIMIT
    day: date | None = None  # the Pacific day `used_units` belongs to; None = today
    costs: dict[str, int] = field(default_factory=lambda: dict(QUOTA_COSTS))

    def cost(self, operation: str, count: int = 1) -> int:
        if operation not in self.costs:
            raise KeyError(f"no quota cost known for {operation!r}")
        return self.costs[operation] * count

    def current(self, now: datetime) -> QuotaLedger:
        """This ledger as of `now`: a new Pacific day starts again from zero."""
        today = pacific_day(now)
        if self.day is None:
            return replace(self, day=today)
        if self.day != today:
            return replace(self, used_units=0, day=today)
        return self

    def remaining(self, now: datetime) -> int:
        ledger = self.current(now)
        return max(0, ledger.daily_limit - ledger.used_units)

    def fits(self, operation: str, now: datetime, count: int = 1) -> bool:
        return self.cost(operation, count) <= self.remaining(now)

    def resume_at(self, operation: str, now: datetime, count: int = 1) -> datetime | None:
        """None when the operation fits now, else when the next quota day starts (UTC)."""
        return None if self.fits(operation, now, count) else next_quota_reset(now)

    def spend(self, operation: str, now: datetime, count: int = 1) -> QuotaLedger:
        ledger = self.current(now)
        return replace(ledger, used_units=ledger.used_units + self.cost(operation, count))
