"""Production's standing data: the django-q2 schedule that hands render jobs whose worker died to another worker.

`procedures_ensure` creates a schedule that is missing (by function name) and never changes one that exists, so
an operator's change is kept. It runs after every `migrate` and `flush` (see production/apps.py).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.utils import timezone

SCHEDULES = (
    # (function, name, schedule_type, minutes)
    ("production.tasks.render_jobs_requeue_stalled_task", "Requeue render jobs whose worker stopped", "I", 1),
)


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, schedule_type, minutes in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(
                name=name, func=func, schedule_type=schedule_type, minutes=minutes, repeats=-1, next_run=timezone.now()
            )
