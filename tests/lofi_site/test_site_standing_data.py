"""Standing data comes back after a flush, through the one registry every app registers with."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from django_q.models import Schedule

from lofi_site.roles import EDITOR, FINANCE, VA
from lofi_site.standing_data import standing_data_ensure, standing_data_registered
from monetization.models import LicenceTerms, LicenceTier
from operations.models import ChecklistTemplate

pytestmark = pytest.mark.django_db


def test_every_apps_standing_data_is_registered_once_roles_first():
    paths = [entry.path for entry in standing_data_registered()]

    assert paths[0] == "lofi_site.roles.roles_sync"
    assert paths.index("operations.procedures.procedures_ensure") < paths.index(
        "community.procedures.procedures_ensure"
    )
    for path in (
        "distribution.procedures.procedures_ensure",
        "monetization.default_tiers.default_tiers_ensure",
        "listeners.procedures.procedures_ensure",
        "radio.procedures.procedures_ensure",
    ):
        assert paths.count(path) == 1


def test_an_emptied_database_gets_groups_templates_schedules_and_tiers_back_after_migrate():
    Group.objects.all().delete()
    Schedule.objects.all().delete()
    ChecklistTemplate.objects.all().delete()
    LicenceTerms.objects.all().delete()
    LicenceTier.objects.all().delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(Group.objects.values_list("name", flat=True)) >= {EDITOR, VA, FINANCE}
    assert Group.objects.get(name=EDITOR).permissions.filter(codename="approve_reply").exists()
    assert ChecklistTemplate.objects.filter(slug="social-post").exists()
    assert Schedule.objects.filter(func__startswith="distribution.").exists()
    assert Schedule.objects.filter(func__startswith="community.").exists()
    assert LicenceTier.objects.filter(slug="creator").exists()


def test_a_second_run_creates_nothing_more():
    before = (Schedule.objects.count(), ChecklistTemplate.objects.count(), LicenceTier.objects.count())

    ran = standing_data_ensure()

    assert "lofi_site.roles.roles_sync" in ran
    assert (Schedule.objects.count(), ChecklistTemplate.objects.count(), LicenceTier.objects.count()) == before
