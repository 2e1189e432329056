"""Production records: what to render (jobs, batches), how each style sounds (presets), and what came out."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lofi_site.db import TimeStamped
from production.engine.brief import AMBIENCES, PARTS, Brief, Key

# The engine refuses anything outside these; the forms and services check first so errors read well.
BPM_MIN, BPM_MAX = 40, 200
DURATION_MAX_S = 60 * 60
SEED_MAX = 2**32 - 1  # numpy's legacy seeding and MIDI tools take 32-bit seeds
AMBIENCE_CHOICES = [(a, a.title()) for a in AMBIENCES]


def validate_key_text(value: str) -> None:
    try:
        Key.parse(value)
    except ValueError as error:
        raise ValidationError(str(error)) from error


def validate_layers(value: dict) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Layers must be a JSON object of part -> true/false.")
    unknown = sorted(set(value) - set(PARTS))
    if unknown:
        raise ValidationError(f"Unknown layers {', '.join(unknown)}; the parts are {', '.join(PARTS)}.")
    if not all(isinstance(on, bool) for on in value.values()):
        raise ValidationError("Each layer is switched on with true or off with false.")


def engine_style_slugs() -> tuple[str, ...]:
    """The styles the engine knows, in its own order."""
    from production.engine.styles import PRESETS  # imported late: the engine is heavy and optional for reads

    return tuple(PRESETS)


def validate_style_slug(value: str) -> None:
    slugs = engine_style_slugs()
    if value not in slugs:
        raise ValidationError(f"Unknown style {value!r}; the engine knows {', '.join(slugs)}.")


class StylePreset(TimeStamped):
    """An editor's adjustments to one engine style: composition and FX overrides, merged over the defaults.

    Overrides are checked against the engine's own preset builders (`preset_for`, `fx_settings_for`), so a
    typo or a value out of range is refused when saved, never discovered halfway through a batch.
    """

    style = models.SlugField(max_length=40, unique=True, validators=[validate_style_slug])
    composition_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='Composition settings to change, e.g. {"swing": 0.6}. Leave {} to use the defaults.',
    )
    fx_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='LoFi FX settings to change, e.g. {"wow_depth_ms": 1.5}. Leave {} to use the defaults.',
    )
    notes = models.TextField(blank=True, help_text="Why these settings: what the editor was listening for.")

    class Meta:
        ordering = ["style"]

    def __str__(self) -> str:
        return f"{self.style} preset"

    def clean(self) -> None:
        from production.engine.fx import fx_settings_for
        from production.engine.styles import preset_for

        errors: dict[str, list[str]] = {}
        if self.style not in engine_style_slugs():
            return  # the field validator already reports it; the builders would only repeat it
        for field_name, build in (("composition_overrides", preset_for), ("fx_overrides", fx_settings_for)):
            overrides = getattr(self, field_name)
            if not isinstance(overrides, dict):
                errors[field_name] = ["Overrides must be a JSON object of setting -> value."]
                continue
            try:
                build(self.style, overrides)
            except (ValueError, TypeError, KeyError) as error:
                errors[field_name] = [f"The engine refused these overrides: {error}"]
        if errors:
            raise ValidationError(errors)


class Batch(TimeStamped):
    """Many jobs created at once: a grid of styles x BPMs x keys x moods, or k variations of one brief."""

    class Kind(models.TextChoices):
        GRID = "grid", "Grid (every combination, N per cell)"
        VARIATIONS = "variations", "A/B variations of one brief"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GRID)
    styles = models.JSONField(default=list, help_text="Style slugs.")
    bpms = models.JSONField(default=list, help_text="BPMs.")
    keys = models.JSONField(default=list, help_text='Keys such as "A minor".')
    moods = models.JSONField(default=list, help_text="Mood slugs.")
    per_cell = models.PositiveSmallIntegerField(default=1, help_text="Grid: tracks per combination.")
    duration_s = models.FloatField()
    seed_base = models.PositiveBigIntegerField(default=0, help_text="Job n of the batch gets seed_base + n.")
    ambience = models.CharField(max_length=10, choices=AMBIENCE_CHOICES, default="none")
    layers = models.JSONField(default=dict, blank=True, validators=[validate_layers])
    artist = models.ForeignKey(
        "catalog.Artist",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: each style's default persona.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return self.name


class RenderJob(TimeStamped):
    """One brief to render. Its status and progress are written while the task runs; on success it
    points at the draft Track it made."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    title = models.CharField(max_length=200, blank=True, help_text="Empty: a title is made from the brief.")
    artist = models.ForeignKey(
        "catalog.Artist",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the style's default persona.",
    )
    # The brief (production.engine.brief.Brief), kept field by field so the cockpit can filter on it.
    style = models.SlugField(max_length=40, db_index=True, validators=[validate_style_slug])
    bpm = models.FloatField(validators=[MinValueValidator(BPM_MIN), MaxValueValidator(BPM_MAX)], verbose_name="BPM")
    key = models.CharField(max_length=12, validators=[validate_key_text], help_text='e.g. "A minor".')
    duration_s = models.FloatField(
        validators=[MinValueValidator(1), MaxValueValidator(DURATION_MAX_S)], verbose_name="duration (s)"
    )
    seed = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(SEED_MAX)], help_text="Same brief and seed give the same audio."
    )
    mood = models.SlugField(max_length=40, default="chill")
    ambience = models.CharField(max_length=10, choices=AMBIENCE_CHOICES, default="none")
    layers = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_layers],
        help_text='Parts to switch off, e.g. {"melody": false}. Parts left out play.',
    )
    target_lufs = models.FloatField(default=-14.0, validators=[MinValueValidator(-30), MaxValueValidator(-6)])
    true_peak_ceiling_db = models.FloatField(default=-1.0, validators=[MinValueValidator(-6), MaxValueValidator(0)])
    # What happened.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100, written while it runs.")
    error = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per engine stage.")
    overrides_used = models.JSONField(
        default=dict, blank=True, help_text="The style preset overrides the last run used."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the run that owns the job (run_token): a running job whose heartbeat stopped
    # has lost its worker, and is requeued by the stalled-job sweep or taken over by a redelivered task.
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    # Which worker process runs (or last ran) the job, "host:pid": with several worker hosts, where to look.
    worker = models.CharField(max_length=120, blank=True, editable=False)
    track = models.OneToOneField(
        "catalog.Track", on_delete=models.SET_NULL, null=True, blank=True, related_name="render_job"
    )
    # The render cache: the identity of this render's audio (production.engine.render_key); an identical
    # request reuses the track an earlier job made instead of rendering it again, unless forced.
    render_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    force_render = models.BooleanField(
        default=False, help_text="Render again even when an identical render is already in the catalogue."
    )
    reused_from = models.ForeignKey(
        "catalog.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The track an identical earlier render made, reused instead of rendering again.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="renderjob_progress_max_100"),
            models.CheckConstraint(
                condition=Q(bpm__gte=BPM_MIN) & Q(bpm__lte=BPM_MAX), name="renderjob_bpm_in_engine_range"
            ),
            models.CheckConstraint(condition=Q(duration_s__gt=0), name="renderjob_duration_positive"),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(progress=100), name="renderjob_succeeded_at_100"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.brief_summary}"

    @property
    def brief_summary(self) -> str:
        return f"{self.style} {self.bpm:g} BPM {self.key} {self.duration_s:g}s seed {self.seed}"

    @property
    def is_stalled(self) -> bool:
        """Running, but no heartbeat (nor start) for RENDER_HEARTBEAT_STALE_S: its worker has stopped."""
        if self.status != self.Status.RUNNING:
            return False
        last_sign = self.heartbeat_at or self.started_at
        stale_after = timedelta(seconds=float(getattr(settings, "RENDER_HEARTBEAT_STALE_S", 120)))
        return last_sign is None or last_sign < timezone.now() - stale_after

    def brief(self) -> Brief:
        """The engine brief of this job. Raises ValueError when a value is one the engine refuses."""
        return Brief(
            style=self.style,
            bpm=float(self.bpm),
            key=Key.parse(self.key),
            duration_s=float(self.duration_s),
            seed=int(self.seed),
            mood=self.mood,
            layers=dict(self.layers),
            ambience=self.ambience,
            target_lufs=float(self.target_lufs),
            true_peak_ceiling_db=float(self.true_peak_ceiling_db),
        )


# --- Catalogue intelligence: ingest, fingerprints, mood tagging, long mixes --------------------------------


class IngestUpload(TimeStamped):
    """Where an uploaded track came from: which file, through which door, sent by whom.

    One row per imported file, created with its Track. Refused files leave no row at all (nor any Track or
    stored file): their reason goes back to whoever uploaded them.
    """

    class Channel(models.TextChoices):
        ADMIN = "admin", "Cockpit upload"
        API = "api", "API"
        CLI = "cli", "import_audio command"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    track = models.OneToOneField("catalog.Track", on_delete=models.CASCADE, related_name="ingest_upload")
    original_filename = models.CharField(max_length=255)
    format = models.CharField(max_length=12, help_text="From the file's content, not its name.")
    size_bytes = models.BigIntegerField()
    # Unique: simultaneous uploads of the same bytes make one track (the others are refused, see ingest).
    sha256 = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_filename


class FingerprintHash(models.Model):
    """One landmark hash of a catalogue track (production.engine.fingerprint): a 24-bit hash of a pair of
    spectral peaks and the anchor's frame (FRAME_S = 46.4 ms each).

    The composite primary key (hash, track, offset_frame) is the only index: lookups by hash read
    track and offset from the index itself (an index-only scan on PostgreSQL), and no surrogate id is
    stored for millions of rows. A (hash, offset) pair is unique within a track by construction: a peak
    is one (frame, bin), so one anchor cannot produce the same hash twice.
    """

    pk = models.CompositePrimaryKey("hash", "track", "offset_frame")
    hash = models.IntegerField()
    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, related_name="+", db_index=False)
    offset_frame = models.IntegerField()

    class Meta:
        # Deleting a track's rows filters on track_id: without this index that is a full scan.
        indexes = [models.Index(fields=["track"], name="fingerprint_track_idx")]

    def __str__(self) -> str:
        return f"{self.hash} @ {self.offset_frame} in track {self.track_id}"


