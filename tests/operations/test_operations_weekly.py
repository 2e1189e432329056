"""The weekly comment triage checklist: one per ISO week, scheduled daily by django-q2."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from operations import services, tasks
from operations.models import Checklist, Week

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 11, 18)  # ISO week 2026-W47 runs Monday 16 to Sunday 22 November


def test_weekly_checklist_is_created_once_per_week():
    first = services.weekly_checklists_ensure(week_start=date(2026, 11, 16))
    same_week = services.weekly_checklists_ensure(week_start=WEDNESDAY)
    sunday = services.weekly_checklists_ensure(week_start=date(2026, 11, 22))

    assert [c.pk for c in first] == [c.pk for c in same_week] == [c.pk for c in sunday]
    assert Week.objects.count() == 1
    assert Checklist.objects.filter(template__slug=services.COMMENT_TRIAGE).count() == 1
    checklist = first[0]
    assert checklist.target == Week.objects.get(starts_on=date(2026, 11, 16))
    assert checklist.items.count() > 0
    assert "2026-W47" in checklist.title


def test_next_week_gets_its_own_checklist_due_friday_and_assigned_like_the_last_one(va):
    (this_week,) = services.weekly_checklists_ensure(week_start=WEDNESDAY)
    services.checklist_assign(checklist=this_week, user=va)

    (next_week,) = services.weekly_checklists_ensure(week_start=date(2026, 11, 23))

    assert next_week.pk != this_week.pk
    assert next_week.assignee == va
    assert timezone.localtime(next_week.due_at) == timezone.make_aware(
        datetime.combine(date(2026, 11, 27), time(17, 0))
    )


def test_a_departed_assignee_is_not_carried_over(va):
    (this_week,) = services.weekly_checklists_ensure(week_start=WEDNESDAY)
    services.checklist_assign(checklist=this_week, user=va)
    va.is_active = False
    va.save()

    (next_week,) = services.weekly_checklists_ensure(week_start=date(2026, 11, 23))

    assert next_week.assignee is None


def test_the_migration_schedules_the_task_daily_and_the_task_is_safe_to_repeat():
    schedules = Schedule.objects.filter(func="operations.tasks.weekly_checklists_ensure_task")
    assert schedules.count() == 1
    assert schedules.get().schedule_type == Schedule.DAILY

    tasks.weekly_checklists_ensure_task()
    tasks.weekly_checklists_ensure_task()

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    week = Week.objects.get(starts_on=monday)
    triage = Checklist.objects.filter(template__slug=services.COMMENT_TRIAGE, object_id=str(week.pk))
    assert triage.count() == 1
