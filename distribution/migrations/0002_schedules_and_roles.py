"""The django-q2 schedules that run due publications every minute and read YouTube states back hourly;
then the role groups get this app's permissions.

Schedules are created once by function name, so running the migration again (or on a copy of a database
that has them) changes nothing.
"""

from django.db import migrations
from django.utils import timezone

from lofi_site.roles import roles_sync

SCHEDULES = (
    # (function, name, schedule_type, minutes)
    ("distribution.tasks.publications_run_due_task", "Publish due publications", "I", 1),
    ("distribution.tasks.publications_sync_status_task", "Read back YouTube video states", "H", None),
)


def schedules_create(apps, schema_editor) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, schedule_type, minutes in SCHEDULES:
        if Schedule.objects.filter(func=func).exists():
            continue
        Schedule.objects.create(name=name, func=func, schedule_type=schedule_type, minutes=minutes,
                                repeats=-1, next_run=timezone.now())


def schedules_delete(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(schedules_create, schedules_delete),
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
    ]
