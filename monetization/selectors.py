"""Reads shared by the storefront, the cockpit and the tasks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth

from catalog.models import PITCH_CLASSES, Asset, Mood, Release, ReleaseTrack, Style, Track
from catalog.selectors import public_tracks, release_cards_public, release_list_public
from lofi_site.pagecache import catalogue_memo
from monetization.models import (
    ChannelRegistration,
    DownloadLink,
    LedgerEntry,
    Licence,
    LicenceTerms,
    LicenceTier,
    Order,
    OrderLine,
    SamplePack,
)

# Duration filter buckets for the browse page: value -> (label, min seconds, max seconds or None).
DURATION_BUCKETS = {
    "lt1": ("Under 1 minute", 0, 60),
    "1-2": ("1 to 2 minutes", 60, 120),
    "2-3": ("2 to 3 minutes", 120, 180),
    "3-5": ("3 to 5 minutes", 180, 300),
    "gt5": ("Over 5 minutes", 300, None),
}
KEY_CHOICES = [(f"{pc}:{mode}", f"{pc} {mode}") for mode in ("major", "minor") for pc in PITCH_CLASSES]
SORTS = {"new": "-created_at", "bpm": "bpm", "-bpm": "-bpm", "length": "duration_s", "title": "title"}


# What a track card or row never shows and a rendered track carries kilobytes of (the beat grid, chords,
# spectrum, the QC report): left out of list pages' rows.
CARD_DEFERRED = ("analysis", "qc_report")


def _has_master():
    return Exists(Asset.objects.filter(track=OuterRef("pk"), kind=Asset.Kind.MASTER))


def storefront_tracks() -> QuerySet[Track]:
    """Tracks the public may license: public (catalog.selectors.public_tracks: released, or offered before
    release by the editor) and with a master to deliver."""
    return public_tracks().filter(_has_master())


@dataclass(frozen=True)
class TrackSearch:
    q: str = ""
    mood: str = ""
    style: str = ""
    bpm_min: float | None = None
    bpm_max: float | None = None
    key: str = ""  # "A:minor"
    duration: str = ""  # a DURATION_BUCKETS key
    sort: str = "new"


def track_search(search: TrackSearch) -> QuerySet[Track]:
    """Storefront tracks matching every filter given; unknown filter values are ignored, not errors."""
    qs = storefront_tracks()
    if search.q:
        mood_match = Track.moods.through.objects.filter(track_id=OuterRef("pk"), mood__name__icontains=search.q)
        qs = qs.filter(
            Q(title__icontains=search.q)
            | Q(artist__name__icontains=search.q)
            | Q(style__name__icontains=search.q)
            | Exists(mood_match)
        )
    if search.mood:
        qs = qs.filter(Exists(Track.moods.through.objects.filter(track_id=OuterRef("pk"), mood__slug=search.mood)))
    if search.style:
        qs = qs.filter(style__slug=search.style)
    if search.bpm_min is not None:
        qs = qs.filter(bpm__gte=search.bpm_min)
    if search.bpm_max is not None:
        qs = qs.filter(bpm__lte=search.bpm_max)
    if search.key and ":" in search.key:
        tonic, mode = search.key.split(":", 1)
        if tonic in PITCH_CLASSES and mode in ("major", "minor"):
            qs = qs.filter(key=tonic, mode=mode)
    if search.duration in DURATION_BUCKETS:
        _, low, high = DURATION_BUCKETS[search.duration]
        qs = qs.filter(duration_s__gte=low)
        if high is not None:
            qs = qs.filter(duration_s__lt=high)
    return qs.order_by(SORTS.get(search.sort, "-created_at"), "pk").defer(*CARD_DEFERRED)


def newest_tracks(limit: int) -> list[Track]:
    """The newest storefront tracks, as cards (the home page's list)."""
    return list(storefront_tracks().order_by("-created_at").defer(*CARD_DEFERRED)[:limit])


def storefront_track(uuid) -> Track | None:
    return storefront_tracks().filter(uuid=uuid).first()


def featured_releases(limit: int = 6) -> list[Release]:
    """Published releases, newest first, that have at least one track buyers can license."""
    licensable = ReleaseTrack.objects.filter(release_id=OuterRef("pk"), track__in=storefront_tracks().values("pk"))
    return list(release_cards_public().filter(Exists(licensable))[:limit])


def public_release(slug: str) -> Release | None:
    return release_list_public().filter(slug=slug).first()


def public_release_by_uuid(uuid) -> Release | None:
    return release_list_public().filter(uuid=uuid).first()


def artist_releases(artist) -> list[Release]:
    """An artist's releases that are out, newest first."""
    return list(release_list_public().filter(artist=artist))


def track_cover_releases(tracks) -> dict[int, Release]:
    """{track id: the release whose cover a track card shows}: its first release that is out and has artwork,
    else its first release with artwork (tracks offered before release show their coming release's cover)."""
    ids = [t.pk for t in tracks]
    links = (
        ReleaseTrack.objects.filter(track_id__in=ids)
        .exclude(release__artwork="")
        .select_related("release")
        .order_by("release__release_date", "release_id")
    )
    chosen: dict[int, Release] = {}
    for link in links:
        current = chosen.get(link.track_id)
        out = link.release.status == Release.Status.PUBLISHED
        if current is None or (out and current.status != Release.Status.PUBLISHED):
            chosen[link.track_id] = link.release
    return chosen


def moods_with_tracks() -> list[Mood]:
    """Moods at least one storefront track carries (chips for empty moods lead nowhere). Every storefront page
    asks, so it is read once per catalogue version (lofi_site.pagecache.catalogue_memo)."""

    def read() -> list[Mood]:
        used = Track.moods.through.objects.filter(mood_id=OuterRef("pk"), track__in=storefront_tracks().values("pk"))
        return list(Mood.objects.filter(Exists(used)))

    return catalogue_memo("moods_with_tracks", read)


def search_suggestions(limit: int = 3) -> list[str]:
    """Words to suggest in the search box that return results: the most used moods and styles on sale (read
    once per catalogue version, like moods_with_tracks)."""
    return catalogue_memo(f"search_suggestions:{limit}", lambda: _search_suggestions(limit))


def _search_suggestions(limit: int) -> list[str]:
    on_sale = storefront_tracks().values("pk")
    moods = Mood.objects.filter(tracks__in=on_sale).annotate(n=Count("tracks", distinct=True)).order_by("-n", "name")
    styles = Style.objects.filter(tracks__in=on_sale).annotate(n=Count("tracks", distinct=True)).order_by("-n", "name")
    words: list[str] = []
    for name in [*(m.name for m in moods[:limit]), *(s.name for s in styles[:limit])]:
        if name.lower() not in words:
            words.append(name.lower())
    return words[:limit]


def track_tiers() -> QuerySet[LicenceTier]:
    """Active track licence tiers with their terms versions (for `current_terms()` without more queries)."""
    return LicenceTier.objects.filter(scope=LicenceTier.Scope.TRACK, is_active=True).prefetch_related("terms_versions")


def all_public_tiers() -> QuerySet[LicenceTier]:
    return LicenceTier.objects.filter(is_active=True).prefetch_related("terms_versions")


def packs_on_sale() -> QuerySet[SamplePack]:
    return (
        SamplePack.objects.filter(is_published=True, status=SamplePack.Status.READY)
        .exclude(archive_path="")
        .select_related("tier")
        .annotate(item_count=Count("items"))
    )


def pack_on_sale(slug: str) -> SamplePack | None:
    return (
        packs_on_sale()
        .prefetch_related(
            "items",
            "tier__terms_versions",
            Prefetch("tracks", queryset=Track.objects.select_related("artist")),
        )
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class CartLine:
    """One purchasable thing, priced from the database (the browser only ever names what it wants)."""

    key: str
    track: Track | None
    pack: SamplePack | None
    tier: LicenceTier
    terms: LicenceTerms
    description: str
    unit_amount_minor: int
    currency: str


def cart_lines(keys: list[str]) -> tuple[list[CartLine], list[str]]:
    """Price cart keys ("t:<track uuid>:<tier slug>", "p:<pack uuid>"). Returns (lines, keys no longer for
    sale): a track withdrawn or a tier retired since it was added drops out rather than being sold."""
    track_keys = [k.split(":") for k in keys if k.startswith("t:") and k.count(":") == 2]
    pack_keys = [k.split(":")[1] for k in keys if k.startswith("p:") and k.count(":") == 1]
    tracks = {str(t.uuid): t for t in storefront_tracks().filter(uuid__in=_valid_uuids(u for _, u, _ in track_keys))}
    tiers = {t.slug: t for t in track_tiers()}
    packs = {
        str(p.uuid): p
        for p in packs_on_sale()
        .prefetch_related("tier__terms_versions")
        .filter(uuid__in=_valid_uuids(pack_keys), tier__is_active=True)
    }
    lines, dropped = [], []
    for key in keys:
        line = None
        parts = key.split(":")
        if parts[0] == "t" and len(parts) == 3 and parts[1] in tracks and parts[2] in tiers:
            track, tier = tracks[parts[1]], tiers[parts[2]]
            terms = tier.current_terms()
            if terms is not None:
                line = CartLine(
                    key,
                    track,
                    None,
                    tier,
                    terms,
                    f"{tier.name} licence — {track.title} by {track.artist.name}",
                    tier.price_minor,
                    tier.currency,
                )
        elif parts[0] == "p" and len(parts) == 2 and parts[1] in packs:
            pack = packs[parts[1]]
            terms = pack.tier.current_terms()
            if terms is not None:
                line = CartLine(
                    key,
                    None,
                    pack,
                    pack.tier,
                    terms,
                    f"Sample pack — {pack.title}",
                    pack.price_minor,
                    pack.currency,
                )
        if line is None:
            dropped.append(key)
        else:
            lines.append(line)
    return lines, dropped


def _valid_uuids(values) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except (ValueError, TypeError):
            continue
    return valid


def order_by_session(session_id: str) -> Order | None:
    return (
        Order.objects.filter(stripe_session_id=session_id)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("tier", "pack", "track__artist")))
        .first()
    )


