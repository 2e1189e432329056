"""The YouTube Data API v3, without Django: `quota` (the quota clock and ledger), `oauth` (consent, code
exchange, stored credentials), `client` (uploads, playlists, statistics, comments) and `errors`. The names are
re-exported here, so `from distribution.platforms import youtube as yt` keeps working.

The API client is built from the discovery document shipped inside google-api-python-client
(static_discovery=True), so building it never touches the network. Tests pass
`googleapiclient.http.HttpMockSequence` as `http`.
"""

from distribution.platforms.youtube.client import (
    QUOTA_REASONS,
    RETRIABLE_STATUS,
    UPLOAD_CHUNK_UNIT,
    CommentPage,
    CommentThread,
    UploadResult,
    VideoMetadataLike,
    VideoState,
    VideoStats,
    YouTubeClient,
)
from distribution.platforms.youtube.errors import (
    QuotaExceeded,
    YouTubeError,
)
from distribution.platforms.youtube.oauth import (
    SCOPES,
    authorization_url,
    credentials_from_dict,
    credentials_to_dict,
    exchange_code,
    run_installed_app_flow,
)
from distribution.platforms.youtube.quota import (
    BUCKETED_QUOTA_COSTS,
    DEFAULT_DAILY_LIMIT,
    PACIFIC,
    QUOTA_COSTS,
    QuotaLedger,
    next_quota_reset,
    pacific_day,
)

__all__ = [
    "BUCKETED_QUOTA_COSTS",
    "DEFAULT_DAILY_LIMIT",
    "PACIFIC",
    "QUOTA_COSTS",
    "QUOTA_REASONS",
    "RETRIABLE_STATUS",
    "SCOPES",
    "UPLOAD_CHUNK_UNIT",
    "CommentPage",
    "CommentThread",
    "QuotaExceeded",
    "QuotaLedger",
    "UploadResult",
    "VideoMetadataLike",
    "VideoState",
    "VideoStats",
    "YouTubeClient",
    "YouTubeError",
    "authorization_url",
    "credentials_from_dict",
    "credentials_to_dict",
    "exchange_code",
    "next_quota_reset",
    "pacific_day",
    "run_installed_app_flow",
]
