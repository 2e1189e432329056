"""The standing data of operations and community (checklist templates, django-q2 schedules) exists after migrate
and comes back after `flush`, which empties every table (transactional tests, an operator's reset): without it
no release could be created (Release QA attaches by slug) and `make run` would sync no comments."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from operations.models import ChecklistItem, ChecklistTemplate
from operations.procedures import procedures_ensure

pytestmark = pytest.mark.django_db

SLUGS = {"release-qa", "manual-upload", "listen-and-approve", "comment-triage", "social-post"}
SCHEDULED = {
    "operations.tasks.weekly_checklists_ensure_task": Schedule.DAILY,
    "community.tasks.comments_sync_all_task": Schedule.HOURLY,
    "community.tasks.video_stats_snapshot_task": Schedule.DAILY,
    "community.tasks.track_requests_progress_task": Schedule.HOURLY,
    "community.tasks.campaigns_resume_task": Schedule.HOURLY,
}


def _standing_data():
    return (
        set(ChecklistTemplate.objects.values_list("slug", flat=True)),
        dict(Schedule.objects.filter(func__in=SCHEDULED).values_list("func", "schedule_type")),
    )


def test_templates_and_schedules_exist_once_after_migrate():
    slugs, schedules = _standing_data()

    assert slugs >= SLUGS
    assert schedules == SCHEDULED
    assert Schedule.objects.filter(func__in=SCHEDULED).count() == len(SCHEDULED)


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_its_procedures_and_schedules_back():
    call_command("flush", interactive=False, verbosity=0)

    slugs, schedules = _standing_data()
    assert slugs >= SLUGS and schedules == SCHEDULED
    assert ChecklistTemplate.objects.get(slug="release-qa").items.filter(required=True).exists()


def test_ensuring_again_keeps_an_editors_edits_and_adds_nothing():
    qa = ChecklistTemplate.objects.get(slug="release-qa")
    step = qa.items.order_by("position").first()
    step.title = "Listen on the studio monitors too"
    step.save()
    qa.items.filter(required=False).delete()
    count = qa.items.count()

    procedures_ensure()

    assert qa.items.count() == count
    assert qa.items.order_by("position").first().title == "Listen on the studio monitors too"
    assert Schedule.objects.filter(func__in=SCHEDULED).count() == len(SCHEDULED)
    assert not ChecklistItem.objects.exists()
