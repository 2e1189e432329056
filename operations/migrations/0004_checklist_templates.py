"""Seed the label's standard operating procedures and schedule the weekly checklists (operations/procedures.py,
which also runs after every migrate and flush).

Templates are created once by slug: an editor's later edits in the cockpit are never overwritten, and a
template that already exists is left alone. The django-q2 schedule is created once by function name.
"""

from django.db import migrations

from operations.procedures import SCHEDULES, procedures_ensure


def schedule_delete(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[func for func, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_checklists"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(procedures_ensure, schedule_delete),
    ]
