"""Listeners: accounts signed in by e-mailed link, their library (favourites, playlists, follows), what they
play and rate, the learned recommender and the A/B tests that compare recommenders.

A listener is not a Django user: staff accounts (the cockpit) and the public never share a table, so no
listener can ever hold a permission. The session carries the listener's id after a magic-link sign-in.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from catalog.models import Artist, Release, Track
from lofi_site.db import TimeStamped
from monetization.models import SamplePack


def _share_token() -> str:
    return secrets.token_urlsafe(12)


class Listener(TimeStamped):
    """One account for listening and buying: the e-mail address a sign-in link was sent to."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True, help_text="Stored lower-case; the address the sign-in link went to.")
    display_name = models.CharField(max_length=60, blank=True)
    is_public = models.BooleanField(default=False, help_text="Profile page and public playlists shown to others.")
    release_alerts = models.BooleanField(
        default=False, help_text="Opted in to an e-mail when an artist they follow releases something."
    )
    is_demo = models.BooleanField(default=False, editable=False, help_text="A demo account made by seed_demo.")
    last_sign_in_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_name or f"Listener {str(self.uuid)[:8]}"

    @property
    def public_name(self) -> str:
        return self.display_name or "A listener"


class Favourite(TimeStamped):
    """A track, a release or a sample pack the listener saved: exactly one of the three."""

    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, related_name="favourites")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    pack = models.ForeignKey(SamplePack, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(track__isnull=False, release__isnull=True, pack__isnull=True)
                    | Q(track__isnull=True, release__isnull=False, pack__isnull=True)
                    | Q(track__isnull=True, release__isnull=True, pack__isnull=False)
                ),
                name="favourite_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["listener", "track"], name="favourite_track_once"),
            models.UniqueConstraint(fields=["listener", "release"], name="favourite_release_once"),
            models.UniqueConstraint(fields=["listener", "pack"], name="favourite_pack_once"),
        ]

    def __str__(self) -> str:
        return str(self.track or self.release or self.pack)


class Playlist(TimeStamped):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public (on my profile, anyone with the link)"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PRIVATE = "private", "Private (only me)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE)
    share_token = models.CharField(
        max_length=32, unique=True, default=_share_token, editable=False, help_text="The share link's secret part."
    )
    tracks = models.ManyToManyField(Track, through="PlaylistItem", related_name="+")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.visibility != self.Visibility.PRIVATE


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["playlist_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["playlist", "track"], name="playlist_track_once")]

    def __str__(self) -> str:
        return f"{self.position}. {self.track}"


class Follow(TimeStamped):
    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, related_name="follows")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["listener", "artist"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.listener} follows {self.artist}"


class PreviewPlay(models.Model):
    """A preview started on the storefront. No personal data: the visitor is a keyed hash of a random id kept
    in their session; a signed-in listener's plays also carry the account (deleted with it)."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    visitor_hash = models.CharField(max_length=64, db_index=True)
    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, null=True, blank=True, related_name="plays")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.track} at {self.created_at:%Y-%m-%d %H:%M}"


class Feedback(TimeStamped):
    """A 1-5 rating with an optional short text on a release or mix. Texts go through the same scoring and
    triage states as YouTube comments (lofi_site.text_scoring) and are public only once a VA published them."""

    class Status(models.TextChoices):
        NEW = "new", "New (waiting for review)"
        PUBLISHED = "published", "Published"
        IGNORED = "ignored", "Ignored (spam or off-topic)"
        ESCALATED = "escalated", "Escalated to an editor"

    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, related_name="feedback")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    sentiment = models.FloatField(default=0.0, editable=False)
    flags = models.JSONField(default=list, blank=True, editable=False)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(fields=["listener", "release"], name="feedback_once_per_release"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ on {self.release}"


class RecommenderModel(TimeStamped):
    """One training run of the learned recommender: the factors it learned and how well it did."""

    algorithm = models.CharField(max_length=20, default="implicit-als")
    params = models.JSONField(default=dict)
    listener_ids = models.JSONField(default=list, help_text="Row order of the listener factors.")
    track_ids = models.JSONField(default=list, help_text="Row order of the track factors.")
    listener_factors = models.BinaryField(help_text="float32 .npy bytes, listeners × factors.")
    track_factors = models.BinaryField(help_text="float32 .npy bytes, tracks × factors.")
    interactions = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True, help_text="Leave-one-out hit rate at 10 and others.")
    is_active = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_recommender")
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} trained {self.created_at:%Y-%m-%d %H:%M}"


class Recommender(models.TextChoices):
    """The recommenders a surface can serve; `learned` falls back to `content` for newcomers."""

    POPULAR = "popular", "Most popular"
    CONTENT = "content", "Content-based (sound, key, tempo, mood, style)"
    LEARNED = "learned", "Learned from listeners (matrix factorisation)"


class Surface(models.TextChoices):
    FOR_YOU = "for_you", "For you (home page)"
    MORE_LIKE_THIS = "more_like_this", "More like this (track page)"


class SurfaceSetting(TimeStamped):
    """Which recommender a surface serves outside a running experiment (set by promoting a winner)."""

    surface = models.CharField(max_length=20, choices=Surface.choices, unique=True)
    recommender = models.CharField(max_length=10, choices=Recommender.choices)

    def __str__(self) -> str:
        return f"{self.get_surface_display()}: {self.get_recommender_display()}"


class Experiment(TimeStamped):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    surface = models.CharField(max_length=20, choices=Surface.choices)
    variants = models.JSONField(help_text='Recommender names, e.g. ["popular", "learned"].')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    winner = models.CharField(max_length=10, choices=Recommender.choices, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["surface"], condition=Q(status="running"), name="one_running_experiment_per_surface"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ExperimentEvent(models.Model):
    class Kind(models.TextChoices):
        IMPRESSION = "impression", "Shown"
        CLICK = "click", "Clicked"
        PLAY = "play", "Played"
        CART_ADD = "cart_add", "Added to cart"
        PURCHASE = "purchase", "Bought"

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="events")
    variant = models.CharField(max_length=10)
    visitor_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["experiment", "variant", "kind"]), models.Index(fields=["visitor_hash"])]

    def __str__(self) -> str:
        return f"{self.kind} in {self.variant}"


class ReleaseAlert(TimeStamped):
    """The e-mail to the opted-in followers of a release's artist: one per release, delivered in batches."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Alert for {self.release}"


class ReleaseAlertDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    alert = models.ForeignKey(ReleaseAlert, on_delete=models.CASCADE, related_name="deliveries")
    listener = models.ForeignKey(Listener, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["alert", "listener"], name="release_alert_once_per_listener")]

    def __str__(self) -> str:
        return f"{self.alert} to {self.listener}"


class MixStream(TimeStamped):
    """The public MP3 of a mix's master (production.MixRender), made for the mix page: the lossless master
    itself stays private."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    render = models.OneToOneField("production.MixRender", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    path = models.CharField(max_length=400, blank=True, help_text="In public storage.")
    size_bytes = models.BigIntegerField(default=0)
    duration_s = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Stream of {self.render}"

    @property
    def url(self) -> str:
        from django.core.files.storage import storages

        return storages["default"].url(self.path) if self.path else ""
