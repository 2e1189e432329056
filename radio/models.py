"""Radio stations: what they play (rules, dayparts, safety playlist), where they send it (Icecast, RTMP), and
what happened (plays, incidents, listener requests, the supervised processes' heartbeats)."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from lofi_site.db import TimeStamped


class Station(TimeStamped):
    class Mode(models.TextChoices):
        AUTODJ = "autodj", "AutoDJ (the platform picks each track)"
        LONG_MIX = "long_mix", "A rendered long mix on repeat"

    class AudioFormat(models.TextChoices):
        MP3 = "mp3", "MP3"
        AAC = "aac", "AAC (ADTS)"

    class Resolution(models.TextChoices):
        HD720 = "720", "1280x720"
        HD1080 = "1080", "1920x1080"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    on_air = models.BooleanField(
        default=False, help_text="Should be broadcasting: the watchdog checks it every minute and restarts what stops."
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.AUTODJ)
    long_mix = models.ForeignKey(
        "production.MixRender",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The rendered long mix a 'long mix' station plays on repeat.",
    )

    # Icecast output
    icecast_local = models.BooleanField(
        default=True, help_text="`manage.py radio` starts Icecast itself (on this host, with a generated config)."
    )
    icecast_host = models.CharField(max_length=200, default="127.0.0.1")
    icecast_port = models.PositiveIntegerField(
        default=8010, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    icecast_public_url = models.URLField(
        blank=True, help_text="Where listeners open the stream (a CDN or proxy); empty: http://host:port/mount."
    )
    icecast_credentials = models.TextField(
        blank=True,
        editable=False,
        help_text="Encrypted {source_password, admin_password} of a remote Icecast; local ones derive their own.",
    )
    mount = models.CharField(max_length=60, default="/radio", help_text="Icecast mount point, e.g. /lofi.")
    audio_format = models.CharField(max_length=4, choices=AudioFormat.choices, default=AudioFormat.MP3)
    bitrate_kbps = models.PositiveSmallIntegerField(
        default=128, validators=[MinValueValidator(32), MaxValueValidator(320)]
    )
    hls_enabled = models.BooleanField(default=False, help_text="Also write HLS segments (for a CDN) to public media.")

    # Programming
    crossfade_s = models.FloatField(default=4.0, validators=[MinValueValidator(0), MaxValueValidator(20)])
    loudness_target_lufs = models.FloatField(
        default=-16.0, validators=[MinValueValidator(-30), MaxValueValidator(-8)], verbose_name="loudness target (LUFS)"
    )
    no_repeat_hours = models.FloatField(
        default=3.0, validators=[MinValueValidator(0)], help_text="No track plays again within this many hours."
    )
    artist_separation_min = models.FloatField(
        default=20.0, validators=[MinValueValidator(0)], help_text="No artist plays again within this many minutes."
    )
    jingle = models.FileField(upload_to="radio/jingles/", blank=True, help_text="Station ID / jingle audio.")
    jingle_every_n_tracks = models.PositiveSmallIntegerField(default=0, help_text="0: never.")
    marked_tracks = models.ManyToManyField(
        "catalog.Track",
        blank=True,
        related_name="+",
        verbose_name="marked for radio",
        help_text="Approved tracks this station may play before their release is out (released ones always may).",
    )
    safety_tracks = models.ManyToManyField(
        "catalog.Track",
        blank=True,
        related_name="+",
        help_text="Played (from local copies) whenever the platform does not answer in time.",
    )

    # Video for RTMP targets
    visual = models.ImageField(upload_to="radio/visuals/", blank=True, help_text="Empty: the latest release artwork.")
    visual_loop = models.FileField(
        upload_to="radio/loops/", blank=True, help_text="A short video looped behind the title, instead of the image."
    )
    video_resolution = models.CharField(max_length=4, choices=Resolution.choices, default=Resolution.HD720)

    autodj_token_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised to revoke the token Liquidsoap uses."
    )
    # Last state the watchdog read from Icecast
    listeners = models.PositiveIntegerField(null=True, blank=True, editable=False)
    icecast_bytes_read = models.BigIntegerField(null=True, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(mount__startswith="/"), name="station_mount_starts_with_slash"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stream_url(self) -> str:
        """The Icecast URL a player opens."""
        base = (self.icecast_public_url or f"http://{self.icecast_host}:{self.icecast_port}").rstrip("/")
        return base + self.mount

    @property
    def internal_stream_url(self) -> str:
        """The mount as the station's own processes (video push, watchdog) reach it."""
        return f"http://{self.icecast_host}:{self.icecast_port}{self.mount}"


