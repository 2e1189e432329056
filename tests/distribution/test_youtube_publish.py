"""YouTube publishing end to end through the publish service, with googleapiclient's HttpMockSequence in place
of the network: resumable upload after a 503 and a 308, scheduling and disclosure flags, thumbnail, playlists,
quota exhaustion that waits instead of failing, and no second video on a retry or a redelivery.

The video file here is opaque bytes (three 256 KiB chunks): what is under test is what is sent and recorded,
not the picture; rendering is covered in test_release_video.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from googleapiclient.http import HttpMockSequence

from catalog.models import Release
from distribution import services, tasks
from distribution.models import Publication, PublicationAttempt, QuotaUsage, ReleaseMedia, ReleaseMetadata
from distribution.platforms.youtube import QUOTA_COSTS, next_quota_reset, pacific_day
from distribution.services import publishing
from operations.models import AuditEvent
from tests.distribution.conftest import build_release, image_bytes
from tests.distribution.factories import PublicationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db

CHUNK = 256 * 1024
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 10:00 PST
GOES_PUBLIC = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def ok(body: dict | None = None, **headers: str) -> tuple[dict, str]:
    return {"status": "200", **headers}, json.dumps(body or {})


def error(status: int, reason: str) -> tuple[dict, str]:
    body = {"error": {"code": status, "message": reason, "errors": [{"reason": reason, "domain": "youtube"}]}}
    return {"status": str(status)}, json.dumps(body)


def resume_incomplete(last_byte: int) -> tuple[dict, str]:
    return {"status": "308", "range": f"bytes=0-{last_byte}"}, ""


def upload_in_three_chunks_after_a_503(video_id: str) -> list:
    return [
        ok(location="https://upload.example/resumable?upload_id=u1"),
        resume_incomplete(CHUNK - 1),
        error(503, "backendError"),  # chunk 2 lost
        resume_incomplete(CHUNK - 1),  # status query: the server kept chunk 1 only
        resume_incomplete(2 * CHUNK - 1),
        ok({"id": video_id, "status": {"privacyStatus": "private"}}),
    ]


def thumbnail_set() -> list:
    return [ok({"items": [{"default": {"url": "https://i.ytimg.com/vi/x/default.jpg"}}]})]


def playlists(activity_title: str) -> list:
    """The channel already has the activity playlist; the mood playlist is created."""
    existing = ok({"items": [{"id": "PLactivity", "snippet": {"title": activity_title}}]})
    return [
        existing,  # playlists.list while looking for "Chill Lo-Fi"
        ok({"id": "PLchill"}),  # playlists.insert
        ok({"items": []}),  # playlistItems.list: not in it yet
        ok({"id": "ITEMchill"}),  # playlistItems.insert
        existing,  # playlists.list while looking for the activity playlist: found
        ok({"items": []}),
        ok({"id": "ITEMactivity"}),
    ]


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.DISTRIBUTION_YOUTUBE_CHUNK_BYTES = CHUNK


@pytest.fixture
def publication(editor, youtube_account):
    release = build_release()
    Release.objects.filter(pk=release.pk).update(status=Release.Status.SCHEDULED)
    services.release_metadata_generate(release=release, actor=editor)
    media, _ = ReleaseMedia.objects.get_or_create(release=release)
    media.video_path = storages["private"].save(
        f"releases/{release.uuid}/video.mp4", ContentFile(bytes(range(256)) * (3 * CHUNK // 256))
    )
    media.video_status = ReleaseMedia.VideoStatus.DONE
    media.thumbnail_a.save("thumb-a.jpg", ContentFile(image_bytes(1280, 720)), save=False)
    media.save()
    return PublicationFactory(release=release, account=youtube_account, scheduled_at=GOES_PUBLIC, run_at=NOW)


def _activity_playlist(publication) -> str:
    activity = ReleaseMetadata.objects.get(release=publication.release, platform="youtube").activity
    return f"Lo-Fi for {activity.title()}"


def _uris(http: HttpMockSequence) -> list[str]:
    return [request[0] for request in http.request_sequence]


def test_a_scheduled_video_is_uploaded_with_its_thumbnail_and_playlists(publication):
    http = HttpMockSequence(
        [
            *upload_in_three_chunks_after_a_503("vid123"),
            *thumbnail_set(),
            *playlists(_activity_playlist(publication)),
        ]
    )
    sleeps: list[float] = []

    result = publishing.publication_publish(publication=publication, now=NOW, http=http, sleep=sleeps.append)

    assert result.status == Publication.Status.PUBLISHED
    assert result.external_id == "vid123"
    assert result.external_url == "https://www.youtube.com/watch?v=vid123"
    assert result.status_detail.startswith("uploaded; goes public 2026-12-03")
    assert len(sleeps) == 1  # one backoff after the 503
    assert "/upload/youtube/v3/videos" in http.request_sequence[0][0]
    init = json.loads(http.request_sequence[0][2])
    assert init["status"] == {
        "privacyStatus": "private",
        "publishAt": "2026-12-03T17:00:00Z",
        "selfDeclaredMadeForKids": False,
        "containsSyntheticMedia": True,
    }
    assert init["snippet"]["description"].endswith(f"[ref:{publication.release.uuid}]")
    assert "AI disclosure" in init["snippet"]["description"]
    assert (
        init["snippet"]["title"] == ReleaseMetadata.objects.get(release=publication.release, platform="youtube").title
    )
    headers = [request[3] for request in http.request_sequence]
    assert headers[3]["Content-Range"] == f"bytes */{3 * CHUNK}"  # asked where to resume
    assert headers[4]["Content-Range"] == f"bytes {CHUNK}-{2 * CHUNK - 1}/{3 * CHUNK}"  # resent chunk 2 only
    thumbnail_uri = http.request_sequence[6][0]
    assert "thumbnails/set" in thumbnail_uri and parse_qs(urlparse(thumbnail_uri).query)["videoId"] == ["vid123"]
    assert json.loads(http.request_sequence[8][2])["snippet"]["title"] == "Chill Lo-Fi"
    assert result.steps["playlists"] == {
        "Chill Lo-Fi": "PLchill",
        _activity_playlist(publication): "PLactivity",
    }
    usage = QuotaUsage.objects.get(account=publication.account, day=pacific_day(NOW))
    assert usage.units_used == sum(
        QUOTA_COSTS[op]
        for op in (
            "videos.insert",
            "thumbnails.set",
            "playlists.list",
            "playlists.insert",
            "playlistItems.list",
            "playlistItems.insert",
            "playlists.list",
            "playlistItems.list",
            "playlistItems.insert",
        )
    )
    attempt = PublicationAttempt.objects.get(publication=publication)
    assert attempt.outcome == PublicationAttempt.Outcome.PUBLISHED
    assert attempt.detail["upload"] == {"video_id": "vid123", "created": True, "retries": 1}
    assert AuditEvent.objects.filter(verb="publication.published", object_id=str(publication.release_id)).exists()


def test_a_spent_quota_waits_for_the_next_pacific_day_and_comes_back_by_itself(publication):
    http = HttpMockSequence([error(403, "quotaExceeded")])

    result = publishing.publication_publish(publication=publication, now=NOW, http=http, sleep=lambda s: None)

    resume = next_quota_reset(NOW)
    assert resume == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # midnight PST
    assert result.status == Publication.Status.WAITING_QUOTA
    assert result.run_at == resume
    assert result.status_detail == "waiting for quota until 2026-12-02 08:00 UTC"
    assert PublicationAttempt.objects.get(publication=publication).outcome == "waiting_quota"
    assert QuotaUsage.objects.get(account=publication.account, day=pacific_day(NOW)).exhausted_at == NOW
    assert publishing.publications_claim_due(now=resume - timedelta(minutes=1)) == []
    assert publishing.publications_claim_due(now=resume) == [publication.pk]


def test_the_local_quota_count_stops_an_upload_before_calling_youtube(publication):
    QuotaUsageFactory(account=publication.account, day=pacific_day(NOW), units_used=9_000)
    http = HttpMockSequence([])

    result = publishing.publication_publish(publication=publication, now=NOW, http=http)

    assert result.status == Publication.Status.WAITING_QUOTA
    assert http.request_sequence == []


def test_a_retry_after_a_failed_thumbnail_never_uploads_the_video_again(publication, editor):
    Release.objects.get(pk=publication.release_id).tracks.update(is_ai_generated=False)
    first = HttpMockSequence([ok(location="https://upload.example/r"), ok({"id": "vid9"}), error(400, "invalidImage")])

    failed = publishing.publication_publish(publication=publication, now=NOW, http=first)

    assert failed.status == Publication.Status.FAILED
    assert "thumbnails.set failed with HTTP 400 invalidImage" in failed.last_error
    assert failed.external_id == "vid9"  # stored the moment the insert returned
    assert json.loads(first.request_sequence[0][2])["status"]["containsSyntheticMedia"] is False

    services.publication_retry(publication=failed, actor=editor, now=NOW)
    second = HttpMockSequence([*thumbnail_set(), *playlists(_activity_playlist(publication))])
    done = publishing.publication_publish(publication=failed, now=NOW, http=second)

    assert done.status == Publication.Status.PUBLISHED and done.external_id == "vid9"
    assert not any("/youtube/v3/videos" in uri for uri in _uris(second))  # no videos.insert, resumable or not
    assert list(
        PublicationAttempt.objects.filter(publication=publication).order_by("number").values_list("outcome", flat=True)
    ) == ["failed", "published"]


def test_a_redelivery_after_the_worker_died_mid_upload_finds_the_video_by_its_marker(publication):
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.PUBLISHING,
        claimed_at=NOW - timedelta(hours=2),
        attempts=1,
        steps={"upload_started": True},
    )
    PublicationAttempt.objects.create(publication=publication, number=1, started_at=NOW - timedelta(hours=2))
    marker = f"[ref:{publication.release.uuid}]"
    http = HttpMockSequence(
        [
            ok({"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "UUchannel"}}}]}),
            ok(
                {
                    "items": [
                        {
                            "snippet": {
                                "description": f"Chill.\n\n{marker}",
                                "resourceId": {"videoId": "vidOLD"},
                            }
                        }
                    ]
                }
            ),
            *thumbnail_set(),
            *playlists(_activity_playlist(publication)),
        ]
    )

    assert publishing.publications_release_stale(now=NOW) == 1
    result = publishing.publication_publish(publication=publication, now=NOW, http=http)

    assert result.status == Publication.Status.PUBLISHED and result.external_id == "vidOLD"
    assert not any("/youtube/v3/videos" in uri for uri in _uris(http))
    first, second = PublicationAttempt.objects.filter(publication=publication).order_by("number")
    assert first.outcome == "failed" and "worker stopped" in first.error
    assert second.outcome == "published" and second.detail["upload"]["created"] is False


def test_a_task_delivered_again_after_success_or_during_a_run_does_nothing(publication):
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.PUBLISHING, attempts=1, claimed_at=NOW
    )
    PublicationAttempt.objects.create(publication=publication, number=1, started_at=NOW)
    busy = HttpMockSequence([])

    # The same claim is being worked on: a second delivery leaves it alone and sends nothing.
    assert publishing.publication_publish(publication=publication, now=NOW, http=busy).status == "publishing"
    assert busy.request_sequence == []
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.PUBLISHED)
    tasks.publication_publish_task(publication.pk)

    assert PublicationAttempt.objects.filter(publication=publication).count() == 1


def test_status_sync_reads_processing_back_and_fails_a_rejected_video(publication):
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.PUBLISHED, external_id="vid1", published_at=NOW
    )
    other = PublicationFactory(
        account=publication.account, status=Publication.Status.PUBLISHED, external_id="vid2", published_at=NOW
    )
    http = HttpMockSequence(
        [
            ok(
                {
                    "items": [
                        {
                            "id": "vid1",
                            "status": {
                                "privacyStatus": "private",
                                "uploadStatus": "processed",
                                "publishAt": "2026-12-03T17:00:00Z",
                            },
                            "processingDetails": {"processingStatus": "succeeded"},
                        },
                        {
                            "id": "vid2",
                            "status": {
                                "privacyStatus": "private",
                                "uploadStatus": "rejected",
                                "rejectionReason": "duplicate",
                            },
                        },
                    ]
                }
            )
        ]
    )

    assert publishing.publications_sync_status(now=NOW, http=http) == 2

    publication.refresh_from_db()
    other.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED
    assert publication.remote_state["processing_status"] == "succeeded"
    assert publication.remote_state["privacy_status"] == "private"
    assert other.status == Publication.Status.FAILED and other.last_error == "YouTube rejected: duplicate"