def orders_for_email(email: str) -> QuerySet[Order]:
    """Paid (or since refunded) orders of a buyer, with everything the "my downloads" page shows."""
    licences = Licence.objects.select_related("tier", "terms", "track__artist", "pack").prefetch_related(
        "channels",
        Prefetch("download_links", queryset=_files_first(DownloadLink.objects.filter(disabled_at__isnull=True))),
    )
    lines = OrderLine.objects.select_related("tier").prefetch_related(Prefetch("licence", queryset=licences))
    return (
        Order.objects.filter(email__iexact=email.strip(), status__in=Order.PAID_STATUSES)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-paid_at")
    )


def buyer_licence(*, uuid, email: str) -> Licence | None:
    """A licence of the buyer signed in to "my downloads" by `email`; None for anyone else's (or no address)."""
    if not email:
        return None
    return Licence.objects.select_related("tier").filter(uuid=uuid, licensee_email__iexact=email).first()


def buyer_channel_registration(*, pk: int, email: str) -> ChannelRegistration | None:
    """A channel registered under one of the signed-in buyer's licences; None for anyone else's."""
    if not email:
        return None
    return (
        ChannelRegistration.objects.select_related("licence")
        .filter(pk=pk, licence__licensee_email__iexact=email)
        .first()
    )