class Daypart(models.Model):
    """Hours of the day (station's TIME_ZONE) with the moods and/or styles the AutoDJ plays then."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="dayparts")
    name = models.CharField(max_length=60)
    start_hour = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)])
    end_hour = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24)], help_text="Exclusive; may wrap past midnight."
    )
    moods = models.ManyToManyField("catalog.Mood", blank=True, related_name="+")
    styles = models.ManyToManyField("catalog.Style", blank=True, related_name="+")

    class Meta:
        ordering = ["station_id", "start_hour"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_hour:02d}-{self.end_hour:02d}"

    def covers(self, hour: int) -> bool:
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour  # wraps past midnight, e.g. 22-06


class RtmpTarget(TimeStamped):
    """One live-video destination (YouTube Live, Twitch...). The stream key is encrypted like platform tokens."""

    class Platform(models.TextChoices):
        YOUTUBE = "youtube", "YouTube Live"
        TWITCH = "twitch", "Twitch"
        CUSTOM = "custom", "Other RTMP server"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="rtmp_targets")
    name = models.CharField(max_length=80)
    platform = models.CharField(max_length=10, choices=Platform.choices, default=Platform.YOUTUBE)
    server_url = models.CharField(
        max_length=300, help_text="Ingest server, e.g. rtmp://a.rtmp.youtube.com/live2 (the key is added to it)."
    )
    stream_key_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    last_error = models.CharField(
        max_length=300, blank=True, editable=False, help_text="What ffmpeg said when this target last failed."
    )
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["station_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class ListenerRequest(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a slot"
        QUEUED = "queued", "Queued to play"
        PLAYED = "played", "Played"
        EXPIRED = "expired", "Expired"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="requests")
    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=64, editable=False, help_text="Keyed hash of the visitor, never in clear.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.track} on {self.station}"


class Play(TimeStamped):
    """One track the AutoDJ handed out (created_at) and, once Liquidsoap reported it, when it started."""

    class Source(models.TextChoices):
        AUTODJ = "autodj", "AutoDJ"
        REQUEST = "request", "Listener request"
        JINGLE = "jingle", "Station ID"
        LONG_MIX = "long_mix", "Long mix"
        SAFETY = "safety", "Safety playlist"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="plays")
    track = models.ForeignKey("catalog.Track", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.AUTODJ)
    title = models.CharField(max_length=200)
    artist = models.CharField(max_length=120, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    gain_db = models.FloatField(default=0.0)
    request = models.ForeignKey(ListenerRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    listeners = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "started_at"])]

    def __str__(self) -> str:
        return f"{self.title} on {self.station}"


class StationProcess(models.Model):
    """One supervised piece of a running station, as its supervisor (`manage.py radio`) last reported it.

    The watchdog asks for a restart by setting `restart_requested_at`; the supervisor, possibly on another host,
    polls the row every few seconds, restarts the piece and clears the flag."""

    class Piece(models.TextChoices):
        SUPERVISOR = "supervisor", "Supervisor"
        ICECAST = "icecast", "Icecast"
        LIQUIDSOAP = "liquidsoap", "Liquidsoap"
        VIDEO = "video", "RTMP video push"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="processes")
    piece = models.CharField(max_length=10, choices=Piece.choices)
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    running = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last output line of the process.")
    restarts = models.PositiveIntegerField(default=0)
    restart_requested_at = models.DateTimeField(null=True, blank=True)
    restart_reason = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["station_id", "piece"]
        constraints = [models.UniqueConstraint(fields=["station", "piece"], name="stationprocess_one_per_piece")]

    def __str__(self) -> str:
        return f"{self.station} {self.get_piece_display()}"


class Incident(TimeStamped):
    class Kind(models.TextChoices):
        PROCESS_EXITED = "exited", "Process exited"
        NO_SOURCE = "no_source", "Icecast mount has no source"
        NO_BYTES = "no_bytes", "No audio reached Icecast"
        ICECAST_DOWN = "icecast", "Icecast unreachable"
        NO_TRACK_REPORT = "no_report", "No track reported"
        VIDEO_STALLED = "video", "RTMP push not running"
        RTMP_TARGET_DOWN = "rtmp", "An RTMP target dropped out of the push"
        SUPERVISOR_DOWN = "supervisor", "Supervisor not running"
        AUTODJ_EMPTY = "empty", "AutoDJ had nothing to play"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    piece = models.CharField(max_length=10, choices=StationProcess.Piece.choices, blank=True)
    detail = models.TextField(blank=True)
    action = models.CharField(max_length=200, blank=True, help_text="What was done about it.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.station}: {self.get_kind_display()}"
