"""What community services write to the audit trail (operations.audit_verbs explains the registry)."""

from __future__ import annotations

from django.db import models

from operations.audit_verbs import audit_verbs


@audit_verbs
class CommunityVerb(models.TextChoices):
    TRACK_REQUEST_PLANNED = "track_request.planned", "Track request planned as a render job"
    TRACK_REQUEST_ADVANCED = "track_request.advanced", "Track request moved on"
    TRACK_REQUEST_CHANGED = "track_request.changed", "Track request corrected in the cockpit"
    LEAD_MAGNET_CREATED = "lead_magnet.created", "Lead magnet created"
    LEAD_MAGNET_CHANGED = "lead_magnet.changed", "Lead magnet changed"
    CAMPAIGN_SENDING = "campaign.sending", "Campaign sending started"
    CAMPAIGN_SENT = "campaign.sent", "Campaign sent"
    CAMPAIGN_RETRIED = "campaign.retried", "Campaign failed deliveries retried"
    REPLY_APPROVED = "reply.approved", "Reply approved"
    REPLY_REJECTED = "reply.rejected", "Reply rejected"
    REPLY_POSTED = "reply.posted", "Reply posted on YouTube"
    SOCIAL_POST_SCHEDULED = "social_post.scheduled", "Social post planned"
    SOCIAL_POST_POSTED = "social_post.posted", "Social post live"
    SOCIAL_POST_CANCELLED = "social_post.cancelled", "Social post cancelled"
