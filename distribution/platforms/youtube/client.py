"""YouTube Data API v3 client: resumable uploads with retries, thumbnails, playlists, status, statistics
and comments, each call charged to a quota ledger (quota.py). No Django.

The API client is built from the discovery document shipped inside google-api-python-client
(static_discovery=True), so building it never touches the network. Tests pass
`googleapiclient.http.HttpMockSequence` as `http`.
"""

from __future__ import annotations

import json
import mimetypes
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httplib2

from distribution.platforms.youtube.errors import QuotaExceeded, YouTubeError
from distribution.platforms.youtube.quota import (
    QUOTA_COSTS,
    QuotaLedger,
    next_quota_reset,
)

RETRIABLE_STATUS = (500, 502, 503, 504)
QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded")
UPLOAD_CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB


# ---------------------------------------------------------------------------------------- results


class VideoMetadataLike(Protocol):
    """What `upload_video` reads of a video's metadata (any object with these, frozen dataclasses too)."""

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def tags(self) -> list[str]: ...


@dataclass(frozen=True)
class UploadResult:
    video_id: str
    created: bool  # False when an existing video was found and no upload happened
    retries: int = 0


@dataclass(frozen=True)
class VideoState:
    video_id: str
    privacy_status: str
    upload_status: str
    processing_status: str  # "processing", "succeeded", "failed", "terminated" or "" when unknown
    publish_at: str = ""
    failure_reason: str = ""
    rejection_reason: str = ""


@dataclass(frozen=True)
class VideoStats:
    video_id: str
    views: int
    likes: int
    comments: int


@dataclass(frozen=True)
class CommentThread:
    thread_id: str
    top_comment_id: str
    author: str
    author_channel_id: str
    text: str
    published_at: str
    like_count: int
    reply_count: int


@dataclass(frozen=True)
class CommentPage:
    threads: list[CommentThread]
    next_page_token: str | None


# ----------------------------------------------------------------------------------------- client


