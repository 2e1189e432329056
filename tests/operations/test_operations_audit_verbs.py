"""Audit verbs are named once per app and the cockpit's audit list filters by their labels."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.audit_verbs import CommunityVerb
from monetization.audit_verbs import SalesVerb
from operations.audit_verbs import OperationsVerb, audit_verb_choices
from operations.models import AuditEvent
from operations.services import audit_log

pytestmark = pytest.mark.django_db


def test_every_apps_verbs_are_registered_and_no_value_is_claimed_twice():
    values = [value for value, _ in audit_verb_choices()]

    assert len(values) == len(set(values))
    for verb in (CommunityVerb.REPLY_APPROVED, SalesVerb.ORDER_PAID, OperationsVerb.CHECKLIST_STEP_TICKED):
        assert verb.value in values


def test_the_audit_list_offers_the_verbs_by_label_and_filters_by_one(client, superuser):
    approved = audit_log(actor=superuser, verb=CommunityVerb.REPLY_APPROVED, obj=superuser, summary="Approved: thanks")
    audit_log(actor=None, verb=SalesVerb.ORDER_PAID, obj=superuser, summary="Paid $29.00 through Stripe.")
    assert approved.verb == "reply.approved"  # stored as the plain value: old events and new ones filter alike
    client.force_login(superuser)
    url = reverse("admin:operations_auditevent_changelist")

    listing = client.get(url).content.decode()
    only_replies = client.get(url, {"verb": "reply.approved"}).content.decode()

    assert "Reply approved" in listing and "Order paid" in listing
    assert "Approved: thanks" in only_replies and "Paid $29.00" not in only_replies
    assert AuditEvent.objects.count() >= 2
