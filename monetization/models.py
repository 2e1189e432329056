"""Sales: what the storefront sells (licence tiers, sample packs), what was sold (orders, licences, downloads)
and the money that came in (the revenue ledger)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Release, Track
from lofi_site.db import TimeStamped
from monetization.engine.money import CURRENCY_CHOICES, format_money

# Licence codes avoid characters people confuse when reading them aloud or off paper: 0/O, 1/I/L, U/V.
LICENCE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LICENCE_CODE_PREFIX = "LOFI"
LICENCE_CODE_RE = re.compile(rf"^{LICENCE_CODE_PREFIX}-[{LICENCE_CODE_ALPHABET}]{{4}}-[{LICENCE_CODE_ALPHABET}]{{4}}$")
YOUTUBE_CHANNEL_ID_RE = re.compile(r"^UC[A-Za-z0-9_-]{22}$")

validate_channel_id = RegexValidator(
    YOUTUBE_CHANNEL_ID_RE,
    "A YouTube channel id starts with UC followed by 22 letters, digits, '-' or '_' "
    "(YouTube Studio > Settings > Channel > Advanced settings).",
)
validate_currency = RegexValidator(r"^[a-z]{3}$", "Use a lower-case ISO 4217 code such as usd or eur.")


class LicenceTier(TimeStamped):
    """One way to license a track (Personal, Creator, ...) or the terms sample packs are sold under.

    Price and plain-language summary live here; the legal text lives in versioned `LicenceTerms`, so a
    licence keeps the terms it was sold under when the text changes later.
    """

    class Scope(models.TextChoices):
        TRACK = "track", "Track licence"
        PACK = "pack", "Sample pack licence"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.TRACK)
    summary = models.CharField(max_length=240, help_text="One plain sentence: who this licence is for.")
    permits = models.TextField(blank=True, help_text="What the buyer may do, one point per line.")
    excludes = models.TextField(blank=True, help_text="What the buyer may not do, one point per line.")
    price_minor = models.PositiveIntegerField(
        default=0,
        verbose_name="price (minor units)",
        help_text="Price per track in cents (2900 = 29.00). Sample packs carry their own price.",
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="usd", validators=[validate_currency])
    max_channels = models.PositiveSmallIntegerField(
        default=0, help_text="YouTube channels a buyer may register for Content ID allow-listing."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the storefront.")
    is_active = models.BooleanField(default=True, help_text="Offered on the storefront.")

    class Meta:
        ordering = ["scope", "position", "price_minor"]

    def __str__(self) -> str:
        return self.name

    @property
    def price_display(self) -> str:
        return format_money(self.price_minor, self.currency)

    @property
    def licence_name(self) -> str:
        """ "Creator licence"; a tier already named "... licence" is not doubled ("Sample pack licence")."""
        return self.name if self.name.lower().endswith(("licence", "license")) else f"{self.name} licence"

    def permits_list(self) -> list[str]:
        return [line.strip() for line in self.permits.splitlines() if line.strip()]

    def excludes_list(self) -> list[str]:
        return [line.strip() for line in self.excludes.splitlines() if line.strip()]

    def current_terms(self) -> LicenceTerms | None:
        """The newest terms version, using prefetched `terms_versions` when present."""
        return max(self.terms_versions.all(), key=lambda t: t.version, default=None)


class LicenceTerms(models.Model):
    """One version of a tier's licence text. Never edited: a change publishes a new version."""

    tier = models.ForeignKey(LicenceTier, on_delete=models.PROTECT, related_name="terms_versions")
    version = models.PositiveIntegerField()
    text = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tier_id", "-version"]
        verbose_name = "licence terms version"
        verbose_name_plural = "licence terms versions"
        constraints = [models.UniqueConstraint(fields=["tier", "version"], name="licenceterms_one_per_version")]

    def __str__(self) -> str:
        return f"{self.tier.name} terms v{self.version}"


