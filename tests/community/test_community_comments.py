"""Comment sync from YouTube (HttpMockSequence): pagination, the incremental stop, scoring, superfans."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from community import services
from community.models import Comment, Commenter, CommentSyncState
from distribution.models import QuotaUsage
from tests.community.factories import (
    CommenterFactory,
    CommentFactory,
    CommentSyncStateFactory,
    PublishedVideoFactory,
)
from tests.community.youtube_fixtures import thread, threads_page, youtube_http

pytestmark = pytest.mark.django_db


def _query(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(uri).query)


def test_first_sync_reads_every_page_and_stores_each_thread_once():
    video = PublishedVideoFactory()
    http = youtube_http(
        threads_page(
            thread("t3", "Love this, perfect for studying!", "2026-03-03T10:00:00Z"),
            thread("t2", "What is the piano at 1:20?", "2026-03-02T10:00:00Z", author="Ben", channel_id="UCben"),
            next_page_token="PAGE2",
        ),
        threads_page(
            thread(
                "t1",
                "free followers at www.spam-site.xyz",
                "2026-03-01T10:00:00Z",
                author="Bot",
                channel_id="UCbot",
            )
        ),
    )

    report = services.comments_sync_all(http=http)

    assert report.new_comments == 3 and report.errors == []
    assert _query(http.request_sequence[1][0])["pageToken"] == ["PAGE2"]
    stored = {c.youtube_thread_id: c for c in Comment.objects.all()}
    assert stored["t3"].sentiment_label == "positive" and stored["t3"].status == Comment.Status.NEW
    assert stored["t2"].status == Comment.Status.NEEDS_REPLY  # a question
    assert stored["t1"].is_spam and stored["t1"].status == Comment.Status.IGNORED
    assert stored["t3"].publication == video and stored["t3"].youtube_comment_id == "c-t3"
    state = CommentSyncState.objects.get(publication=video)
    assert state.newest_published_at == datetime.fromisoformat("2026-03-03T10:00:00+00:00")
    # Each commentThreads.list page costs one unit of the channel's daily quota.
    assert QuotaUsage.objects.get(account=video.account).units_used == 2


def test_next_sync_stops_paging_at_the_first_thread_it_already_has():
    video = PublishedVideoFactory()
    services.comments_sync_all(http=youtube_http(threads_page(thread("t1", "first!", "2026-03-01T10:00:00Z"))))
    # Newest first: a new thread, then the old one; a next page exists but must not be read.
    http = youtube_http(
        threads_page(
            thread("t2", "still here every night", "2026-03-05T09:00:00Z"),
            thread("t1", "first!", "2026-03-01T10:00:00Z"),
            next_page_token="OLDER",
        )
    )

    report = services.comments_sync_all(http=http)

    assert report.new_comments == 1
    assert len(http.request_sequence) == 1  # no second page: everything after is older
    assert set(Comment.objects.values_list("youtube_thread_id", flat=True)) == {"t1", "t2"}
    assert CommentSyncState.objects.get(publication=video).newest_published_at.day == 5


def test_a_sync_with_nothing_new_changes_nothing():
    PublishedVideoFactory()
    services.comments_sync_all(http=youtube_http(threads_page(thread("t1", "nice", "2026-03-01T10:00:00Z"))))

    report = services.comments_sync_all(http=youtube_http(threads_page(thread("t1", "nice", "2026-03-01T10:00:00Z"))))

    assert report.new_comments == 0 and Comment.objects.count() == 1


def test_unpublished_videos_are_not_synced():
    PublishedVideoFactory(status="scheduled")

    report = services.comments_sync_all(http=youtube_http())  # any call would pop an empty sequence

    assert report.videos == 0


def test_a_video_youtube_refuses_is_noted_and_the_others_still_sync():
    broken, fine = PublishedVideoFactory(), PublishedVideoFactory()
    http = youtube_http(
        {"error": {"errors": [{"reason": "commentsDisabled"}], "code": 403}},
        threads_page(thread("t9", "lovely", "2026-03-01T10:00:00Z")),
        statuses=["403", "200"],
    )

    report = services.comments_sync_all(http=http)

    assert report.new_comments == 1 and len(report.errors) == 1
    assert "commentsDisabled" in CommentSyncState.objects.get(publication=broken).last_error
    assert Comment.objects.get().publication == fine


def test_copy_pasted_text_is_flagged_from_the_third_copy():
    PublishedVideoFactory()
    text = "Check out this amazing playlist everyone, you will not regret it"
    http = youtube_http(
        threads_page(
            thread("t3", text, "2026-03-03T10:00:00Z", author="C", channel_id="UCc"),
            thread("t2", text, "2026-03-02T10:00:00Z", author="B", channel_id="UCb"),
            thread("t1", text, "2026-03-01T10:00:00Z", author="A", channel_id="UCa"),
        )
    )

    services.comments_sync_all(http=http)

    flags = dict(Comment.objects.values_list("youtube_thread_id", "is_spam"))
    assert flags == {"t1": False, "t2": False, "t3": True}


def test_repeat_positive_commenters_across_videos_become_superfans(settings):
    settings.COMMUNITY_SUPERFAN_MIN_POSITIVE = 3
    first, second = PublishedVideoFactory(), PublishedVideoFactory()
    http = youtube_http(
        threads_page(
            thread("a1", "I love this so much", "2026-03-01T10:00:00Z", channel_id="UCfan"),
            thread("a2", "Beautiful, thank you", "2026-03-01T09:00:00Z", channel_id="UCfan"),
            thread("b1", "I love this so much", "2026-03-01T10:00:00Z", author="Once", channel_id="UConce"),
        ),
        threads_page(thread("a3", "Another great one, wonderful", "2026-03-02T10:00:00Z", channel_id="UCfan")),
    )

    services.comments_sync_all(http=http)

    fan = Commenter.objects.get(channel_id="UCfan")
    assert (fan.positive_count, fan.positive_videos, fan.is_superfan) == (3, 2, True)
    assert not Commenter.objects.get(channel_id="UConce").is_superfan
    assert {c.publication for c in fan.comments.all()} == {first, second}


def test_spam_does_not_make_a_superfan():
    commenter = CommenterFactory()
    for _ in range(4):
        CommentFactory(commenter=commenter, is_spam=True)

    services.commenters_refresh(commenter_ids=[commenter.pk])

    commenter.refresh_from_db()
    assert commenter.comment_count == 4 and commenter.positive_count == 0 and not commenter.is_superfan


def test_triage_records_who_and_when(va):
    comment = CommentFactory()

    services.comment_triage(comment=comment, status=Comment.Status.ESCALATED, actor=va)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.ESCALATED and comment.triaged_by == va and comment.triaged_at


def test_old_videos_are_synced_once_a_day_and_recent_ones_every_hour():
    old = PublishedVideoFactory(published_at=timezone.now() - timedelta(days=200))
    recent = PublishedVideoFactory()
    CommentSyncStateFactory(publication=old, last_synced_at=timezone.now() - timedelta(hours=2))
    CommentSyncStateFactory(publication=recent, last_synced_at=timezone.now() - timedelta(hours=1))
    http = youtube_http(threads_page())  # one answer: only one video may be asked

    report = services.comments_sync_all(http=http)

    assert report.videos == 1 and video_id_in(http.request_sequence[0][0]) == recent.external_id
    CommentSyncState.objects.filter(publication=old).update(last_synced_at=timezone.now() - timedelta(days=1))
    assert services.comments_sync_all(http=youtube_http(threads_page(), threads_page())).videos == 2


def test_comment_sync_leaves_the_quota_reserve_for_uploads(settings):
    settings.COMMUNITY_QUOTA_RESERVE_UNITS = 2000
    video = PublishedVideoFactory()
    video.account.daily_quota_units = 2001
    video.account.save()

    first = services.comments_sync_all(http=youtube_http(threads_page(next_page_token="MORE"), threads_page()))
    second = services.comments_sync_all(http=youtube_http())  # no call may be made now

    assert first.videos == 1  # 2 units spent: 2001 -> 1999 left, under the reserve
    assert second.videos == 0 and "reserve" in second.errors[0]


def video_id_in(uri: str) -> str:
    return _query(uri)["videoId"][0]
