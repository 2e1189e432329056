"""Who may do what in community: VAs triage and draft, editors approve and send, addresses stay private."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.community.factories import SubscriberFactory, TrackRequestFactory

pytestmark = pytest.mark.django_db


def test_a_va_drafts_and_triages_but_never_approves_sends_or_reads_addresses(va):
    assert va.has_perm("community.add_reply") and va.has_perm("community.change_reply")
    assert va.has_perm("community.change_comment") and va.has_perm("community.change_socialpost")
    assert not va.has_perm("community.approve_reply")
    assert not va.has_perm("community.send_campaign")
    assert not va.has_perm("community.view_subscriber") and not va.has_perm("community.view_campaign")
    assert not va.has_perm("monetization.view_ledgerentry")


def test_an_editor_approves_replies_and_sends_campaigns(editor):
    assert editor.has_perm("community.approve_reply") and editor.has_perm("community.send_campaign")


def test_a_va_cannot_open_the_subscriber_list(client, va):
    SubscriberFactory(email="secret@example.com")
    client.force_login(va)

    assert client.get(reverse("admin:community_subscriber_changelist")).status_code == 403


def test_the_public_request_list_costs_the_same_queries_for_many_requests(client, django_assert_max_num_queries):
    TrackRequestFactory.create_batch(60)

    with django_assert_max_num_queries(3):
        response = client.get(reverse("community:requests"))

    assert response.status_code == 200 and response.content.decode().count("Upvote</button>") == 60
