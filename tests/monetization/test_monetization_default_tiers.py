"""The standard licence tiers are standing data: back after a flush (an empty shop), never re-added over
Finance's own choices."""

from __future__ import annotations

import pytest
from django.core.management.sql import emit_post_migrate_signal

from monetization.models import LicenceTerms, LicenceTier

pytestmark = pytest.mark.django_db


def test_an_emptied_shop_gets_the_standard_tiers_back_after_migrate_or_flush():
    LicenceTerms.objects.all().delete()
    LicenceTier.objects.all().delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(LicenceTier.objects.values_list("slug", flat=True)) == {
        "personal",
        "creator",
        "commercial",
        "sync-broadcast",
        "sample-pack",
    }
    creator = LicenceTier.objects.get(slug="creator")
    assert creator.price_minor == 2900 and creator.current_terms().version == 1


def test_a_retired_tier_is_not_brought_back_by_a_later_migrate():
    personal = LicenceTier.objects.get(slug="personal")
    personal.terms_versions.all().delete()
    personal.delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert not LicenceTier.objects.filter(slug="personal").exists()
    assert LicenceTier.objects.count() == 4