def download_link_with_licence(link_uuid) -> DownloadLink | None:
    """A download link with what its page shows (licence, track and artist, pack, tier); None when unknown."""
    if not link_uuid:
        return None
    return (
        DownloadLink.objects.select_related("licence__track__artist", "licence__pack", "licence__tier")
        .filter(uuid=link_uuid)
        .first()
    )


def licence_for_verification(code: str) -> Licence | None:
    return Licence.objects.select_related("tier", "terms", "track__artist", "pack").filter(code=code).first()


def order_with_licences(order_pk: int) -> Order:
    return Order.objects.prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related(
                "tier",
                "pack",
                "track__artist",
                "licence__tier",
                "licence__terms",
                "licence__track__artist",
                "licence__pack",
            ),
        )
    ).get(pk=order_pk)


def active_download_links(licence: Licence) -> QuerySet[DownloadLink]:
    return _files_first(licence.download_links.filter(disabled_at__isnull=True))


def _files_first(links: QuerySet[DownloadLink]) -> QuerySet[DownloadLink]:
    """The music (master or pack) before its certificate, as buyers look for it."""
    certificate_last = Case(When(kind=DownloadLink.Kind.CERTIFICATE, then=Value(1)), default=Value(0))
    return links.order_by(certificate_last, "kind", "-created_at")


def track_primary_release(track: Track) -> Release | None:
    """The release a track's money is reported under: its earliest published release, else its first one."""
    return primary_releases([track.pk]).get(track.pk)


def primary_releases(track_ids: list[int]) -> dict[int, Release]:
    """`track_primary_release` for many tracks in one query: {track id: release}."""
    links = ReleaseTrack.objects.filter(track_id__in=track_ids).select_related("release")
    chosen: dict[int, Release] = {}

    def rank(release: Release) -> tuple:
        return (release.status != Release.Status.PUBLISHED, release.release_date or dt.date.max, release.pk)

    for link in links:
        current = chosen.get(link.track_id)
        if current is None or rank(link.release) < rank(current):
            chosen[link.track_id] = link.release
    return chosen


def active_channel_allowlist() -> list[dict]:
    """Distinct channel ids covered by at least one valid licence, for the Content ID allow list."""
    rows = (
        ChannelRegistration.objects.filter(licence__status=Licence.Status.ACTIVE)
        .select_related("licence__tier")
        .order_by("channel_id", "created_at")
    )
    by_channel: dict[str, dict] = {}
    for reg in rows:
        entry = by_channel.setdefault(
            reg.channel_id,
            {"channel_id": reg.channel_id, "licence_codes": [], "tiers": set(), "since": reg.created_at},
        )
        entry["licence_codes"].append(reg.licence.code)
        entry["tiers"].add(reg.licence.tier.name)
    return [{**e, "tiers": sorted(e["tiers"])} for e in by_channel.values()]