class TrackFingerprint(models.Model):
    """That a track's hashes are in the index, and what its last duplicate check found."""

    track = models.OneToOneField(
        "catalog.Track", on_delete=models.CASCADE, primary_key=True, related_name="fingerprint"
    )
    hash_count = models.PositiveIntegerField()
    duration_s = models.FloatField()
    fingerprinted_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)
    match_track = models.ForeignKey(
        "catalog.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The best matching earlier catalogue track.",
    )
    match_offset_s = models.FloatField(
        null=True, blank=True, help_text="Where this track's start lies in the matching track."
    )
    match_confidence = models.FloatField(
        null=True, blank=True, help_text="Share of this track's hashes that line up with it, 0-1."
    )

    class Meta:
        ordering = ["-fingerprinted_at"]

    def __str__(self) -> str:
        return f"Fingerprint of track {self.track_id}"


class MoodModel(TimeStamped):
    """A trained mood tagger: the weights in private storage and how well it did on held-out tracks."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    path = models.CharField(max_length=400, help_text="Weights file in private storage.")
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    labels = models.JSONField(default=list, help_text="Mood slugs, in the model's output order.")
    feature_names = models.JSONField(default=list)
    n_train = models.PositiveIntegerField(help_text="Labelled tracks it learned from.")
    n_test = models.PositiveIntegerField(help_text="Labelled tracks held out to measure it.")
    held_out_accuracy = models.FloatField(
        help_text="Share of held-out tracks whose top mood was one of the editors' moods."
    )
    confusion_matrix = models.JSONField(default=list, help_text="Rows: editors' mood; columns: predicted.")
    metrics = models.JSONField(default=dict, blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Mood model {self.created_at:%Y-%m-%d %H:%M} ({self.held_out_accuracy:.0%} held out)"


class MoodSuggestion(TimeStamped):
    """A mood the tagger proposes for a track, until an editor accepts (the track gains the mood) or
    rejects it. A decided suggestion is never proposed again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, related_name="mood_suggestions")
    mood = models.ForeignKey("catalog.Mood", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    model = models.ForeignKey(MoodModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["track_id", "-probability"]
        constraints = [
            models.UniqueConstraint(fields=["track", "mood"], name="moodsuggestion_once_per_track_and_mood"),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1), name="moodsuggestion_probability_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mood} for {self.track} ({self.probability:.0%})"


class MixRender(TimeStamped):
    """One continuous master of a long-mix release: its tracks crossfaded in order, loudness matched,
    with an optional ambience bed, and the tracklist with timestamps for descriptions."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey("catalog.Release", on_delete=models.CASCADE, related_name="mix_renders")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    crossfade_s = models.FloatField(default=8.0, validators=[MinValueValidator(0), MaxValueValidator(60)])
    target_lufs = models.FloatField(default=-14.0, validators=[MinValueValidator(-30), MaxValueValidator(-6)])
    true_peak_ceiling_db = models.FloatField(default=-1.0, validators=[MinValueValidator(-6), MaxValueValidator(0)])
    ambience = models.CharField(
        max_length=10, choices=AMBIENCE_CHOICES, default="none", help_text="A continuous bed under the whole mix."
    )
    path = models.CharField(max_length=400, blank=True, help_text="Master in private storage.")
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    tracklist = models.JSONField(
        default=list, blank=True, help_text="[{position, track_id, title, artist, start_s, timestamp}]."
    )
    duration_s = models.FloatField(null=True, blank=True)
    integrated_lufs = models.FloatField(null=True, blank=True)
    true_peak_dbtp = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Mix of {self.release} ({self.get_status_display().lower()})"
