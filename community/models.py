"""Community records: listeners' track requests and their upvotes, the newsletter (subscribers, the lead
magnet, campaigns and their per-recipient deliveries), reply templates, and social posts a VA publishes by
hand.

Comment sync, replies and video statistics are in the second half of this module.
"""

from __future__ import annotations

import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from community.engine.templating import PLACEHOLDERS, unknown_placeholders
from lofi_site.db import TimeStamped

# --- Track requests -----------------------------------------------------------------------------------------


class TrackRequest(TimeStamped):
    """A listener's wish for a track, from the public form. Shown publicly by mood/activity/tempo and vote
    count only: the note and e-mail address stay in the cockpit."""

    class Mood(models.TextChoices):
        # The engine's moods (production.engine.brief.MOODS), the one vocabulary of the product: what a listener
        # asks for is what a brief plays and what the storefront's mood filter finds.
        CHILL = "chill", "Chill"
        COZY = "cozy", "Cozy"
        MELANCHOLY = "melancholy", "Melancholy"
        DREAMY = "dreamy", "Dreamy"
        FOCUS = "focus", "Focus"
        HAPPY = "happy", "Happy"
        SLEEPY = "sleepy", "Sleepy"
        NOSTALGIC = "nostalgic", "Nostalgic"

    class Activity(models.TextChoices):
        STUDY = "study", "Studying"
        WORK = "work", "Working"
        SLEEP = "sleep", "Sleeping"
        RELAX = "relax", "Relaxing"
        READING = "reading", "Reading"
        GAMING = "gaming", "Gaming"
        MEDITATION = "meditation", "Meditation"

    class TempoFeel(models.TextChoices):
        SLOW = "slow", "Slow and lazy"
        MEDIUM = "medium", "Easy walking pace"
        UPBEAT = "upbeat", "Head-nodding"

    class Status(models.TextChoices):
        NEW = "new", "New"
        PLANNED = "planned", "Planned"
        RENDERED = "rendered", "Rendered"
        RELEASED = "released", "Released"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mood = models.CharField(max_length=12, choices=Mood.choices)
    activity = models.CharField(max_length=12, choices=Activity.choices)
    tempo_feel = models.CharField(max_length=8, choices=TempoFeel.choices)
    note = models.TextField(max_length=500, blank=True, help_text="What the listener wrote. Never shown publicly.")
    email = models.EmailField(blank=True, help_text="Only used to say when the track is out. Never shown.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    votes = models.PositiveIntegerField(default=0, editable=False, db_index=True)
    render_job = models.ForeignKey(
        "production.RenderJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="track_requests",
        editable=False,
    )
    track = models.ForeignKey(
        "catalog.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="track_requests",
        help_text="The track made for this request.",
    )
    release = models.ForeignKey(
        "catalog.Release",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="track_requests",
        help_text="The release the track came out on.",
    )
    released_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the requester was told it is out."
    )

    class Meta:
        ordering = ["-votes", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_mood_display()} {self.get_activity_display().lower()} ({self.get_tempo_feel_display()})"


class TrackRequestVote(models.Model):
    """One upvote. Only keyed hashes of the browser session and the IP address are kept: enough to refuse a
    second vote, useless for finding out who voted."""

    request = models.ForeignKey(TrackRequest, on_delete=models.CASCADE, related_name="vote_rows")
    session_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "session_hash"], name="trackrequestvote_once_per_session"),
            models.UniqueConstraint(fields=["request", "ip_hash"], name="trackrequestvote_once_per_ip"),
        ]

    def __str__(self) -> str:
        return f"Vote for request {self.request_id}"


# --- Newsletter ---------------------------------------------------------------------------------------------


class Subscriber(TimeStamped):
    """A newsletter address. Mail goes only to confirmed addresses (double opt-in); unsubscribing keeps the
    row so the address is not mailed again by mistake."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True, help_text="Stored lower-case.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


def validate_zip_archive(upload) -> None:
    """A readable zip with at least one file (the lead magnet: subscribers get exactly this file)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = [name for name in archive.namelist() if not name.endswith("/")]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValidationError("This is not a readable zip archive.") from error
    finally:
        upload.seek(0)
    if not names:
        raise ValidationError("This zip archive holds no files.")


