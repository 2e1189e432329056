"""Every community write, one module per capability; this package re-exports their public names, so
`from community.services import reply_approve` and `services.reply_approve(...)` keep working.

| module | capability |
|---|---|
| `track_requests` | listeners' requests: submit, vote, plan as a render job, follow to release |
| `newsletter` | subscribers: double opt-in, confirmation and unsubscribe links |
| `lead_magnet` | the free zip confirmed subscribers download |
| `campaigns` | newsletter campaigns sent in claimed batches |
| `youtube` | the published videos and the quota reserve comment sync, replies and statistics share |
| `comments` | YouTube comment sync, scoring, superfans, triage |
| `replies` | reply templates, drafts, approval, posting |
| `social` | hand-made social posts of a release |
| `video_stats` | daily YouTube statistics |

YouTube calls go through `distribution.services.youtube.youtube_client`, so they count against the channel's
daily quota like the publisher's; every function that calls YouTube takes `http` (tests pass googleapiclient's
HttpMockSequence there). Tests that replace a name (`enqueue`, say) patch it in the module that looks it up,
not here.
"""

from community.services.campaigns import (
    CAMPAIGN_TASK,
    SEND_CAMPAIGN_PERMISSION,
    BatchResult,
    campaign_deliver_batch,
    campaign_retry_failed,
    campaign_send,
    campaigns_resume,
)
from community.services.comments import (
    SyncReport,
    comment_triage,
    commenters_refresh,
    comments_sync_all,
    comments_sync_publication,
)
from community.services.lead_magnet import LEAD_MAGNET_MAX_BYTES, lead_magnet_save, lead_magnet_upload_check
from community.services.newsletter import (
    CONFIRMATION_RESEND_AFTER,
    CONFIRMATION_TASK,
    TokenRefused,
    confirm_url,
    lead_magnet_url,
    subscriber_confirm,
    subscriber_confirmation_send,
    subscriber_subscribe,
    subscriber_unsubscribe,
    unsubscribe_url,
)
from community.services.replies import (
    APPROVE_REPLY_PERMISSION,
    REPLY_POST_TASK,
    STANDARD_REPLY_TEMPLATES,
    ReplyNotApproved,
    replies_post_pending,
    reply_approve,
    reply_context,
    reply_draft,
    reply_post,
    reply_post_now,
    reply_reject,
    reply_templates_ensure,
    reply_update,
)
from community.services.social import (
    SOCIAL_POST_CHECKLIST,
    URL_HOSTS,
    social_post_cancel,
    social_post_record_url,
    social_post_schedule,
)
from community.services.track_requests import (
    PLAN_REQUEST_PERMISSIONS,
    REQUEST_RELEASED_TASK,
    TRACK_REQUEST_EDITABLE,
    track_request_advance,
    track_request_notify_released,
    track_request_plan,
    track_request_submit,
    track_request_update,
    track_request_vote,
    track_requests_progress,
)
from community.services.video_stats import video_stats_snapshot_take
from community.services.youtube import quota_reserve_left, youtube_publications

__all__ = [
    "APPROVE_REPLY_PERMISSION",
    "CAMPAIGN_TASK",
    "CONFIRMATION_RESEND_AFTER",
    "CONFIRMATION_TASK",
    "LEAD_MAGNET_MAX_BYTES",
    "PLAN_REQUEST_PERMISSIONS",
    "REPLY_POST_TASK",
    "REQUEST_RELEASED_TASK",
    "SEND_CAMPAIGN_PERMISSION",
    "SOCIAL_POST_CHECKLIST",
    "STANDARD_REPLY_TEMPLATES",
    "TRACK_REQUEST_EDITABLE",
    "URL_HOSTS",
    "BatchResult",
    "ReplyNotApproved",
    "SyncReport",
    "TokenRefused",
    "campaign_deliver_batch",
    "campaign_retry_failed",
    "campaign_send",
    "campaigns_resume",
    "comment_triage",
    "commenters_refresh",
    "comments_sync_all",
    "comments_sync_publication",
    "confirm_url",
    "lead_magnet_save",
    "lead_magnet_upload_check",
    "lead_magnet_url",
    "quota_reserve_left",
    "replies_post_pending",
    "reply_approve",
    "reply_context",
    "reply_draft",
    "reply_post",
    "reply_post_now",
    "reply_reject",
    "reply_templates_ensure",
    "reply_update",
    "social_post_cancel",
    "social_post_record_url",
    "social_post_schedule",
    "subscriber_confirm",
    "subscriber_confirmation_send",
    "subscriber_subscribe",
    "subscriber_unsubscribe",
    "track_request_advance",
    "track_request_notify_released",
    "track_request_plan",
    "track_request_submit",
    "track_request_update",
    "track_request_vote",
    "track_requests_progress",
    "unsubscribe_url",
    "video_stats_snapshot_take",
    "youtube_publications",
]
