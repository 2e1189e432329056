"""The django-q2 schedules that run due publications every minute and read YouTube states back hourly;
then the role groups get this app's permissions.

Schedules are created once by function name (distribution/procedures.py, which also runs after every
migrate and flush), so running the migration again, or on a copy of a database that has them, changes nothing.
"""

from django.db import migrations

from distribution.procedures import SCHEDULES, procedures_ensure
from lofi_site.roles import roles_sync


def schedules_delete(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(procedures_ensure, schedules_delete),
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
    ]