class SamplePack(TimeStamped):
    """A zip of loops, one-shots and MIDI cut from catalogue tracks, built by a background task."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Not built yet"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Build failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    code = models.CharField(
        max_length=12,
        validators=[RegexValidator(r"^[A-Z0-9]+$", "Capital letters and digits only.")],
        help_text="The PACK part of file names, e.g. DUSK in LL_DUSK_82_keys_loop-01_Amin.wav.",
    )
    description = models.TextField(blank=True)
    tracks = models.ManyToManyField(
        Track,
        related_name="sample_packs",
        help_text="Catalogue tracks whose stems, MIDI and master the pack is cut from.",
    )
    tier = models.ForeignKey(
        LicenceTier,
        on_delete=models.PROTECT,
        related_name="sample_packs",
        limit_choices_to={"scope": LicenceTier.Scope.PACK},
        help_text="The licence terms the pack is sold under.",
    )
    price_minor = models.PositiveIntegerField(verbose_name="price (minor units)", help_text="In cents: 1900 = 19.00.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="usd", validators=[validate_currency])
    loop_bars = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1)], help_text="Length of each loop in bars of 4/4."
    )
    is_published = models.BooleanField(default=False, help_text="Shown and sold on the storefront once built.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    build_error = models.TextField(blank=True, editable=False)
    built_at = models.DateTimeField(null=True, blank=True, editable=False)
    archive_path = models.CharField(max_length=400, blank=True, editable=False)
    archive_size_bytes = models.BigIntegerField(default=0, editable=False)
    demo_path = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_on_sale(self) -> bool:
        return self.is_published and self.status == self.Status.READY and bool(self.archive_path)

    @property
    def price_display(self) -> str:
        return format_money(self.price_minor, self.currency)

    @property
    def demo_url(self) -> str:
        return storages["default"].url(self.demo_path) if self.demo_path else ""

    @property
    def archive_filename(self) -> str:
        return f"{self.slug}.zip"


class SamplePackItem(models.Model):
    """One file inside a built pack; the pack page lists these."""

    class Kind(models.TextChoices):
        LOOP = "loop", "Loop"
        ONE_SHOT = "one_shot", "One-shot"
        MIDI = "midi", "MIDI"
        DOCUMENT = "document", "Document"

    pack = models.ForeignKey(SamplePack, on_delete=models.CASCADE, related_name="items")
    filename = models.CharField(max_length=300, help_text="Path inside the zip.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    instrument = models.CharField(max_length=40, blank=True)
    bpm = models.FloatField(null=True, blank=True)
    key = models.CharField(max_length=8, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    source_track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["pack_id", "kind", "filename"]
        constraints = [models.UniqueConstraint(fields=["pack", "filename"], name="samplepackitem_unique_name")]

    def __str__(self) -> str:
        return self.filename

    @property
    def basename(self) -> str:
        return self.filename.rsplit("/", 1)[-1]


class Order(TimeStamped):
    """A checkout: priced from the database when it was created, paid (or not) through Stripe."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"
        EXPIRED = "expired", "Checkout expired"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"

    PAID_STATUSES = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(db_index=True)
    licensee_name = models.CharField(max_length=200, help_text="Person or company the licences are issued to.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    total_minor = models.PositiveIntegerField()
    amount_refunded_minor = models.PositiveIntegerField(default=0)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    refund_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Order {self.reference}"

    @property
    def reference(self) -> str:
        return self.uuid.hex[:8].upper()

    @property
    def total_display(self) -> str:
        return format_money(self.total_minor, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.status in self.PAID_STATUSES


class OrderLine(models.Model):
    """One thing bought: a track under a tier, or a sample pack. Prices are copied from the database at
    checkout."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pack = models.ForeignKey(SamplePack, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tier = models.ForeignKey(LicenceTier, on_delete=models.PROTECT, related_name="+")
    terms = models.ForeignKey(
        LicenceTerms,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The terms version in force at checkout.",
    )
    description = models.CharField(max_length=300)
    unit_amount_minor = models.PositiveIntegerField()

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(track__isnull=False) & Q(pack__isnull=True))
                | (Q(track__isnull=True) & Q(pack__isnull=False)),
                name="orderline_track_xor_pack",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Licence(TimeStamped):
    """The right a buyer bought, under the exact terms version of the sale; verifiable by its code."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Valid"
        REVOKED = "revoked", "Revoked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=14, unique=True)
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="licence")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, null=True, blank=True, related_name="licences")
    pack = models.ForeignKey(SamplePack, on_delete=models.PROTECT, null=True, blank=True, related_name="licences")
    tier = models.ForeignKey(LicenceTier, on_delete=models.PROTECT, related_name="licences")
    terms = models.ForeignKey(LicenceTerms, on_delete=models.PROTECT, related_name="licences")
    licensee_name = models.CharField(max_length=200)
    licensee_email = models.EmailField(db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    certificate_path = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(track__isnull=False) & Q(pack__isnull=True))
                | (Q(track__isnull=True) & Q(pack__isnull=False)),
                name="licence_track_xor_pack",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def subject_title(self) -> str:
        """What is licensed, for people: "Rainy Window — Mello Persona" or "Sample pack: Dusk Keys"."""
        if self.track_id:
            return f"{self.track.title} — {self.track.artist.name}"
        return f"Sample pack: {self.pack.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("monetization:licence_verify", args=[self.code])


