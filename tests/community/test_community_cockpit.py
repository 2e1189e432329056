"""Every community change page loads in the cockpit with its read-only workflow fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.community import factories

pytestmark = pytest.mark.django_db

CHANGE_PAGES = [
    ("comment", factories.CommentFactory, "Draft a reply"),
    ("reply", factories.ReplyFactory, "Comment text"),
    ("replytemplate", factories.ReplyTemplateFactory, "{author}"),
    ("trackrequest", factories.TrackRequestFactory, "Render job"),
    ("subscriber", factories.SubscriberFactory, "listener"),
    ("campaign", factories.CampaignFactory, "Every recipient and outcome"),
    ("socialpost", factories.SocialPostFactory, "Download the clip"),
    ("leadmagnet", lambda: factories.LeadMagnetFactory(is_active=True), "Free:"),
]


@pytest.mark.parametrize(("model", "build", "expected"), CHANGE_PAGES, ids=[p[0] for p in CHANGE_PAGES])
def test_change_pages_load(client, superuser, model, build, expected):
    obj = build()
    client.force_login(superuser)

    response = client.get(reverse(f"admin:community_{model}_change", args=[obj.pk]))

    assert response.status_code == 200 and expected in response.content.decode()


def test_the_reply_form_starts_on_the_comment_it_was_opened_from(client, va):
    comment = factories.CommentFactory()
    client.force_login(va)

    response = client.get(reverse("admin:community_reply_add") + f"?comment={comment.pk}")

    assert response.status_code == 200 and response.context["adminform"].form.initial["comment"] == str(comment.pk)


def test_a_sent_campaign_can_no_longer_be_edited(client, editor):
    campaign = factories.CampaignFactory(status="sent", text_body="What went out")
    client.force_login(editor)

    client.post(
        reverse("admin:community_campaign_change", args=[campaign.pk]),
        {"subject": "Changed", "text_body": "Changed", "html_body": ""},
    )

    campaign.refresh_from_db()
    assert campaign.text_body == "What went out"


def test_a_va_editing_an_approved_reply_in_the_cockpit_sends_it_back_to_draft(client, va, editor, queued_tasks):
    from community import services
    from community.models import Reply

    reply = services.reply_approve(reply=factories.ReplyFactory(text="Thanks!"), actor=editor)
    client.force_login(va)

    response = client.post(reverse("admin:community_reply_change", args=[reply.pk]), {"text": "Thanks a lot!"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.text == "Thanks a lot!" and reply.status == Reply.Status.DRAFT and not reply.approved_text
