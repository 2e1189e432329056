"""Distribution's standing data: the django-q2 schedules that publish due publications every minute and read
YouTube video states back every hour.

`procedures_ensure` creates the schedules that are missing (by function name) and never changes one that exists,
so an operator's change to a schedule is kept. It runs from migration 0002 and after every `migrate` and `flush`
(post_migrate, see distribution/apps.py): `make run` always has the publishing schedule, and a flushed database
(transactional tests, an operator's reset) gets it back.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.utils import timezone

SCHEDULES = (
    # (function, name, schedule_type, minutes)
    ("distribution.tasks.publications_run_due_task", "Publish due publications", "I", 1),
    ("distribution.tasks.publications_sync_status_task", "Read back YouTube video states", "H", None),
)


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    """Distribution's schedules exist (usable as a migration's RunPython function)."""
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
