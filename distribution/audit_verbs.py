"""What distribution services write to the audit trail (operations.audit_verbs explains the registry)."""

from __future__ import annotations

from django.db import models

from operations.audit_verbs import audit_verbs


@audit_verbs
class DistributionVerb(models.TextChoices):
    RELEASE_PLATFORMS_CHANGED = "release.platforms_changed", "Release platforms changed"
    RELEASE_METADATA_GENERATED = "release.metadata_generated", "Release metadata generated"
    RELEASE_METADATA_EDITED = "release.metadata_edited", "Release metadata edited"
    RELEASE_READY = "release.ready", "Release marked ready"
    RELEASE_SCHEDULED = "release.scheduled", "Release scheduled"
    RELEASE_RETURNED_TO_DRAFT = "release.returned_to_draft", "Release back to draft"
    RELEASE_WITHDRAWN = "release.withdrawn", "Release withdrawn"
    RELEASE_PUBLISHED = "release.published", "Release out on every platform"
    RELEASE_ARTWORK_REQUESTED = "release.artwork_requested", "Cover art requested"
    RELEASE_ARTWORK_GENERATED = "release.artwork_generated", "Cover art drawn"
    RELEASE_ARTWORK_RESTORED = "release.artwork_restored", "Earlier cover restored"
    RELEASE_VIDEO_REQUESTED = "release.video_requested", "Video render queued"
    RELEASE_VIDEO_RENDERED = "release.video_rendered", "Video rendered"
    RELEASE_MEDIA_EDITED = "release.media_edited", "Release media changed"
    RELEASE_DELIVERY_PACKAGE_REQUESTED = "release.delivery_package_requested", "Delivery package queued"
    RELEASE_DELIVERY_PACKAGE_BUILT = "release.delivery_package_built", "Delivery package built"
    PUBLICATION_PUBLISHED = "publication.published", "Publication live"
    PUBLICATION_FAILED = "publication.failed", "Publication failed"
    PUBLICATION_URL_RECORDED = "publication.url_recorded", "Publication URL recorded by hand"
    PUBLICATION_RETRIED = "publication.retried", "Publication retried"
    PUBLICATION_CANCELLED = "publication.cancelled", "Publication cancelled"
    PLATFORM_ACCOUNT_CREDENTIALS_SET = "platform_account.credentials_set", "Platform credentials updated"
    PLATFORM_ACCOUNT_CONNECTED = "platform_account.connected", "Platform account connected"
    PLATFORM_ACCOUNT_DISCONNECTED = "platform_account.disconnected", "Platform account disconnected"
