"""YouTube Data API v3 client: OAuth helpers, resumable uploads with retries, thumbnails, playlists,
status, statistics, comments, and a pure quota ledger. No Django.

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
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httplib2

# OAuth scopes: upload and manage videos/playlists, and force-ssl for comment replies.
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)

# Quota cost per call in units, from YouTube's published table
# (https://developers.google.com/youtube/v3/determine_quota_cost). videos.insert has long been listed at
# 1600 units from the shared 10,000-unit daily pool. A newer revision of that page says videos.insert and
# search.list moved to their own buckets of 100 calls a day at 1 unit each; which model applies depends
# on the Google Cloud project, so the conservative shared-pool cost is the default here and a project on
# the bucket model can pass its own table to QuotaLedger (see BUCKETED_QUOTA_COSTS).
QUOTA_COSTS: dict[str, int] = {
    "videos.insert": 1600,
    "videos.list": 1,
    "videos.update": 50,
    "thumbnails.set": 50,
    "playlists.insert": 50,
    "playlists.list": 1,
    "playlistItems.insert": 50,
    "playlistItems.list": 1,
    "channels.list": 1,
    "commentThreads.list": 1,
    "comments.insert": 50,
    "search.list": 100,
}
BUCKETED_QUOTA_COSTS: dict[str, int] = {**QUOTA_COSTS, "videos.insert": 0, "search.list": 0}
DEFAULT_DAILY_LIMIT = 10_000
RETRIABLE_STATUS = (500, 502, 503, 504)
QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded")
UPLOAD_CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB


class YouTubeError(RuntimeError):
    """The API refused a request for a reason retrying will not fix (bad request, forbidden, not found)."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class QuotaExceeded(YouTubeError):
    """The project's daily quota is spent; nothing more can be done before `resume_at` (UTC)."""

    def __init__(self, resume_at: datetime, *, reason: str = "quotaExceeded") -> None:
        super().__init__(
            f"YouTube quota exhausted ({reason}); resume at {resume_at.isoformat()}",
            status=403,
            reason=reason,
        )
        self.resume_at = resume_at


# ------------------------------------------------------------------------------------------ quota


def _pacific_offset(moment_utc: datetime) -> timedelta:
    """UTC offset of US Pacific time at a UTC instant (PDT from the 2nd Sunday of March 02:00 local to
    the 1st Sunday of November 02:00 local). Used when the system has no tz database."""
    year = moment_utc.year

    def nth_sunday(month: int, n: int) -> datetime:
        first = datetime(year, month, 1, tzinfo=UTC)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))

    dst_start = nth_sunday(3, 2) + timedelta(hours=10)  # 02:00 PST = 10:00 UTC
    dst_end = nth_sunday(11, 1) + timedelta(hours=9)  # 02:00 PDT = 09:00 UTC
    return timedelta(hours=-7) if dst_start <= moment_utc < dst_end else timedelta(hours=-8)


def _to_pacific(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("America/Los_Angeles"))
    except Exception:  # no tz database on this machine
        from datetime import timezone

        offset = _pacific_offset(moment.astimezone(UTC))
        return moment.astimezone(timezone(offset))


def pacific_day(now: datetime) -> date:
    """The quota day (YouTube resets quotas at midnight Pacific time) that `now` falls in."""
    return _to_pacific(now).date()


def _pacific_midnight_utc(day: date) -> datetime:
    midnight_utc = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    try:
        from zoneinfo import ZoneInfo

        local = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("America/Los_Angeles"))
        return local.astimezone(UTC)
    except Exception:  # no tz database: DST changes at 02:00, so 08:00 UTC has midnight's offset
        return midnight_utc - _pacific_offset(midnight_utc + timedelta(hours=8))


def next_quota_reset(now: datetime) -> datetime:
    """The next midnight Pacific time after `now`, as an aware UTC datetime."""
    return _pacific_midnight_utc(pacific_day(now) + timedelta(days=1))


