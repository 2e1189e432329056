"""catalog.admin.catalog_page_extension: the one way other apps add to the catalogue's Track and Release pages."""

from __future__ import annotations

import importlib
import sys

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import clear_url_caches, reverse

from catalog import admin as catalog_admin
from catalog.models import Artist, Track
from distribution.admin import ReleaseDistributionAdminMixin
from production.admin.track_approval import TrackApprovalAdminMixin
from production.admin.track_intelligence import TrackIntelligenceAdminMixin
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


class ProbeSection:
    """A section another app might add: one read-only block at the end of the change page."""

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "probe"]

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), ("Probe", {"fields": ["probe"]})]

    @admin.display(description="Probe")
    def probe(self, obj):
        return "the probe app was here"


def _urls_reloaded() -> None:
    """The cockpit's URLs bind the page instances registered when the URLconf loads (at start-up, after every app's
    admin module): a test that changes the registry afterwards loads them again."""
    loaded = sys.modules.get(settings.ROOT_URLCONF)
    if loaded is not None:
        importlib.reload(loaded)
    clear_url_caches()


def _probe_removed() -> None:
    catalog_admin._EXTENSIONS[Track][:] = [e for e in catalog_admin._EXTENSIONS[Track] if e[2] is not ProbeSection]
    catalog_admin.catalog_page_rebuild(Track)
    _urls_reloaded()


@pytest.fixture
def probe_added():
    catalog_admin.catalog_page_extension(Track, order=15)(ProbeSection)
    catalog_admin.catalog_page_extension(Track, order=15)(ProbeSection)  # a module imported twice adds it once
    _urls_reloaded()
    yield
    _probe_removed()


def test_an_added_section_shows_on_the_track_page_beside_the_apps_own(client, editor, probe_added):
    track = TrackFactory(title="Paper Boats")
    client.force_login(editor)

    page = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert "the probe app was here" in page
    assert "Catalogue intelligence" in page  # production's section is still there


def test_extensions_stack_by_order_each_once_over_the_catalogue_admin(probe_added):
    page = type(admin.site._registry[Track])
    mixins = [c for c in page.__mro__ if c in (TrackIntelligenceAdminMixin, ProbeSection, TrackApprovalAdminMixin)]

    assert mixins == [TrackIntelligenceAdminMixin, ProbeSection, TrackApprovalAdminMixin]  # order 20, 15, 10
    assert page.__name__ == "TrackAdmin" and issubclass(page, catalog_admin.TrackAdmin)


def test_the_release_page_carries_distribution_and_a_removed_extension_leaves_no_trace(client, editor, probe_added):
    assert isinstance(admin.site._registry[catalog_admin.Release], ReleaseDistributionAdminMixin)
    _probe_removed()
    client.force_login(editor)

    page = client.get(reverse("admin:catalog_track_change", args=[TrackFactory().pk])).content.decode()

    assert "the probe app was here" not in page


def test_only_the_track_and_release_pages_take_extensions():
    with pytest.raises(ValueError, match="no extendable page for Artist"):
        catalog_admin.catalog_page_extension(Artist)