class LeadMagnet(TimeStamped):
    """The free download a new subscriber gets once their address is confirmed (a sample pack's zip). One is
    active.

    The zip is uploaded here (services.lead_magnet_save) rather than linked to a monetization sample pack:
    community may not depend on monetization (docs/ARCHITECTURE.md), and subscribers keep getting the same
    file even when the shop's pack is rebuilt or withdrawn. It lives in the private storage."""

    headline = models.CharField(
        max_length=120, help_text='Shown on the sign-up form, e.g. "Free: 20 dusty keys loops".'
    )
    archive_path = models.CharField(max_length=400, blank=True, editable=False, help_text="In private storage.")
    archive_name = models.CharField(
        max_length=200, blank=True, editable=False, help_text="The file name subscribers download."
    )
    archive_size_bytes = models.BigIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_active", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="leadmagnet_one_active",
                violation_error_message="Another lead magnet is active: switch it off first.",
            ),
        ]

    def __str__(self) -> str:
        return self.headline


class Campaign(TimeStamped):
    """A newsletter issue written in the cockpit and sent in batches by a background task."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.CharField(max_length=150)
    text_body = models.TextField(help_text="Plain text. Every recipient also gets an unsubscribe link.")
    html_body = models.TextField(blank=True, help_text="Optional HTML version of the same text.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("send_campaign", "Can send newsletter campaigns")]

    def __str__(self) -> str:
        return self.subject


class CampaignDelivery(models.Model):
    """One campaign to one subscriber. A delivery is claimed before its mail is sent, so two workers never
    send the same one, and a claim older than the task timeout is taken over (the worker died)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name_plural = "campaign deliveries"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "subscriber"], name="campaigndelivery_once_per_subscriber"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} to {self.subscriber_id}: {self.status}"


# --- Replies: templates -------------------------------------------------------------------------------------


def validate_reply_template(body: str) -> None:
    unknown = unknown_placeholders(body)
    if unknown:
        raise ValidationError(
            "Unknown placeholder%(s)s %(names)s; the placeholders are %(known)s.",
            params={
                "s": "s" if len(unknown) > 1 else "",
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            },
        )


class ReplyTemplate(TimeStamped):
    """A ready answer a VA starts a reply from: "Thanks {author}! {track_title} is on all stores."."""

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField(
        validators=[validate_reply_template],
        help_text="Placeholders: {author}, {track_title}, {release_title}, {channel}.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Social posts -------------------------------------------------------------------------------------------


class SocialPost(TimeStamped):
    """A post about a release on a platform without an API we may use (they need app review): a VA publishes
    it by hand from the "social-post" checklist with the clip and caption ready, then records the URL."""

    class Platform(models.TextChoices):
        INSTAGRAM = "instagram", "Instagram"
        TIKTOK = "tiktok", "TikTok"
        X = "x", "X"
        REDDIT = "reddit", "Reddit"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        POSTED = "posted", "Posted"
        CANCELLED = "cancelled", "Cancelled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey("catalog.Release", on_delete=models.CASCADE, related_name="social_posts")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    scheduled_at = models.DateTimeField(db_index=True)
    caption = models.TextField(help_text="Copy-ready text, written from the release's metadata.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True, editable=False
    )
    posted_url = models.URLField(max_length=500, blank=True, editable=False)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "platform", "scheduled_at"],
                name="socialpost_once_per_release_platform_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} post for {self.release}"


# --- YouTube comments ---------------------------------------------------------------------------------------


