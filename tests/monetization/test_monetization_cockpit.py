"""The cockpit side: roles, tier editing with versioned terms, pack builds, orders, dashboard panels."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from lofi_site.roles import EDITOR, FINANCE, VA
from monetization.models import LicenceTier, SamplePack
from operations.models import AuditEvent
from tests.monetization.factories import checkout_completed, licensable_track, pending_order, post_event, tier

pytestmark = pytest.mark.django_db


def perms(group: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group).permissions.select_related("content_type")
        if p.content_type.app_label == "monetization"
    }


def test_roles_finance_everything_editors_tiers_and_packs_vas_nothing():
    finance, editor, va = perms(FINANCE), perms(EDITOR), perms(VA)
    assert {
        "monetization.view_ledgerentry",
        "monetization.export_ledger",
        "monetization.view_order",
        "monetization.change_licence",
        "monetization.add_statementimport",
    } <= finance
    assert {
        "monetization.change_licencetier",
        "monetization.change_samplepack",
        "monetization.add_licenceterms",
    } <= editor
    assert not any(
        p.split(".")[1].endswith(("order", "licence", "ledgerentry", "statementimport", "stripeevent")) for p in editor
    )
    assert va == set()


def test_every_sales_screen_renders_for_finance(client, finance):
    order = pending_order()
    post_event(client, checkout_completed(order))
    client.force_login(finance)
    for model in (
        "licencetier",
        "samplepack",
        "order",
        "licence",
        "channelregistration",
        "ledgerentry",
        "statementimport",
        "stripeevent",
    ):
        assert client.get(f"/admin/monetization/{model}/").status_code == 200, model
    assert client.get(f"/admin/monetization/order/{order.pk}/change/").status_code == 200
    licence = order.lines.get().licence
    assert client.get(f"/admin/monetization/licence/{licence.pk}/change/").status_code == 200
    assert client.get(f"/admin/monetization/licencetier/{tier().pk}/change/").status_code == 200
    assert client.get("/admin/monetization/samplepack/add/").status_code == 200


def test_editor_edits_a_tier_and_publishes_new_terms(client, editor):
    client.force_login(editor)
    creator = tier("creator")
    response = client.post(
        f"/admin/monetization/licencetier/{creator.pk}/change/",
        {
            "name": "Creator",
            "slug": "creator",
            "scope": "track",
            "summary": creator.summary,
            "permits": creator.permits,
            "excludes": creator.excludes,
            "price_minor": "3400",
            "currency": "usd",
            "max_channels": "3",
            "position": "2",
            "is_active": "on",
            "terms_text": "Brand new plain terms.",
            "terms_versions-TOTAL_FORMS": "1",
            "terms_versions-INITIAL_FORMS": "1",
            "terms_versions-MIN_NUM_FORMS": "0",
            "terms_versions-MAX_NUM_FORMS": "1000",
            "terms_versions-0-id": str(creator.current_terms().pk),
            "terms_versions-0-tier": str(creator.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    creator = tier("creator")
    assert creator.price_minor == 3400
    assert creator.current_terms().version == 2 and creator.current_terms().text == "Brand new plain terms.\n"
    assert AuditEvent.objects.filter(verb="licence_tier.price_changed", actor=editor).exists()


def test_editor_queues_a_pack_build_from_the_cockpit(client, editor):
    track = licensable_track()
    pack = SamplePack.objects.create(slug="p", title="P", code="P", tier=tier("sample-pack"), price_minor=900)
    pack.tracks.set([track])
    client.force_login(editor)

    client.post("/admin/monetization/samplepack/", {"action": "build", "_selected_action": [pack.pk]})

    pack.refresh_from_db()
    assert pack.status == SamplePack.Status.BUILDING


def test_finance_revokes_a_licence_from_the_cockpit(client, finance):
    order = pending_order()
    post_event(client, checkout_completed(order))
    licence = order.lines.get().licence
    client.force_login(finance)

    client.post("/admin/monetization/licence/", {"action": "revoke", "_selected_action": [licence.pk]})

    licence.refresh_from_db()
    assert licence.status == "revoked"
    assert AuditEvent.objects.get(verb="licence.revoked").actor == finance


def test_finance_emails_fresh_download_links_to_a_buyer(client, finance, run_tasks, settings):
    settings.LABEL_NAME = "Tea & Tapes"
    order = pending_order()
    post_event(client, checkout_completed(order))
    old = order.lines.get().licence.download_links.get(kind="master")
    mail.outbox.clear()
    client.force_login(finance)

    with run_tasks():
        client.post("/admin/monetization/order/", {"action": "fresh_links", "_selected_action": [order.pk]})

    [message] = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert message.subject == f"Fresh download links for your Tea & Tapes order {order.reference}"
    assert message.alternatives[0][1] == "text/html" and not message.attachments
    [master_path, _certificate_path] = re.findall(r"http://shop\.test(/downloads/file/[^\s]+/)", message.body)
    assert client.post(master_path).status_code == 200
    old.refresh_from_db()
    assert old.disabled_at is not None
    assert AuditEvent.objects.get(verb="order.download_links_regenerated").actor == finance


def test_dashboard_sales_panel_for_finance_only(client, finance, va):
    order = pending_order()
    post_event(client, checkout_completed(order))
    client.force_login(finance)
    body = client.get("/admin/").content.decode()
    assert "Storefront revenue this month" in body and "$29.00" in body
    assert "Orders paid today" in body
    client.force_login(va)
    assert "Storefront revenue this month" not in client.get("/admin/").content.decode()


def test_tier_scope_is_checked_for_packs(editor):
    from django.core.exceptions import ValidationError

    from monetization import services

    pack = SamplePack(slug="x", title="X", code="X", tier=LicenceTier.objects.get(slug="creator"), price_minor=1)
    with pytest.raises(ValidationError):
        services.sample_pack_save(pack=pack, actor=editor)