# --- Revenue ledger --------------------------------------------------------------------------------------

REPORT_GROUPS = {"track": "By track", "release": "By release", "source": "By source"}


def ledger_month_report(*, month: dt.date, group_by: str) -> list[dict]:
    """Net money per track, release or source for one calendar month, split by kind and currency.

    Returns rows {"name", "currency", "sale", "refund", "royalty", "net", "units"} (minor units), sorted by
    net descending. By track, sample-pack sales get a row per pack. Entries that belong to no track or
    release (an unmatched ISRC, a pack) share a "(none)" row, so the rows always add up to the month's total.
    """
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    fields = {"track": ["track", "pack", "isrc"], "release": ["release"], "source": ["source"]}[group_by]
    qs = (
        LedgerEntry.objects.filter(booked_on__gte=start, booked_on__lt=end)
        .values(*fields, "currency", "kind")
        .annotate(total=Sum("amount_minor"), units=Sum("units"))
    )
    rows = list(qs)
    names = _group_names(group_by, rows)
    table: dict[tuple, dict] = {}
    for row in rows:
        group = _group_key(group_by, row)
        entry = table.setdefault(
            (group, row["currency"]),
            {
                "key": group,
                "name": names.get(group, "(none)"),
                "currency": row["currency"],
                "sale": 0,
                "refund": 0,
                "royalty": 0,
                "net": 0,
                "units": 0,
            },
        )
        entry[row["kind"]] += row["total"] or 0
        entry["net"] += row["total"] or 0
        entry["units"] += row["units"] or 0
    return sorted(table.values(), key=lambda e: (e["currency"], -e["net"], e["name"]))


def _group_key(group_by: str, row: dict):
    if group_by == "track":
        if row["track"]:
            return ("track", row["track"])
        if row["pack"]:
            return ("pack", row["pack"])
        return ("isrc", row["isrc"]) if row["isrc"] else None
    return row[group_by]


def _group_names(group_by: str, rows: list[dict]) -> dict:
    if group_by == "track":
        keys = {_group_key(group_by, row) for row in rows} - {None}
        track_ids = [k[1] for k in keys if k[0] == "track"]
        pack_ids = [k[1] for k in keys if k[0] == "pack"]
        names = {
            ("track", t.pk): f"{t.title} — {t.artist.name}" + (f" ({t.isrc})" if t.isrc else "")
            for t in Track.objects.filter(pk__in=track_ids).select_related("artist")
        }
        names.update({("pack", p.pk): f"Sample pack: {p.title}" for p in SamplePack.objects.filter(pk__in=pack_ids)})
        names.update({k: f"Unmatched ISRC {k[1]}" for k in keys if k[0] == "isrc"})
        return names
    if group_by == "release":
        ids = {row["release"] for row in rows} - {None}
        return {
            r.pk: f"{r.title} — {r.artist.name}" for r in Release.objects.filter(pk__in=ids).select_related("artist")
        }
    return dict(LedgerEntry.Source.choices)


def ledger_months() -> list[dt.date]:
    """Months that have entries, newest first (for the report's month picker)."""
    months = (
        LedgerEntry.objects.annotate(month=TruncMonth("booked_on"))
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")
    )
    return [m if isinstance(m, dt.date) else m.date() for m in months if m]


def storefront_revenue(*, start: dt.date, end: dt.date) -> dict[str, int]:
    """Net storefront money (sales minus refunds) booked in [start, end), per currency."""
    rows = (
        LedgerEntry.objects.filter(source=LedgerEntry.Source.STOREFRONT, booked_on__gte=start, booked_on__lt=end)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
    )
    totals: defaultdict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["currency"]] += row["total"] or 0
    return dict(totals)


def revenue_by_source(*, start: dt.date, end: dt.date) -> list[dict]:
    """Net money booked in [start, end) per source and currency: rows {"source", "label", "currency",
    "amount_minor"}, by source then currency. Currencies are never added together."""
    labels = dict(LedgerEntry.Source.choices)
    rows = (
        LedgerEntry.objects.filter(booked_on__gte=start, booked_on__lt=end)
        .values("source", "currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("source", "currency")
    )
    return [
        {
            "source": row["source"],
            "label": str(labels.get(row["source"], row["source"])),
            "currency": row["currency"],
            "amount_minor": int(row["total"] or 0),
        }
        for row in rows
    ]
