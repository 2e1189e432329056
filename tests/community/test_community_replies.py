"""Replies: VAs draft, editors approve, a task posts with comments.insert. Nothing unapproved is ever
posted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community import services, tasks
from community.models import Comment, Reply
from tests.community.factories import CommentFactory, ReplyFactory, ReplyTemplateFactory
from tests.community.youtube_fixtures import youtube_http
from tests.factories import ReleaseTrackFactory

pytestmark = pytest.mark.django_db


def _posted_bodies(http) -> list[dict]:
    return [json.loads(body) for uri, method, body, _ in http.request_sequence if method == "POST"]


def test_a_va_drafts_a_reply_from_a_template_in_the_cockpit(client, va):
    comment = CommentFactory(author_name="Mia")
    ReleaseTrackFactory(release=comment.publication.release, position=1, track__title="Rainy Window")
    template = ReplyTemplateFactory(body="Thanks {author}! {track_title} is on {channel}.")
    client.force_login(va)

    response = client.post(
        reverse("admin:community_reply_add"), {"comment": comment.pk, "template": template.pk, "text": ""}
    )

    assert response.status_code == 302
    reply = Reply.objects.get()
    assert reply.text == "Thanks Mia! Rainy Window is on Lantern LoFi."
    assert reply.status == Reply.Status.DRAFT and reply.drafted_by == va
    comment.refresh_from_db()
    assert comment.status == Comment.Status.NEEDS_REPLY


def test_a_va_cannot_approve_a_reply(client, va, queued_tasks):
    reply = ReplyFactory()

    with pytest.raises(PermissionDenied):
        services.reply_approve(reply=reply, actor=va)

    client.force_login(va)
    page = client.get(reverse("admin:community_reply_changelist"))
    action_form = page.context["action_form"]  # None when the user has no action at all
    assert action_form is None or "approve" not in dict(action_form.fields["action"].choices)
    client.post(reverse("admin:community_reply_changelist"), {"action": "approve", "_selected_action": [reply.pk]})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT and queued_tasks == []


def test_an_unapproved_reply_is_refused_before_any_call_to_youtube():
    reply = ReplyFactory()
    http = youtube_http()  # no answers: any request would fail the test

    with pytest.raises(services.ReplyNotApproved):
        services.reply_post_now(reply=reply, http=http)

    assert http.request_sequence == []
    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT


def test_the_post_task_ignores_a_reply_that_is_not_approved():
    reply = ReplyFactory()

    tasks.reply_post_task(reply.pk)  # would raise through the YouTube client if it tried to post

    reply.refresh_from_db()
    assert reply.status == Reply.Status.DRAFT


def test_an_editor_approves_and_the_task_posts_exactly_the_approved_text(client, editor, queued_tasks):
    reply = ReplyFactory(text="Thank you, Mia!")
    client.force_login(editor)

    client.post(reverse("admin:community_reply_changelist"), {"action": "approve", "_selected_action": [reply.pk]})

    reply.refresh_from_db()
    assert reply.status == Reply.Status.APPROVED and reply.approved_by == editor
    assert queued_tasks == [(services.REPLY_POST_TASK, reply.pk)]
    http = youtube_http({"id": "UgyReply123"})

    posted = services.reply_post_now(reply=reply, http=http)

    assert posted.status == Reply.Status.POSTED and posted.youtube_comment_id == "UgyReply123"
    assert _posted_bodies(http) == [
        {"snippet": {"parentId": reply.comment.youtube_comment_id, "textOriginal": "Thank you, Mia!"}}
    ]
    assert "comments" in http.request_sequence[0][0]
    reply.comment.refresh_from_db()
    assert reply.comment.status == Comment.Status.REPLIED


def test_editing_an_approved_reply_sends_it_back_to_draft(editor, va, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(text="Thanks!"), actor=editor)

    edited = services.reply_update(reply=reply, actor=va, text="Thanks! Check out my other channel")

    assert edited.status == Reply.Status.DRAFT and edited.approved_text == "" and edited.approved_by is None
    with pytest.raises(services.ReplyNotApproved):
        services.reply_post_now(reply=edited, http=youtube_http())


def test_text_changed_behind_the_service_is_not_posted(editor, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(text="Thanks!"), actor=editor)
    Reply.objects.filter(pk=reply.pk).update(text="Something nobody approved")
    http = youtube_http()

    with pytest.raises(services.ReplyNotApproved):
        services.reply_post_now(reply=reply, http=http)

    assert http.request_sequence == []


def test_a_second_post_of_the_same_reply_calls_youtube_once(editor, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)
    services.reply_post_now(reply=reply, http=youtube_http({"id": "once"}))

    tasks.reply_post_task(reply.pk)  # a redelivered task

    reply.refresh_from_db()
    assert reply.status == Reply.Status.POSTED and reply.youtube_comment_id == "once"


def test_a_spent_quota_keeps_the_reply_approved_for_the_next_run(editor, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)
    quota = {"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}}

    after = services.reply_post_now(reply=reply, http=youtube_http(quota, statuses=["403"]))

    assert after.status == Reply.Status.APPROVED and "quota" in after.error.lower()


def test_a_refused_reply_is_marked_failed_with_the_reason(editor, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)
    refused = {"error": {"code": 403, "errors": [{"reason": "commentsDisabled"}]}}

    after = services.reply_post_now(reply=reply, http=youtube_http(refused, statuses=["403"]))

    assert after.status == Reply.Status.FAILED and "commentsDisabled" in after.error


def test_a_reply_stuck_posting_is_failed_not_posted_twice(editor, queued_tasks, settings):
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)
    Reply.objects.filter(pk=reply.pk).update(
        status=Reply.Status.POSTING, claimed_at=timezone.now() - timedelta(hours=2)
    )

    services.replies_post_pending(http=youtube_http())

    reply.refresh_from_db()
    assert reply.status == Reply.Status.FAILED and "check on YouTube" in reply.error


def test_the_hourly_run_posts_approved_replies_left_waiting(editor, queued_tasks):
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)

    assert services.replies_post_pending(http=youtube_http({"id": "later"})) == 1

    reply.refresh_from_db()
    assert reply.status == Reply.Status.POSTED


def test_one_open_reply_per_comment(va):
    comment = CommentFactory()
    first = services.reply_draft(comment=comment, actor=va, text="One")

    again = services.reply_draft(comment=comment, actor=va, text="Two")

    assert again == first and comment.replies.count() == 1


def test_an_approved_reply_waits_while_the_quota_is_down_to_the_upload_reserve(editor, queued_tasks, settings):
    settings.COMMUNITY_QUOTA_RESERVE_UNITS = 2000
    reply = services.reply_approve(reply=ReplyFactory(), actor=editor)
    account = reply.comment.publication.account
    account.daily_quota_units = 1500
    account.save()
    http = youtube_http()

    after = services.reply_post_now(reply=reply, http=http)

    assert after.status == Reply.Status.APPROVED and "quota" in after.error.lower()
    assert http.request_sequence == []


def test_the_standard_reply_templates_are_valid_and_created_once():
    first = services.reply_templates_ensure()
    again = services.reply_templates_ensure()

    assert len(first) == len(services.STANDARD_REPLY_TEMPLATES) and again == []
    comment = CommentFactory(author_name="Mia")
    reply = services.reply_draft(comment=comment, actor=None, template=first[0])
    assert reply.text.startswith("Thank you Mia!") and "{" not in reply.text
