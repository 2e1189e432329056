"""Best upload times from the label's own history: which weekday and hour of publishing brought the most views
in a video's first seven days. Pure functions; the selector feeds them (publish time, views after 7 days).

Few videos share any one (weekday, hour), so a slot's mean is pulled towards the channel's overall mean by
`PRIOR_WEIGHT` pseudo-videos (an empirical-Bayes shrinkage): one lucky upload does not make a slot the best.
While the history holds fewer than `min_videos` videos, the configured defaults are returned instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRIOR_WEIGHT = 2.0
# Lo-fi listening peaks on weekday evenings (study, work wind-down) and weekend mornings; used until the
# label has its own numbers. Settings may override with BEST_UPLOAD_DEFAULTS.
FALLBACK_DEFAULTS = (("Friday", 17), ("Sunday", 18), ("Tuesday", 17))


@dataclass(frozen=True)
class UploadOutcome:
    published_at: datetime  # in the label's local time
    views_first_7_days: int


@dataclass(frozen=True)
class UploadSlot:
    weekday: int  # 0 = Monday
    hour: int  # 0-23, local time
    expected_views: float | None  # None for a configured default
    videos: int
    source: str  # "history" or "default"

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.hour:02d}:00"


def parse_defaults(defaults: Iterable) -> list[tuple[int, int]]:
    """[("Friday", 17), (5, 10), "Sunday 18"] -> [(4, 17), (5, 10), (6, 18)]. Raises ValueError on nonsense,
    so a typo in settings shows at once."""
    parsed = []
    for entry in defaults:
        if isinstance(entry, str):
            parts = entry.replace(":00", "").split()
            if len(parts) != 2:
                raise ValueError(f"cannot read upload slot {entry!r}; write it like 'Friday 17'")
            entry = (parts[0], int(parts[1]))
        day, hour = entry
        if isinstance(day, str):
            names = [w.casefold() for w in WEEKDAYS]
            if day.casefold() not in names:
                raise ValueError(f"unknown weekday {day!r}")
            day = names.index(day.casefold())
        if not (0 <= int(day) <= 6 and 0 <= int(hour) <= 23):
            raise ValueError(f"upload slot {entry!r} is out of range (weekday 0-6, hour 0-23)")
        parsed.append((int(day), int(hour)))
    return parsed


def best_upload_slots(
    outcomes: Sequence[UploadOutcome],
    *,
    min_videos: int,
    defaults: Iterable = FALLBACK_DEFAULTS,
    top: int = 3,
) -> list[UploadSlot]:
    """The `top` publishing slots, best first.

    Guarantees: with fewer than `min_videos` outcomes the slots are exactly the configured defaults (source
    "default"); otherwise they come from the history (source "history"), ranked by shrunk mean views in the
    first 7 days, ties broken by more videos, then earlier in the week.
    """
    if len(outcomes) < max(1, min_videos):
        return [
            UploadSlot(weekday=d, hour=h, expected_views=None, videos=0, source="default")
            for d, h in parse_defaults(defaults)[:top]
        ]
    overall = sum(o.views_first_7_days for o in outcomes) / len(outcomes)
    by_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    for outcome in outcomes:
        by_slot[(outcome.published_at.weekday(), outcome.published_at.hour)].append(outcome.views_first_7_days)
    slots = [
        UploadSlot(
            weekday=day,
            hour=hour,
            videos=len(views),
            source="history",
            expected_views=(sum(views) + PRIOR_WEIGHT * overall) / (len(views) + PRIOR_WEIGHT),
        )
        for (day, hour), views in by_slot.items()
    ]
    slots.sort(key=lambda s: (-(s.expected_views or 0.0), -s.videos, s.weekday, s.hour))  # history: never None
    return slots[:top]