def _error_reason(error) -> str:
    try:
        payload = json.loads(error.content.decode("utf-8") if isinstance(error.content, bytes) else error.content)
        errors = payload.get("error", {}).get("errors") or []
        if errors:
            return errors[0].get("reason", "")
        return payload.get("error", {}).get("status", "")
    except (ValueError, AttributeError):
        return ""


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("publish_at must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _batches(items: list[str], size: int = 50) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class YouTubeClient:
    """A thin, testable wrapper over the YouTube Data API v3.

    Give either `credentials` (google.oauth2 credentials, e.g. from `credentials_from_dict`) or `http`
    (an httplib2-compatible object; tests pass HttpMockSequence). Transient failures (HTTP 500/502/503/
    504, network errors) are retried with exponential backoff through the injectable `sleep`; a spent
    quota raises QuotaExceeded with the time the quota resets. `ledger` (optional) is checked before each
    call and updated after it; read `client.ledger` to store the count.
    """

    def __init__(
        self,
        credentials=None,
        *,
        http=None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 8,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 64.0,
        ledger: QuotaLedger | None = None,
        clock: Callable[[], datetime] | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        from googleapiclient.discovery import build

        if (credentials is None) == (http is None):
            raise ValueError("give exactly one of credentials or http")
        if http is not None:
            self._service = build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False)
        else:
            self._service = build(
                "youtube", "v3", credentials=credentials, static_discovery=True, cache_discovery=False
            )
        self._sleep = sleep
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self._clock = clock or (lambda: datetime.now(UTC))
        self._jitter = jitter or random.random
        self.ledger = ledger
        self.units_spent = 0

    # -- plumbing ------------------------------------------------------------------------------------

    def _charge(self, operation: str) -> None:
        now = self._clock()
        if self.ledger is not None:
            if not self.ledger.fits(operation, now):
                raise QuotaExceeded(next_quota_reset(now), reason="localLedger")
            self.ledger = self.ledger.spend(operation, now)
        self.units_spent += QUOTA_COSTS.get(operation, 1)

    def _backoff(self, attempt: int) -> None:
        delay = min(self.backoff_cap_s, self.backoff_base_s * (2**attempt))
        self._sleep(delay + self._jitter() * min(1.0, delay))

    def _raise_for(self, error, operation: str) -> None:
        status = int(getattr(error.resp, "status", 0) or 0)
        reason = _error_reason(error)
        if status in (403, 429) and reason in QUOTA_REASONS:
            raise QuotaExceeded(next_quota_reset(self._clock()), reason=reason) from error
        raise YouTubeError(
            f"{operation} failed with HTTP {status} {reason}".strip(), status=status, reason=reason
        ) from error

    def _execute(self, request, operation: str, *, retry_network: bool = True) -> Any:
        from googleapiclient.errors import HttpError

        self._charge(operation)
        attempt = 0
        while True:
            try:
                return request.execute()
            except HttpError as error:
                if int(error.resp.status) in RETRIABLE_STATUS and attempt < self.max_retries:
                    self._backoff(attempt)
                    attempt += 1
                    continue
                self._raise_for(error, operation)
            except (httplib2.HttpLib2Error, OSError) as error:
                # A write may have reached the server before the connection dropped; only reads and
                # idempotent writes are repeated after a network error.
                if retry_network and attempt < self.max_retries:
                    self._backoff(attempt)
                    attempt += 1
                    continue
                raise YouTubeError(f"{operation} failed: network error {error!r}") from error

    # -- uploads -------------------------------------------------------------------------------------

    def upload_video(
        self,
        path: str | Path,
        metadata: VideoMetadataLike,
        *,
        publish_at: datetime | None = None,
        made_for_kids: bool = False,
        contains_synthetic_media: bool = False,
        chunk_size: int = 8 * 1024 * 1024,
        known_video_id: str | None = None,
        existing_video_id_lookup: str | Callable[[], str | None] | None = None,
        privacy_status: str = "public",
        category_id: str = "10",
        language: str = "en",
        progress: Callable[[float], None] | None = None,
    ) -> UploadResult:
        """Upload a video with a resumable upload, resuming after 5xx and network errors.

        Idempotency: with `known_video_id` nothing is uploaded. `existing_video_id_lookup` is either a
        marker string (e.g. "[ref:<publication uuid>]", searched in the descriptions of the channel's
        uploads) or a callable returning a video id or None; a hit returns that video, created=False.

        Scheduling: with `publish_at` (aware datetime) the video is private with status.publishAt and
        YouTube makes it public at that time. status.selfDeclaredMadeForKids and
        status.containsSyntheticMedia are set from the arguments.
        """
        from googleapiclient.errors import HttpError
        from googleapiclient.http import MediaFileUpload

        if known_video_id:
            return UploadResult(video_id=known_video_id, created=False)
        if existing_video_id_lookup is not None:
            found = (
                self.find_video_by_marker(existing_video_id_lookup)
                if isinstance(existing_video_id_lookup, str)
                else existing_video_id_lookup()
            )
            if found:
                return UploadResult(video_id=found, created=False)
        if chunk_size != -1 and (chunk_size <= 0 or chunk_size % UPLOAD_CHUNK_UNIT):
            raise ValueError("chunk_size must be a positive multiple of 256 KiB (or -1 for one request)")

        status: dict[str, Any] = {
            "privacyStatus": "private" if publish_at else privacy_status,
            "selfDeclaredMadeForKids": bool(made_for_kids),
            "containsSyntheticMedia": bool(contains_synthetic_media),
        }
        if publish_at is not None:
            status["publishAt"] = _rfc3339(publish_at)
        body = {
            "snippet": {
                "title": metadata.title,
                "description": metadata.description,
                "tags": list(metadata.tags),
                "categoryId": category_id,
                "defaultLanguage": language,
                "defaultAudioLanguage": language,
            },
            "status": status,
        }
        media = MediaFileUpload(str(path), mimetype="video/mp4", chunksize=chunk_size, resumable=True)
        request = self._service.videos().insert(part="snippet,status", body=body, media_body=media)
        self._charge("videos.insert")

        response = None
        attempt = 0
        retries = 0
        while response is None:
            try:
                upload_status, response = request.next_chunk()
                attempt = 0  # progress resets the backoff
                if upload_status is not None and progress is not None:
                    progress(upload_status.progress())
            except HttpError as error:
                if int(error.resp.status) in RETRIABLE_STATUS and attempt < self.max_retries:
                    self._backoff(attempt)
                    attempt += 1
                    retries += 1
                    continue
                self._raise_for(error, "videos.insert")
            except (httplib2.HttpLib2Error, OSError) as error:
                # Resumable uploads are safe to resume: the next call asks the server how much it has.
                if attempt < self.max_retries:
                    self._backoff(attempt)
                    attempt += 1
                    retries += 1
                    continue
                raise YouTubeError(f"upload failed after {retries} retries: {error!r}") from error
        if "id" not in response:
            raise YouTubeError(f"upload finished without a video id: {response!r}")
        return UploadResult(video_id=response["id"], created=True, retries=retries)

    def set_thumbnail(self, video_id: str, path: str | Path) -> dict:
        """Set a custom thumbnail (JPEG or PNG, under 2 MB). Returns the API's thumbnail set."""
        from googleapiclient.http import MediaFileUpload

        mimetype = mimetypes.guess_type(str(path))[0] or "image/jpeg"
        media = MediaFileUpload(str(path), mimetype=mimetype, resumable=False)
        response = self._execute(self._service.thumbnails().set(videoId=video_id, media_body=media), "thumbnails.set")
        return (response.get("items") or [{}])[0]

    # -- idempotency ---------------------------------------------------------------------------------

    def uploads_playlist_id(self) -> str:
        response = self._execute(self._service.channels().list(part="contentDetails", mine=True), "channels.list")
        items = response.get("items") or []
        if not items:
            raise YouTubeError("the authorised account has no YouTube channel")
        return items[0]["contentDetails"]["relatedPlaylists"]["uploads"]

    def find_video_by_marker(self, marker: str, *, max_pages: int = 10) -> str | None:
        """The id of an uploaded video whose description contains `marker`, newest first; None if none.

        Reads the channel's uploads playlist (1 unit a page, 50 videos a page), never search.list
        (100 units).
        """
        if not marker:
            raise ValueError("an empty marker would match every video")
        playlist_id = self.uploads_playlist_id()
        token = None
        for _ in range(max_pages):
            kwargs = {"part": "snippet", "playlistId": playlist_id, "maxResults": 50}
            if token:
                kwargs["pageToken"] = token
            response = self._execute(self._service.playlistItems().list(**kwargs), "playlistItems.list")
            for item in response.get("items", []):
                snippet = item.get("snippet", {})
                if marker in snippet.get("description", ""):
                    return snippet.get("resourceId", {}).get("videoId")
            token = response.get("nextPageToken")
            if not token:
                break
        return None

    # -- playlists -----------------------------------------------------------------------------------

    def ensure_playlist(self, title: str, description: str = "", *, privacy_status: str = "public") -> str:
        """The id of the channel's playlist titled `title`, created when missing (title compared exactly)."""
        token = None
        while True:
            kwargs = {"part": "snippet", "mine": True, "maxResults": 50}
            if token:
                kwargs["pageToken"] = token
            response = self._execute(self._service.playlists().list(**kwargs), "playlists.list")
            for item in response.get("items", []):
                if item.get("snippet", {}).get("title") == title:
                    return item["id"]
            token = response.get("nextPageToken")
            if not token:
                break
        body = {
            "snippet": {"title": title, "description": description},
            "status": {"privacyStatus": privacy_status},
        }
        created = self._execute(
            self._service.playlists().insert(part="snippet,status", body=body),
            "playlists.insert",
            retry_network=False,
        )
        return created["id"]

    def add_to_playlist(self, playlist_id: str, video_id: str) -> str:
        """Add a video to a playlist unless it is already there; returns the playlist item id."""
        existing = self._execute(
            self._service.playlistItems().list(part="id", playlistId=playlist_id, videoId=video_id),
            "playlistItems.list",
        )
        if existing.get("items"):
            return existing["items"][0]["id"]
        body = {
            "snippet": {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
        }
        created = self._execute(
            self._service.playlistItems().insert(part="snippet", body=body),
            "playlistItems.insert",
            retry_network=False,
        )
        return created["id"]

    # -- status and statistics -----------------------------------------------------------------------

    def video_status(self, video_ids: list[str]) -> dict[str, VideoState]:
        """Processing and privacy state per video id (videos.list part=status,processingDetails)."""
        states: dict[str, VideoState] = {}
        for batch in _batches(list(video_ids)):
            response = self._execute(
                self._service.videos().list(part="status,processingDetails", id=",".join(batch)),
                "videos.list",
            )
            for item in response.get("items", []):
                status = item.get("status", {})
                processing = item.get("processingDetails", {})
                states[item["id"]] = VideoState(
                    video_id=item["id"],
                    privacy_status=status.get("privacyStatus", ""),
                    upload_status=status.get("uploadStatus", ""),
                    processing_status=processing.get("processingStatus", ""),
                    publish_at=status.get("publishAt", ""),
                    failure_reason=status.get("failureReason", ""),
                    rejection_reason=status.get("rejectionReason", ""),
                )
        return states

    def video_statistics(self, video_ids: list[str]) -> dict[str, VideoStats]:
        """View, like and comment counts per video id (videos.list part=statistics)."""
        stats: dict[str, VideoStats] = {}
        for batch in _batches(list(video_ids)):
            response = self._execute(self._service.videos().list(part="statistics", id=",".join(batch)), "videos.list")
            for item in response.get("items", []):
                s = item.get("statistics", {})
                stats[item["id"]] = VideoStats(
                    video_id=item["id"],
                    views=int(s.get("viewCount", 0)),
                    likes=int(s.get("likeCount", 0)),
                    comments=int(s.get("commentCount", 0)),
                )
        return stats

    # -- comments ------------------------------------------------------------------------------------

    def comment_threads(
        self, video_id: str, page_token: str | None = None, published_after: datetime | None = None
    ) -> CommentPage:
        """One page (up to 100) of top-level comment threads, newest first.

        With `published_after`, older threads are left out and no next page is offered once one is met
        (the list is in time order, so later pages are older still).
        """
        kwargs = {
            "part": "snippet",
            "videoId": video_id,
            "maxResults": 100,
            "order": "time",
            "textFormat": "plainText",
        }
        if page_token:
            kwargs["pageToken"] = page_token
        response = self._execute(self._service.commentThreads().list(**kwargs), "commentThreads.list")
        threads: list[CommentThread] = []
        reached_older = False
        for item in response.get("items", []):
            top = item["snippet"]["topLevelComment"]
            snippet = top["snippet"]
            published = snippet.get("publishedAt", "")
            if published_after is not None and published:
                when = datetime.fromisoformat(published.replace("Z", "+00:00"))
                if when <= published_after:
                    reached_older = True
                    continue
            threads.append(
                CommentThread(
                    thread_id=item["id"],
                    top_comment_id=top["id"],
                    author=snippet.get("authorDisplayName", ""),
                    author_channel_id=(snippet.get("authorChannelId") or {}).get("value", ""),
                    text=snippet.get("textDisplay", snippet.get("textOriginal", "")),
                    published_at=published,
                    like_count=int(snippet.get("likeCount", 0)),
                    reply_count=int(item["snippet"].get("totalReplyCount", 0)),
                )
            )
        next_token = None if reached_older else response.get("nextPageToken")
        return CommentPage(threads=threads, next_page_token=next_token)

    def insert_reply(self, parent_id: str, text: str) -> str:
        """Post a reply under a top-level comment; returns the new comment's id."""
        body = {"snippet": {"parentId": parent_id, "textOriginal": text}}
        created = self._execute(
            self._service.comments().insert(part="snippet", body=body), "comments.insert", retry_network=False
        )
        return created["id"]
