"""Listeners' django-q2 schedules: the nightly retraining of the "For you" model, the hourly release alerts
(new ones and those a worker dropped) and the hourly making of mixes' public streams. `procedures_ensure`
creates what is missing (by function name) and changes nothing that exists; it runs after every `migrate` and
`flush` (listeners/apps.py)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps as global_apps
from django.utils import timezone

TRAIN_TASK = "listeners.tasks.recommender_train_task"
ALERTS_TASK = "listeners.tasks.release_alerts_resume_task"
STREAMS_TASK = "listeners.tasks.mix_streams_ensure_task"
NIGHTLY_HOUR = 3  # retrain when the shop is quiet

SCHEDULES = (
    # (function, name, schedule_type, first run)
    (TRAIN_TASK, "Retrain the listeners' For you model (nightly)", "D", "night"),
    (ALERTS_TASK, "Send and resume release alerts to followers", "H", "now"),
    (STREAMS_TASK, "Make the public streams of mixes that came out", "H", "now"),
)


def _next_night(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    night = local.replace(hour=NIGHTLY_HOUR, minute=0, second=0, microsecond=0)
    return night if night > local else night + dt.timedelta(days=1)


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    """Create each schedule whose function has none yet (usable as a migration's RunPython function)."""
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    for func, name, schedule_type, first in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(
                name=name,
                func=func,
                schedule_type=schedule_type,
                repeats=-1,
                next_run=_next_night(now) if first == "night" else now,
            )
