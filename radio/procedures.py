"""Radio's standing data: the django-q2 schedule that runs the station watchdog every minute.

Like distribution/procedures.py: creates what is missing (by function name), never changes an existing schedule,
runs after every `migrate` and `flush` (post_migrate, see radio/apps.py).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.utils import timezone

SCHEDULES = (
    # (function, name, schedule_type, minutes)
    ("radio.tasks.stations_watchdog_task", "Radio watchdog: check on-air stations, restart what stopped", "I", 1),
)


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    """Radio's schedules exist (usable as a migration's RunPython function)."""
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, schedule_type, minutes in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(
                name=name,
                func=func,
                schedule_type=schedule_type,
                minutes=minutes,
                repeats=-1,
                next_run=timezone.now(),
            )
