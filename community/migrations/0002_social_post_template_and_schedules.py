"""The "social-post" checklist (a VA posts to Instagram, TikTok, X or Reddit by hand) and community's django-q2
schedules: hourly comment sync (it also posts approved replies left waiting), daily video statistics, hourly
track request progress.

Both are created once (the template by slug, schedules by function name): an editor's later edits to the
template's steps are never overwritten, and running the migration again changes nothing.
"""

from django.db import migrations
from django.utils import timezone

SOCIAL_POST = "social-post"
VA = "VA"

STEPS = [
    ("Download the clip and copy the caption",
     "Open the social post in the cockpit: download the vertical preview clip with its link and copy the caption "
     "exactly as written (it carries the release title, the artist and the AI disclosure).", True),
    ("Post it on the platform at the scheduled time",
     "Instagram: a Reel with the clip, the caption as text. TikTok: the clip with the caption; switch on the "
     "platform's AI-generated content label. X: the clip and the caption (shorten only the hashtags if it does "
     "not fit). Reddit: only in subreddits whose rules allow self-promotion, link post with the release title; "
     "put the caption in the first comment.", True),
    ("Record the posted URL",
     "Paste the public link of the post into the social post's 'Record the posted URL' form and save. The post "
     "is only counted as published once its URL is recorded.", True),
    ("Answer the first comments",
     "Within the first hour, answer questions under the post; licensing or copyright questions go to an editor.",
     False),
]

SCHEDULES = (
    # (function, name, schedule_type)
    ("community.tasks.comments_sync_all_task", "Sync YouTube comments and post approved replies", "H"),
    ("community.tasks.video_stats_snapshot_task", "Daily YouTube video statistics", "D"),
    ("community.tasks.track_requests_progress_task", "Advance track requests (rendered, released)", "H"),
)


def template_create(apps, schema_editor) -> None:
    ChecklistTemplate = apps.get_model("operations", "ChecklistTemplate")
    ChecklistTemplateItem = apps.get_model("operations", "ChecklistTemplateItem")
    template, created = ChecklistTemplate.objects.get_or_create(
        slug=SOCIAL_POST,
        defaults={"name": "Social post", "applies_to": "other",
                  "description": "A release posted by hand on a social platform that has no API we may use, "
                                 "then its URL recorded."},
    )
    if not created:
        return
    ChecklistTemplateItem.objects.bulk_create([
        ChecklistTemplateItem(template=template, position=position, title=title, help_text=help_text,
                              required=required, role=VA)
        for position, (title, help_text, required) in enumerate(STEPS, start=1)
    ])


def schedules_create(apps, schema_editor) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, schedule_type in SCHEDULES:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(name=name, func=func, schedule_type=schedule_type, repeats=-1,
                                    next_run=timezone.now())


def schedules_delete(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("operations", "0004_checklist_templates"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(template_create, migrations.RunPython.noop),
        migrations.RunPython(schedules_create, schedules_delete),
    ]
