"""The "social-post" checklist template and community's django-q2 schedules (community/procedures.py, which
also runs after every migrate and flush).

Both are created once (the template by slug, schedules by function name): an editor's later edits to the
template's steps are never overwritten, and running the migration again changes nothing.
"""

from django.db import migrations

from community.procedures import SCHEDULES, procedures_ensure


def schedules_delete(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("operations", "0004_checklist_templates"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(procedures_ensure, schedules_delete),
    ]