class CommentSyncState(models.Model):
    """Where the hourly sync of one published video's comments stands. Threads come newest first, so the sync
    stops paging at the first thread not newer than `newest_published_at`."""

    publication = models.OneToOneField(
        "distribution.Publication", on_delete=models.CASCADE, related_name="comment_sync"
    )
    newest_published_at = models.DateTimeField(
        null=True, blank=True, help_text="Publish time of the newest comment stored."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    pages_read = models.PositiveIntegerField(default=0, help_text="Pages read by the last sync.")

    class Meta:
        ordering = ["-last_synced_at"]

    def __str__(self) -> str:
        return f"Comment sync of publication {self.publication_id}"


class Commenter(TimeStamped):
    """A YouTube account that commented on the label's videos, with the counts that make a superfan."""

    channel_id = models.CharField(
        max_length=120, unique=True, help_text="The author's YouTube channel id (or 'name:<display name>')."
    )
    display_name = models.CharField(max_length=200)
    comment_count = models.PositiveIntegerField(default=0)
    positive_count = models.PositiveIntegerField(default=0)
    positive_videos = models.PositiveIntegerField(default=0, help_text="Videos with a positive comment by them.")
    is_superfan = models.BooleanField(default=False, db_index=True)
    last_comment_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-positive_count", "display_name"]

    def __str__(self) -> str:
        return self.display_name


class Comment(TimeStamped):
    """A top-level comment under one of the label's videos, scored and triaged."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        NEEDS_REPLY = "needs_reply", "Needs a reply"
        REPLIED = "replied", "Replied"
        IGNORED = "ignored", "Ignored"
        ESCALATED = "escalated", "Escalated to an editor"

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    publication = models.ForeignKey("distribution.Publication", on_delete=models.CASCADE, related_name="comments")
    commenter = models.ForeignKey(Commenter, on_delete=models.PROTECT, related_name="comments")
    youtube_thread_id = models.CharField(max_length=120, unique=True)
    youtube_comment_id = models.CharField(max_length=120, help_text="The top-level comment replies go under.")
    author_name = models.CharField(max_length=200)
    text = models.TextField()
    published_at = models.DateTimeField(db_index=True)
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    sentiment = models.FloatField(help_text="VADER compound score, -1 (very negative) to +1 (very positive).")
    sentiment_label = models.CharField(max_length=8, choices=Sentiment.choices, db_index=True)
    is_spam = models.BooleanField(default=False, db_index=True)
    is_abusive = models.BooleanField(default=False, db_index=True)
    flags = models.JSONField(default=list, blank=True, help_text="Why it was flagged, one reason per entry.")
    text_fingerprint = models.CharField(
        max_length=64, db_index=True, help_text="SHA-256 of the normalised text: finds copy-pasted comments."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        short = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.author_name}: {short}"


class Reply(TimeStamped):
    """An answer to a comment: drafted by a VA, approved by an editor, posted by a task. Only the approved
    text is ever posted; editing the text after approval sends it back to draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved, waiting to post"
        POSTING = "posting", "Posting"
        POSTED = "posted", "Posted"
        FAILED = "failed", "Posting failed"
        REJECTED = "rejected", "Rejected"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="replies")
    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    text = models.TextField(max_length=10_000)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True, editable=False
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_text = models.TextField(blank=True, editable=False, help_text="Exactly what the editor approved.")
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    youtube_comment_id = models.CharField(max_length=120, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "replies"
        permissions = [("approve_reply", "Can approve replies for posting on YouTube")]
        constraints = [
            models.UniqueConstraint(
                fields=["comment"],
                condition=~Q(status="rejected"),
                name="reply_one_open_per_comment",
                violation_error_message="This comment already has a reply.",
            ),
        ]

    def __str__(self) -> str:
        return f"Reply to {self.comment.author_name}" if self.comment_id else "Reply"


# --- Video statistics ---------------------------------------------------------------------------------------


class VideoStatsSnapshot(models.Model):
    """A published video's YouTube counters as read on one day. One row per publication and day: taking the
    day's snapshot again updates it."""

    publication = models.ForeignKey(
        "distribution.Publication", on_delete=models.CASCADE, related_name="stats_snapshots"
    )
    day = models.DateField(db_index=True)
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveBigIntegerField(default=0)
    comments = models.PositiveBigIntegerField(default=0)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "publication_id"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "day"], name="videostatssnapshot_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.views} views"
