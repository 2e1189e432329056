"""Cockpit screens for the catalogue, and the one way other apps add to them.

catalog imports no other app, yet production (analysis, approval, the editor's ear) and distribution (plan,
publications, media) add sections, actions and pages to the Track and Release screens. They do it in one way,
as dashboard panels are added with `@panel`: a mixin in the app's admin module, decorated

    from catalog.admin import catalog_page_extension

    @catalog_page_extension(Track, order=20)
    class TrackIntelligenceAdminMixin:
        ...

The registered page is rebuilt as `type(name, (*mixins, CatalogAdmin), {})` each time one is added: mixins in
`order` (ties: registration order), the highest outermost. Mixins cooperate through `super()`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from catalog import services
from catalog.forms import ReleaseAdminForm, TrackAdminForm
from catalog.models import Artist, Asset, Mood, Release, ReleaseTrack, Style, Track
from lofi_site.admin_actions import for_each_selected


class BpmRangeFilter(admin.SimpleListFilter):
    title = "BPM range"
    parameter_name = "bpm_range"
    RANGES = {"lt70": (0, 70), "70-80": (70, 80), "80-90": (80, 90), "90-100": (90, 100), "gte100": (100, 1000)}

    def lookups(self, request, model_admin):
        return [
            ("lt70", "under 70"),
            ("70-80", "70-79"),
            ("80-90", "80-89"),
            ("90-100", "90-99"),
            ("gte100", "100 and over"),
        ]

    def queryset(self, request, queryset):
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            return queryset.filter(bpm__gte=low, bpm__lt=high)
        return queryset


def audio_player(asset: Asset | None):
    if asset is None or not asset.url:
        return "—"
    return format_html('<audio class="cockpit-player" controls preload="none" src="{}"></audio>', asset.url)


def waveform_image(asset: Asset | None):
    if asset is None or not asset.url:
        return "—"
    return format_html('<img class="cockpit-waveform" src="{}" alt="Waveform">', asset.url)


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "label",
        "storage",
        "path",
        "format",
        "sample_rate",
        "bit_depth",
        "channels",
        "size_bytes",
        "sha256",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # files arrive through renders and ingest, which record size and hash


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    form = TrackAdminForm
    list_display = [
        "title",
        "artist",
        "style",
        "status",
        "bpm_display",
        "key_display",
        "camelot",
        "duration_display",
        "qc_badge",
        "duplicate_verdict",
        "preview_player",
    ]
    list_filter = [
        "status",
        "source",
        "style",
        "moods",
        "key",
        "mode",
        BpmRangeFilter,
        "qc_passed",
        "duplicate_verdict",
        "is_ai_generated",
    ]
    search_fields = ["title", "isrc", "artist__name"]
    list_select_related = ["artist", "style"]
    autocomplete_fields = ["artist", "style", "moods", "duplicate_of"]
    readonly_fields = [
        "uuid",
        "status",
        "source",
        "camelot",
        "preview_player",
        "waveform",
        "qc_summary",
        "integrated_lufs",
        "true_peak_dbtp",
        "loudness_range_lu",
        "duration_s",
        "energy",
        "analysis",
        "qc_passed",
        "qc_report",
        "duplicate_verdict",
        "duplicate_of",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "artist",
                    "style",
                    "moods",
                    "status",
                    "source",
                    "is_ai_generated",
                    "isrc",
                    "licensable_before_release",
                ]
            },
        ),
        ("Listen", {"fields": ["preview_player", "waveform"]}),
        ("Musical facts", {"fields": ["bpm", "key", "mode", "camelot", "duration_s", "energy"]}),
        (
            "Loudness and QC",
            {
                "fields": [
                    "qc_summary",
                    "integrated_lufs",
                    "true_peak_dbtp",
                    "loudness_range_lu",
                    "qc_passed",
                    "duplicate_verdict",
                    "duplicate_of",
                ]
            },
        ),
        (
            "Raw reports",
            {"classes": ["collapse"], "fields": ["analysis", "qc_report", "uuid", "created_at", "updated_at"]},
        ),
    ]
    inlines = [AssetInline]
    actions = ["approve", "assign_isrc", "archive"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assets")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("catalog.approve_track")

    @admin.display(description="BPM", ordering="bpm")
    def bpm_display(self, obj: Track):
        return f"{obj.bpm:.0f}" if obj.bpm else "—"

    @admin.display(description="Key", ordering="key")
    def key_display(self, obj: Track):
        return obj.key_display or "—"

    @admin.display(description="Camelot")
    def camelot(self, obj: Track):
        return obj.camelot_code or "—"

    @admin.display(description="Length", ordering="duration_s")
    def duration_display(self, obj: Track):
        if not obj.duration_s:
            return "—"
        minutes, seconds = divmod(round(obj.duration_s), 60)
        return f"{minutes}:{seconds:02d}"

    @admin.display(description="QC")
    def qc_badge(self, obj: Track):
        if obj.qc_passed is None:
            return "—"
        if obj.qc_passed:
            return format_html('<span class="{}">{}</span>', "tone-ok", "passed")
        reasons = "; ".join(obj.qc_report.get("failures", []))
        return format_html('<span class="tone-bad" title="{}">failed</span>', reasons)

    @admin.display(description="QC")
    def qc_summary(self, obj: Track):
        blockers = obj.approval_blockers()
        if not blockers:
            return format_html('<span class="{}">{}</span>', "tone-ok", "Ready to approve.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((b,) for b in blockers)))

    @admin.display(description="Preview")
    def preview_player(self, obj: Track):
        return audio_player(obj.asset(Asset.Kind.PREVIEW))

    @admin.display(description="Waveform")
    def waveform(self, obj: Track):
        return waveform_image(obj.asset(Asset.Kind.WAVEFORM))

    @admin.action(description="Approve selected tracks", permissions=["approve"])
    def approve(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda track: services.track_approve(track=track, actor=request.user),
            done="Approved {count} track(s).",
        )

    @admin.action(description="Assign ISRCs", permissions=["change"])
    def assign_isrc(self, request, queryset):
        codes = [services.track_assign_isrc(track=track) for track in queryset]
        self.message_user(request, f"{len(codes)} track(s) carry an ISRC.", messages.SUCCESS)

    # Archiving takes a track off sale: the editor's decision (approve permission), never a VA's metadata edit.
    @admin.action(description="Archive selected tracks", permissions=["approve"])
    def archive(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda track: services.track_archive(track=track, actor=request.user),
            done="Archived {count} track(s).",
        )


class ReleaseTrackInline(admin.TabularInline):
    model = ReleaseTrack
    extra = 0
    ordering = ["position"]
    autocomplete_fields = ["track"]
    fields = ["position", "track"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    form = ReleaseAdminForm
    list_display = ["title", "artist", "kind", "status", "release_date", "upc", "track_count", "artwork_thumb"]
    list_filter = ["status", "kind", "release_date"]
    search_fields = ["title", "upc", "catalogue_number", "artist__name"]
    list_select_related = ["artist"]
    autocomplete_fields = ["artist"]
    date_hierarchy = "release_date"
    readonly_fields = ["uuid", "status", "artwork_preview"]
    fields = [
        "title",
        "slug",
        "artist",
        "kind",
        "status",
        "release_date",
        "upc",
        "catalogue_number",
        "genre",
        "p_line",
        "c_line",
        "artwork",
        "artwork_preview",
        "uuid",
    ]
    inlines = [ReleaseTrackInline]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering: restate it so pages and autocomplete stay stable.
        return (
            super()
            .get_queryset(request)
            .annotate(_track_count=Count("release_tracks"))
            .order_by(*Release._meta.ordering)
        )

    @admin.display(description="Tracks", ordering="_track_count")
    def track_count(self, obj: Release):
        return obj._track_count

    @admin.display(description="Artwork")
    def artwork_thumb(self, obj: Release):
        if not obj.artwork:
            return "—"
        return format_html('<img src="{}" alt="" width="48" height="48">', obj.artwork.url)

    @admin.display(description="Artwork preview")
    def artwork_preview(self, obj: Release):
        if not obj.artwork:
            return "No artwork yet."
        return format_html('<img class="cockpit-artwork" src="{}" alt="Cover of {}">', obj.artwork.url, obj.title)


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "is_persona", "track_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_track_count=Count("tracks")).order_by("name")

    @admin.display(description="Tracks", ordering="_track_count")
    def track_count(self, obj):
        return obj._track_count


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Mood)
class MoodAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# --- Extension point: other apps' additions to the Track and Release pages ---------------------------------------

_EXTENDABLE: dict[type[models.Model], type[admin.ModelAdmin]] = {Track: TrackAdmin, Release: ReleaseAdmin}
_EXTENSIONS: dict[type[models.Model], list[tuple[int, int, type]]] = {model: [] for model in _EXTENDABLE}


def catalog_page_extension(model: type[models.Model], *, order: int = 100) -> Callable[[type], type]:
    """Class decorator: add the mixin to `model`'s catalogue page (Track or Release) on the default admin site.

    Idempotent per mixin (a module imported twice adds it once). The page's class keeps the catalogue admin's
    name, so templates and URLs do not change. Decorate at import time of the app's admin module: admin
    autodiscovery imports them all before the URLconf loads, and the cockpit's URLs serve the pages registered
    then."""
    if model not in _EXTENDABLE:
        raise ValueError(f"The catalogue has no extendable page for {model.__name__}.")

    def register(mixin: type) -> type:
        if all(existing is not mixin for _, _, existing in _EXTENSIONS[model]):
            _EXTENSIONS[model].append((order, len(_EXTENSIONS[model]), mixin))
            catalog_page_rebuild(model)
        return mixin

    return register


def catalog_page_rebuild(model: type[models.Model], site: admin.AdminSite | None = None) -> type[admin.ModelAdmin]:
    """Register `model`'s page again with every extension added so far; returns the class now registered."""
    site = site or admin.site
    base = _EXTENDABLE[model]
    mixins = [mixin for _, _, mixin in sorted(_EXTENSIONS[model], key=lambda entry: entry[:2], reverse=True)]
    page = type(base.__name__, (*mixins, base), {"__module__": base.__module__, "__doc__": base.__doc__})
    if site.is_registered(model):
        site.unregister(model)
    site.register(model, page)
    return page