class ChannelRegistration(TimeStamped):
    """A YouTube channel a licence covers: exported for the Content ID allow list so videos aren't claimed."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="channels")
    channel_id = models.CharField(
        max_length=24, validators=[validate_channel_id], db_index=True, verbose_name="YouTube channel id"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["licence", "channel_id"], name="channel_once_per_licence")]

    def __str__(self) -> str:
        return self.channel_id


class DownloadLink(TimeStamped):
    """A signed, expiring, count-limited right to fetch one file of a licence."""

    class Kind(models.TextChoices):
        MASTER = "master", "Master (WAV)"
        PACK = "pack", "Sample pack (ZIP)"
        CERTIFICATE = "certificate", "Licence certificate (PDF)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="download_links")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveSmallIntegerField()
    download_count = models.PositiveSmallIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="Set when replaced or refunded.")
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["licence_id", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(download_count__lte=models.F("max_downloads")),
                name="downloadlink_count_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.licence_id}"

    @property
    def downloads_left(self) -> int:
        return max(self.max_downloads - self.download_count, 0)

    def refusal(self, now=None) -> str:
        """Why this link cannot be used now, in words for the buyer; empty when it can."""
        now = now or timezone.now()
        if self.disabled_at is not None:
            return "This link has been replaced or withdrawn."
        if self.licence.status != Licence.Status.ACTIVE:
            return "The licence for this file has been revoked."
        if self.expires_at <= now:
            return "This link has expired."
        if self.download_count >= self.max_downloads:
            return f"This link has been used {self.max_downloads} times, its limit."
        return ""


class StripeEvent(models.Model):
    """Every Stripe webhook event we accepted, by id: a replay finds its row and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class StatementImport(TimeStamped):
    """A platform revenue report (YouTube, distributor) imported into the ledger; a file imports once."""

    class Source(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        DISTRIBUTOR = "distributor", "Distributor"

    source = models.CharField(max_length=12, choices=Source.choices)
    period = models.DateField(help_text="First day of the month the report covers, when rows carry no month.")
    currency = models.CharField(
        max_length=3,
        choices=CURRENCY_CHOICES,
        default="usd",
        validators=[validate_currency],
        help_text="Used when the report has no currency column.",
    )
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=400)
    sha256 = models.CharField(max_length=64, unique=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_matched = models.PositiveIntegerField(default=0)
    rows_unmatched = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    unmatched_isrcs = models.JSONField(default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.period:%Y-%m} ({self.file_name})"


class LedgerEntry(TimeStamped):
    """One movement of money: a storefront sale or refund, or a platform's royalties for an ISRC and month."""

    class Source(models.TextChoices):
        STOREFRONT = "storefront", "Storefront"
        YOUTUBE = "youtube", "YouTube"
        DISTRIBUTOR = "distributor", "Distributor"

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        REFUND = "refund", "Refund"
        ROYALTY = "royalty", "Platform royalties"

    booked_on = models.DateField(db_index=True, help_text="The day (or month, for statements) the money belongs to.")
    source = models.CharField(max_length=12, choices=Source.choices, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount_minor = models.BigIntegerField(help_text="Signed, in minor units: refunds are negative.")
    currency = models.CharField(max_length=3, validators=[validate_currency])
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    pack = models.ForeignKey(SamplePack, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    isrc = models.CharField(max_length=12, blank=True, db_index=True, verbose_name="ISRC")
    units = models.BigIntegerField(null=True, blank=True, help_text="Views, streams or downloads, when reported.")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries")
    statement = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    description = models.CharField(max_length=300)
    external_ref = models.CharField(max_length=255, help_text="What makes the entry unique at its source.")

    class Meta:
        ordering = ["-booked_on", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["booked_on", "source"])]
        permissions = [("export_ledger", "Can export the revenue ledger and reports")]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], name="ledger_entry_once_per_source_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.get_kind_display()} {self.amount_display}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.currency)

    def clean(self) -> None:
        if self.kind == self.Kind.REFUND and self.amount_minor > 0:
            raise ValidationError({"amount_minor": "A refund is recorded as a negative amount."})
