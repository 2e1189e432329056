"""Distribution records: where releases go (platform accounts), what goes (per-platform metadata, artwork,
video, delivery packages) and when and how it went (publications, their attempts, the YouTube quota).

The catalogue's `Release` holds the status field; every change to it is made by `distribution.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Release
from distribution.media.video import EFFECTS
from distribution.platforms import metadata as metadata_engine
from lofi_site.db import TimeStamped


def reference_marker(release: Release) -> str:
    """The release's marker in YouTube descriptions ("[ref:<release uuid>]"). A channel holds a release once,
    so a retried or redelivered upload looks the marker up among the channel's uploads before inserting."""
    return f"[ref:{release.uuid}]"


class Platform(models.TextChoices):
    YOUTUBE = "youtube", "YouTube"
    SOUNDCLOUD = "soundcloud", "SoundCloud"
    DISTROKID = "distrokid", "DistroKid"
    BANDCAMP = "bandcamp", "Bandcamp"
    DDEX_DISTRIBUTOR = "ddex_distributor", "DDEX distributor"


# Platforms this project talks to through an API; every other one is uploaded by a VA from the delivery
# package (the "manual-upload" checklist), and the VA records the resulting URL.
API_PLATFORMS = frozenset({Platform.YOUTUBE, Platform.SOUNDCLOUD})
# Stores that sell through the DSPs need a UPC/EAN on the release.
UPC_PLATFORMS = frozenset({Platform.DISTROKID, Platform.DDEX_DISTRIBUTOR})


class MetadataPlatform(models.TextChoices):
    """The three metadata formats of distribution/platforms/metadata.py."""

    YOUTUBE = "youtube", "YouTube"
    DISTRIBUTOR = "distributor", "Distributor / stores"
    SOUNDCLOUD = "soundcloud", "SoundCloud"


class PlatformAccount(TimeStamped):
    """A channel or store account the label publishes to.

    Secrets (OAuth client, tokens) live only in `credentials_encrypted` (Fernet, see distribution.crypto) and
    are written and read by services; screens show who the account is connected as, never a token.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=120, unique=True, help_text="How the cockpit names it, e.g. 'Main channel'.")
    is_active = models.BooleanField(default=True, help_text="Inactive accounts get no new publications.")
    external_account_id = models.CharField(
        max_length=120,
        blank=True,
        editable=False,
        help_text="The channel or user id the credentials belong to.",
    )
    external_account_name = models.CharField(max_length=200, blank=True, editable=False)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    connected_at = models.DateTimeField(null=True, blank=True, editable=False)
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text='Settings that are not secret, e.g. {"recipient_dpid": "PADPIDA..."} for a DDEX recipient.',
    )
    daily_quota_units = models.PositiveIntegerField(
        default=10_000, help_text="YouTube: the Google Cloud project's daily quota in units."
    )

    class Meta:
        ordering = ["platform", "name"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"

    @property
    def has_upload_api(self) -> bool:
        return self.platform in API_PLATFORMS

    @property
    def is_connected(self) -> bool:
        """Whether the publish task can act for this account: API platforms need tokens from the OAuth flow
        (the connect page names who they act for); the others are uploaded by hand and need nothing."""
        if not self.has_upload_api:
            return True
        return bool(self.credentials_encrypted and self.external_account_name)

    @property
    def connected_as(self) -> str:
        """ "connected as <channel>", or why it is not usable yet; the only view of the credentials."""
        if not self.has_upload_api:
            return "manual uploads (no API)"
        if self.external_account_name:
            return f"connected as {self.external_account_name}"
        return "not connected"


class QuotaUsage(models.Model):
    """YouTube Data API units spent by one account on one quota day (quotas reset at midnight Pacific)."""

    account = models.ForeignKey(PlatformAccount, on_delete=models.CASCADE, related_name="quota_usage")
    day = models.DateField(help_text="The Pacific-time day the units belong to.")
    units_used = models.PositiveIntegerField(default=0)
    exhausted_at = models.DateTimeField(null=True, blank=True, help_text="When YouTube said the day's quota was spent.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "account_id"]
        verbose_name_plural = "quota usage"
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="quotausage_one_per_account_day"),
        ]

    def __str__(self) -> str:
        return f"{self.account.name} {self.day}: {self.units_used} units"


class ReleasePlan(TimeStamped):
    """How a release goes out: to which accounts, when it goes public, and the choices its media follow."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="distribution_plan")
    accounts = models.ManyToManyField(
        PlatformAccount,
        blank=True,
        related_name="release_plans",
        help_text="The platforms this release goes to.",
    )
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When it goes public. Empty: the release date at the default hour."
    )
    made_for_kids = models.BooleanField(
        default=False, help_text="YouTube's 'made for kids' declaration. Lo-fi for study and sleep is not."
    )
    video_effect = models.CharField(max_length=12, choices=[(e, e.title()) for e in EFFECTS], default="rain")
    metadata_revision = models.PositiveIntegerField(default=0, editable=False)
    artwork_revision = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"Plan of {self.release}"