@dataclass(frozen=True)
class QuotaLedger:
    """Units spent on the current Pacific-time day against a daily limit. Pure: every change returns a
    new ledger, so the caller decides where the count is stored."""

    used_units: int = 0
    daily_limit: int = DEFAULT_DAILY_LIMIT
    day: date | None = None  # the Pacific day `used_units` belongs to; None = today
    costs: dict[str, int] = field(default_factory=lambda: dict(QUOTA_COSTS))

    def cost(self, operation: str, count: int = 1) -> int:
        if operation not in self.costs:
            raise KeyError(f"no quota cost known for {operation!r}")
        return self.costs[operation] * count

    def current(self, now: datetime) -> QuotaLedger:
        """This ledger as of `now`: a new Pacific day starts again from zero."""
        today = pacific_day(now)
        if self.day is None:
            return replace(self, day=today)
        if self.day != today:
            return replace(self, used_units=0, day=today)
        return self

    def remaining(self, now: datetime) -> int:
        ledger = self.current(now)
        return max(0, ledger.daily_limit - ledger.used_units)

    def fits(self, operation: str, now: datetime, count: int = 1) -> bool:
        return self.cost(operation, count) <= self.remaining(now)

    def resume_at(self, operation: str, now: datetime, count: int = 1) -> datetime | None:
        """None when the operation fits now, else when the next quota day starts (UTC)."""
        return None if self.fits(operation, now, count) else next_quota_reset(now)

    def spend(self, operation: str, now: datetime, count: int = 1) -> QuotaLedger:
        ledger = self.current(now)
        return replace(ledger, used_units=ledger.used_units + self.cost(operation, count))


# ------------------------------------------------------------------------------------------ OAuth


def _flow(client_config: dict, redirect_uri: str, *, state: str | None = None, code_verifier: str | None = None):
    from google_auth_oauthlib.flow import Flow

    flow = Flow.from_client_config(
        client_config,
        scopes=list(SCOPES),
        state=state,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
        autogenerate_code_verifier=code_verifier is None,
    )
    return flow


def authorization_url(client_config: dict, redirect_uri: str) -> tuple[str, str, str]:
    """Start the OAuth consent flow. Returns (url to send the user to, state, PKCE code_verifier).

    The caller keeps `state` and `code_verifier` server-side until the redirect comes back. Offline access
    and a forced consent prompt make Google return a refresh token.
    """
    flow = _flow(client_config, redirect_uri)
    url, state = flow.authorization_url(access_type="offline", include_granted_scopes="true", prompt="consent")
    return url, state, flow.code_verifier


def exchange_code(
    client_config: dict,
    redirect_uri: str,
    code: str,
    *,
    state: str | None = None,
    code_verifier: str | None = None,
) -> dict:
    """Trade the authorization code for tokens; returns the credentials as a plain dict for storage."""
    flow = _flow(client_config, redirect_uri, state=state, code_verifier=code_verifier)
    flow.fetch_token(code=code)
    return credentials_to_dict(flow.credentials)


def run_installed_app_flow(client_config: dict, *, port: int = 0, open_browser: bool = False) -> dict:
    """Installed-app flow for a management command: a local redirect server on `port`, the URL printed.

    Returns the credentials as a plain dict.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(client_config, scopes=list(SCOPES))
    credentials = flow.run_local_server(port=port, open_browser=open_browser, access_type="offline", prompt="consent")
    return credentials_to_dict(credentials)


def credentials_to_dict(credentials) -> dict:
    """Serialise google.oauth2 credentials to a JSON-able dict (the Django side encrypts and stores it)."""
    return {
        "token": credentials.token,
        "refresh_token": credentials.refresh_token,
        "token_uri": credentials.token_uri,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "scopes": list(credentials.scopes or SCOPES),
        "expiry": credentials.expiry.replace(tzinfo=UTC).isoformat() if credentials.expiry else None,
    }


def credentials_from_dict(data: dict):
    """Rebuild google.oauth2 credentials from `credentials_to_dict` output; refreshes happen on use."""
    from google.oauth2.credentials import Credentials

    expiry = None
    if data.get("expiry"):
        # google-auth compares expiry with a naive UTC datetime.
        expiry = datetime.fromisoformat(data["expiry"]).astimezone(UTC).replace(tzinfo=None)
    return Credentials(
        token=data.get("token"),
        refresh_token=data.get("refresh_token"),
        token_uri=data.get("token_uri"),
        client_id=data.get("client_id"),
        client_secret=data.get("client_secret"),
        scopes=data.get("scopes"),
        expiry=expiry,
    )


# ---------------------------------------------------------------------------------------- results


class VideoMetadataLike(Protocol):
    title: str
    description: str
    tags: list[str]


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
