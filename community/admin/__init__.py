"""Cockpit screens for community, one module per capability; importing the package registers them all.

| module | screens |
|---|---|
| `comments` | the comment inbox, commenters, comment sync state |
| `replies` | replies (draft, approve, post) and reply templates |
| `track_requests` | listeners' track requests |
| `newsletter` | subscribers, the lead magnet, campaigns and deliveries |
| `social` | hand-made social posts |
| `video_stats` | YouTube statistics and the analytics page |
| `common` | the stylesheet, short previews, `ReadOnlyAdmin` |

Every write goes through community.services; screens never save a workflow field themselves.
"""

from community.admin.comments import CommentAdmin, CommenterAdmin, CommentSyncStateAdmin
from community.admin.newsletter import CampaignAdmin, CampaignDeliveryAdmin, LeadMagnetAdmin, SubscriberAdmin
from community.admin.replies import ReplyAdmin, ReplyTemplateAdmin
from community.admin.social import SocialPostAdmin
from community.admin.track_requests import TrackRequestAdmin
from community.admin.video_stats import VideoStatsSnapshotAdmin

__all__ = [
    "CampaignAdmin",
    "CampaignDeliveryAdmin",
    "CommentAdmin",
    "CommentSyncStateAdmin",
    "CommenterAdmin",
    "LeadMagnetAdmin",
    "ReplyAdmin",
    "ReplyTemplateAdmin",
    "SocialPostAdmin",
    "SubscriberAdmin",
    "TrackRequestAdmin",
    "VideoStatsSnapshotAdmin",
]