class ReleaseMetadata(TimeStamped):
    """Title, description and tags of a release on one platform: generated, then edited by editors."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="platform_metadata")
    platform = models.CharField(max_length=12, choices=MetadataPlatform.choices)
    title = models.CharField(max_length=200)
    description = models.TextField()
    tags = models.JSONField(default=list, blank=True)
    chapters = models.JSONField(default=list, blank=True, editable=False)
    ai_disclosure = models.TextField(blank=True, editable=False)
    activity = models.CharField(
        max_length=60,
        blank=True,
        editable=False,
        help_text="The listening activity the titles speak to (names a playlist).",
    )
    generated_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["release_id", "platform"]
        verbose_name_plural = "release metadata"
        constraints = [
            models.UniqueConstraint(fields=["release", "platform"], name="releasemetadata_one_per_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.title}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not isinstance(self.tags, list) or not all(isinstance(t, str) for t in self.tags):
            errors["tags"] = ['Tags are a JSON list of words, e.g. ["lofi", "study music"].']
        if self.platform == MetadataPlatform.YOUTUBE:
            for name in ("title", "description"):
                if any(c in (getattr(self, name) or "") for c in "<>"):
                    errors.setdefault(name, []).append("YouTube refuses the characters < and >.")
            if len(self.title) > metadata_engine.YOUTUBE_TITLE_MAX_CHARS:
                errors.setdefault("title", []).append(
                    f"YouTube titles have at most {metadata_engine.YOUTUBE_TITLE_MAX_CHARS} characters; "
                    f"this one has {len(self.title)}."
                )
            size = len(self.description.encode("utf-8"))
            if size > metadata_engine.YOUTUBE_DESCRIPTION_MAX_BYTES:
                errors.setdefault("description", []).append(
                    f"YouTube descriptions hold {metadata_engine.YOUTUBE_DESCRIPTION_MAX_BYTES} bytes of "
                    f"UTF-8; this one has {size}."
                )
            if (
                "tags" not in errors
                and metadata_engine.youtube_tags_length(self.tags) > metadata_engine.YOUTUBE_TAGS_MAX_CHARS
            ):
                errors["tags"] = [
                    f"YouTube counts at most {metadata_engine.YOUTUBE_TAGS_MAX_CHARS} "
                    "characters of tags (commas included, quotes around tags with spaces)."
                ]
        elif self.platform == MetadataPlatform.SOUNDCLOUD:
            if len(self.title) > metadata_engine.SOUNDCLOUD_TITLE_MAX_CHARS:
                errors["title"] = [
                    f"SoundCloud titles have at most {metadata_engine.SOUNDCLOUD_TITLE_MAX_CHARS} characters."
                ]
            if len(self.description) > metadata_engine.SOUNDCLOUD_DESCRIPTION_MAX_CHARS:
                errors["description"] = [
                    f"SoundCloud descriptions have at most "
                    f"{metadata_engine.SOUNDCLOUD_DESCRIPTION_MAX_CHARS} characters."
                ]
        if errors:
            raise ValidationError(errors)


class ReleaseMedia(TimeStamped):
    """Generated media of a release beside its cover (`Release.artwork`): A/B thumbnails in public storage,
    the full video in private storage (it carries the whole master), the vertical preview and the canvas."""

    class VideoStatus(models.TextChoices):
        NONE = "none", "Not rendered"
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Rendered"
        FAILED = "failed", "Failed"

    class Thumbnail(models.TextChoices):
        A = "a", "Variant A"
        B = "b", "Variant B"

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="media")
    thumbnail_a = models.ImageField(upload_to="thumbnails/", blank=True)
    thumbnail_b = models.ImageField(upload_to="thumbnails/", blank=True)
    thumbnail_choice = models.CharField(
        max_length=1, choices=Thumbnail.choices, default=Thumbnail.A, help_text="The thumbnail YouTube gets."
    )
    artwork_generated_at = models.DateTimeField(null=True, blank=True, editable=False)
    earlier_covers = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Covers this release had before (public storage paths, newest first): kept so an editor can "
        "go back to one after generating a new cover.",
    )

    @property
    def earlier_cover_choices(self) -> list[tuple[str, str]]:
        """(storage path, public URL) of each earlier cover still in storage, newest first."""
        from django.core.files.storage import storages

        storage = storages["default"]
        return [(path, storage.url(path)) for path in self.earlier_covers if path and storage.exists(path)]

    artwork_revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="The artwork revision last drawn."
    )
    video_status = models.CharField(
        max_length=10, choices=VideoStatus.choices, default=VideoStatus.NONE, editable=False
    )
    video_error = models.TextField(blank=True, editable=False)
    video_path = models.CharField(max_length=400, blank=True, editable=False, help_text="In private storage.")
    video_duration_s = models.FloatField(null=True, blank=True, editable=False)
    video_rendered_at = models.DateTimeField(null=True, blank=True, editable=False)
    preview_clip = models.FileField(upload_to="previews/", blank=True, editable=False)
    preview_note = models.CharField(max_length=200, blank=True, editable=False)
    canvas = models.FileField(upload_to="canvases/", blank=True, editable=False)

    class Meta:
        verbose_name_plural = "release media"

    def __str__(self) -> str:
        return f"Media of {self.release}"

    @property
    def chosen_thumbnail(self):
        return self.thumbnail_b if self.thumbnail_choice == self.Thumbnail.B and self.thumbnail_b else self.thumbnail_a


class Publication(TimeStamped):
    """One release on one platform account: when it goes out, what happened, where it is now."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        WAITING_QUOTA = "waiting_quota", "Waiting for quota"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        MANUAL = "manual", "Manual upload"
        CANCELLED = "cancelled", "Cancelled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="publications")
    account = models.ForeignKey(PlatformAccount, on_delete=models.PROTECT, related_name="publications")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING, db_index=True)
    scheduled_at = models.DateTimeField(help_text="When the release goes public on this platform.")
    run_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the publish task acts next (uploads start ahead of going public).",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    status_detail = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    steps = models.JSONField(default=dict, blank=True, help_text="Steps already done, so a retry skips them.")
    remote_state = models.JSONField(default=dict, blank=True, help_text="Processing and privacy read back.")
    remote_checked_at = models.DateTimeField(null=True, blank=True)

    # A publication still counts ("open") unless it was cancelled; failed ones are retried in place.
    OPEN = ~Q(status=Status.CANCELLED)

    class Meta:
        ordering = ["scheduled_at", "id"]
        permissions = [("publish_publication", "Can publish, retry and cancel publications")]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "account"],
                condition=~Q(status="cancelled"),
                name="publication_one_open_per_release_and_account",
                violation_error_message="This release already has an open publication on this account.",
            ),
        ]
        indexes = [models.Index(fields=["status", "run_at"])]

    def __str__(self) -> str:
        return f"{self.release} on {self.account.name}"

    @property
    def reference_marker(self) -> str:
        """Kept in the YouTube description so a redelivered upload finds the video it already made."""
        return reference_marker(self.release)

    @property
    def status_text(self) -> str:
        text = self.get_status_display()
        return f"{text}: {self.status_detail}" if self.status_detail else text


class PublicationAttempt(models.Model):
    """One run of the publish task for a publication: what it did and how it ended."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        PUBLISHED = "published", "Published"
        WAITING_QUOTA = "waiting_quota", "Waiting for quota"
        FAILED = "failed", "Failed"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.publication_id}: {self.outcome}"


class DeliveryPackage(TimeStamped):
    """A release as a distributor receives it: DDEX ERN 4.3 XML, 16-bit WAVs, the cover and a CSV, zipped in
    private storage. One per release and recipient account; rebuilding replaces it."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="delivery_packages")
    account = models.ForeignKey(PlatformAccount, on_delete=models.PROTECT, related_name="delivery_packages")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    path = models.CharField(max_length=400, blank=True, help_text="In private storage.")
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    message_id = models.CharField(max_length=80, blank=True)
    manifest = models.JSONField(default=list, blank=True, help_text="Every file in the zip with its size and SHA-256.")
    error = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["release", "account"], name="deliverypackage_one_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"Package of {self.release} for {self.account.name}"

    @property
    def filename(self) -> str:
        upc = self.release.upc or str(self.release.uuid)
        return f"{upc}-{self.account.platform}.zip"
