"""Community's standing data: the "social-post" checklist template (a VA posts to Instagram, TikTok, X or
Reddit by hand) and community's django-q2 schedules: hourly comment sync (it also posts approved replies left
waiting), daily video statistics, hourly track request progress, hourly resumption of dropped campaigns.

`procedures_ensure` creates what is missing and never changes what exists (the template by slug, schedules by
function name). It runs from migration 0002 and after every `migrate` and `flush` (post_migrate, see
community/apps.py), so `make run` always has its schedules and a flushed database gets them back.
"""

from __future__ import annotations

from django.apps import apps as global_apps

from operations.procedures import schedules_ensure, templates_ensure

SOCIAL_POST = "social-post"
VA = "VA"

# (title, help text, required, role)
STEPS = [
    (
        "Download the clip and copy the caption",
        "Open the social post in the cockpit: download the vertical preview clip with its link and copy the caption "
        "exactly as written (it carries the release title, the artist and the AI disclosure).",
        True,
        VA,
    ),
    (
        "Post it on the platform at the scheduled time",
        "Instagram: a Reel with the clip, the caption as text. TikTok: the clip with the caption; switch on the "
        "platform's AI-generated content label. X: the clip and the caption (shorten only the hashtags if it does "
        "not fit). Reddit: only in subreddits whose rules allow self-promotion, link post with the release title; "
        "put the caption in the first comment.",
        True,
        VA,
    ),
    (
        "Record the posted URL",
        "Paste the public link of the post into the social post's 'Record the posted URL' form and save. The post "
        "is only counted as published once its URL is recorded.",
        True,
        VA,
    ),
    (
        "Answer the first comments",
        "Within the first hour, answer questions under the post; licensing or copyright questions go to an editor.",
        False,
        VA,
    ),
]

TEMPLATES = {
    SOCIAL_POST: {
        "name": "Social post",
        "applies_to": "other",
        "description": "A release posted by hand on a social platform that has no API we may use, then its URL "
        "recorded.",
        "items": STEPS,
    },
}

SCHEDULES = (
    # (function, name, schedule_type)
    ("community.tasks.comments_sync_all_task", "Sync YouTube comments and post approved replies", "H"),
    ("community.tasks.video_stats_snapshot_task", "Daily YouTube video statistics", "D"),
    ("community.tasks.track_requests_progress_task", "Advance track requests (rendered, released)", "H"),
    ("community.tasks.campaigns_resume_task", "Resume newsletter campaigns a worker dropped", "H"),
)


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    """The social-post template and community's schedules exist (usable as a migration's RunPython function)."""
    templates_ensure(TEMPLATES, apps)
    schedules_ensure(SCHEDULES, apps)
