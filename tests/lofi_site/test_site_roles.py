"""Staff roles: the groups hold exactly their permissions; a VA never sees money nor publishes.

Written against patterns and whatever models exist, so it keeps holding as apps add models.
"""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from lofi_site import dashboard
from lofi_site.roles import EDITOR, FINANCE, ROLE_PERMISSIONS, VA, permitted, roles_sync

pytestmark = pytest.mark.django_db

CATALOG_MODELS = ["artist", "style", "mood", "track", "asset", "release", "releasetrack", "isrccounter"]


def _perms(group_name: str, app_label: str | None = None) -> set[str]:
    perms = Group.objects.get(name=group_name).permissions.select_related("content_type")
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in perms
        if app_label is None or p.content_type.app_label == app_label
    }


def _all_perms() -> list[str]:
    perms = Permission.objects.select_related("content_type")
    return [f"{p.content_type.app_label}.{p.codename}" for p in perms]


def _money_admins() -> list[str]:
    return sorted(
        f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry if m._meta.app_label == "monetization"
    )


def test_the_migrations_create_exactly_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) == {EDITOR, VA, FINANCE}
    assert set(ROLE_PERMISSIONS) == {EDITOR, VA, FINANCE}


@pytest.mark.parametrize("role", [EDITOR, VA, FINANCE])
def test_each_group_holds_exactly_what_its_patterns_grant(role):
    """Every app's last migration runs roles_sync: a missing call leaves new permissions out of the groups."""
    expected = {perm for perm in _all_perms() if permitted(role, perm)}

    assert _perms(role) == expected


def test_catalogue_permissions_of_each_role_are_exact():
    views = {f"catalog.view_{m}" for m in CATALOG_MODELS}
    everything = (
        views
        | {f"catalog.{a}_{m}" for a in ("add", "change", "delete") for m in CATALOG_MODELS}
        | {"catalog.approve_track", "catalog.publish_release"}
    )

    assert _perms(EDITOR, "catalog") == everything
    assert _perms(VA, "catalog") == views | {"catalog.change_track"}  # metadata checks, nothing else
    assert _perms(FINANCE, "catalog") == views


def test_a_va_holds_no_money_permission_and_no_publish_or_approve_permission():
    va_perms = _perms(VA)

    assert not {p for p in va_perms if p.startswith("monetization.")}
    assert not {p for p in va_perms if p.split(".")[1].startswith(("publish_", "approve_"))}
    # Even a broad pattern could not hand these to a VA.
    for perm in (
        "monetization.view_order",
        "monetization.change_price",
        "catalog.publish_release",
        "distribution.publish_publication",
    ):
        assert not permitted(VA, perm)


def test_every_money_permission_that_exists_is_withheld_from_vas():
    money = [p for p in _all_perms() if p.startswith("monetization.")]

    assert all(not permitted(VA, p) for p in money)
    assert _perms(VA).isdisjoint(money)


def test_finance_holds_every_money_permission_that_exists():
    money = {p for p in _all_perms() if p.startswith("monetization.")}

    assert money <= _perms(FINANCE)


def test_roles_sync_repairs_drift_and_is_idempotent():
    va = Group.objects.get(name=VA)
    va.permissions.add(Permission.objects.get(codename="publish_release"))
    va.permissions.remove(Permission.objects.get(codename="view_track"))

    roles_sync(django_apps)
    roles_sync(django_apps)

    assert "catalog.publish_release" not in _perms(VA)
    assert "catalog.view_track" in _perms(VA)


def test_a_flushed_database_gets_its_roles_back():
    """`flush` (run between transactional tests, or by an operator) empties the auth tables; the roles return."""
    call_command("flush", interactive=False, verbosity=0)

    assert set(Group.objects.values_list("name", flat=True)) == {EDITOR, VA, FINANCE}
    assert "catalog.view_track" in _perms(VA) and "catalog.publish_release" in _perms(EDITOR)


@pytest.mark.parametrize("admin_name", _money_admins())
def test_a_va_gets_403_on_every_money_screen_of_the_cockpit(client, va, admin_name):
    client.force_login(va)

    assert client.get(reverse(f"admin:{admin_name}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:{admin_name}_add")).status_code == 403


def test_a_va_cannot_create_or_edit_releases_in_the_cockpit(client, va):
    from tests.factories import ReleaseFactory

    release = ReleaseFactory()
    client.force_login(va)

    assert client.get(reverse("admin:catalog_release_add")).status_code == 403
    response = client.post(reverse("admin:catalog_release_change", args=[release.pk]), {"title": "X"})
    assert response.status_code == 403


def test_no_money_panel_reaches_a_va(va):
    request = RequestFactory().get("/admin/")
    request.user = va
    money_panels = [func for _, key, func in dashboard._PANELS if key.startswith("monetization.")]

    assert all(func(request) is None for func in money_panels)


def test_the_va_dashboard_page_shows_no_money_panel_titles(client, va, finance):
    request = RequestFactory().get("/admin/")
    request.user = finance
    money_titles = {
        p.title
        for _, key, func in dashboard._PANELS
        if key.startswith("monetization.") and (p := func(request)) is not None
    }
    client.force_login(va)

    shown = {p.title for p in client.get("/admin/").context["panels"]}

    assert shown.isdisjoint(money_titles)
