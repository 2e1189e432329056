"""What the storefront sells: licence tiers with their published terms, and sample packs."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from lofi_site.admin_actions import for_each_selected
from monetization import services
from monetization.admin.common import ReadOnlyInline
from monetization.forms import LicenceTierForm
from monetization.models import LicenceTerms, LicenceTier, SamplePack, SamplePackItem


class LicenceTermsInline(ReadOnlyInline):
    model = LicenceTerms
    fields = ["version", "published_at", "excerpt"]
    readonly_fields = fields
    verbose_name_plural = "Terms versions (licences keep the version they were sold under)"

    @admin.display(description="Text")
    def excerpt(self, obj: LicenceTerms):
        return obj.text[:160] + ("…" if len(obj.text) > 160 else "")


@admin.register(LicenceTier)
class LicenceTierAdmin(admin.ModelAdmin):
    form = LicenceTierForm
    list_display = ["name", "scope", "price", "max_channels", "is_active", "position", "terms_version"]
    list_filter = ["scope", "is_active"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LicenceTermsInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "scope", "is_active", "position"]}),
        (
            "Price",
            {
                "fields": ["price_minor", "currency"],
                "description": "In minor units: 2900 is 29.00. Used for track licences; sample packs carry "
                "their own price.",
            },
        ),
        ("Plain-language summary", {"fields": ["summary", "permits", "excludes", "max_channels"]}),
        ("Legal terms", {"fields": ["terms_text"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("terms_versions")

    @admin.display(description="Price", ordering="price_minor")
    def price(self, obj: LicenceTier):
        return obj.price_display if obj.scope == LicenceTier.Scope.TRACK else "per pack"

    @admin.display(description="Terms")
    def terms_version(self, obj: LicenceTier):
        current = obj.current_terms()
        return f"v{current.version}" if current else "—"

    def save_model(self, request, obj, form, change):
        services.licence_tier_save(tier=obj, terms_text=form.cleaned_data.get("terms_text", ""), actor=request.user)


class SamplePackItemInline(ReadOnlyInline):
    model = SamplePackItem
    fields = ["filename", "kind", "instrument", "bpm", "key", "duration_s", "size_bytes"]
    readonly_fields = fields
    verbose_name_plural = "Contents of the last build"


@admin.register(SamplePack)
class SamplePackAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "status", "is_published", "price", "file_count", "built_at"]
    list_filter = ["status", "is_published"]
    search_fields = ["title", "code", "slug"]
    list_select_related = ["tier"]
    autocomplete_fields = ["tracks", "tier"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "build_error", "built_at", "archive_size_bytes", "archive_download", "demo_player"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "code", "description", "is_published"]}),
        (
            "Source material",
            {
                "fields": ["tracks", "loop_bars"],
                "description": "Loops, one-shots and MIDI are cut from these tracks' stems, MIDI and "
                "master. Use the “Build” action after changing them.",
            },
        ),
        ("Sale", {"fields": ["tier", "price_minor", "currency"]}),
        (
            "Build",
            {"fields": ["status", "build_error", "built_at", "archive_size_bytes", "archive_download", "demo_player"]},
        ),
    ]
    inlines = [SamplePackItemInline]
    actions = ["build"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description="Price", ordering="price_minor")
    def price(self, obj: SamplePack):
        return obj.price_display

    @admin.display(description="Files", ordering="n_items")
    def file_count(self, obj: SamplePack):
        return obj.n_items

    @admin.display(description="Zip")
    def archive_download(self, obj: SamplePack):
        # Staff check a build here, or download it to use as the newsletter's free pack (community's lead magnet).
        if not obj.pk or obj.status != SamplePack.Status.READY or not obj.archive_path:
            return "—"
        url = reverse("admin:monetization_samplepack_archive", args=[obj.pk])
        return format_html('<a class="button" href="{}">Download {}</a>', url, obj.archive_filename)

    def get_urls(self):
        view = self.admin_site.admin_view(self.archive_view)
        return [path("<int:pk>/archive/", view, name="monetization_samplepack_archive"), *super().get_urls()]

    def archive_view(self, request, pk):
        """The built zip from private storage, for staff who may view sample packs."""
        pack = SamplePack.objects.filter(pk=pk).first()
        if pack is None or not self.has_view_or_change_permission(request, pack):
            raise PermissionDenied
        if pack.status != SamplePack.Status.READY or not pack.archive_path:
            raise Http404("This pack has not been built.")
        return FileResponse(
            storages["private"].open(pack.archive_path, "rb"), as_attachment=True, filename=pack.archive_filename
        )

    @admin.display(description="Demo")
    def demo_player(self, obj: SamplePack):
        if not obj.demo_url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', obj.demo_url)

    def save_model(self, request, obj, form, change):
        services.sample_pack_save(pack=obj, actor=request.user)

    @admin.action(description="Build the selected packs (in the background)", permissions=["change"])
    def build(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda pack: services.sample_pack_request_build(pack=pack, actor=request.user),
            done="{count} pack(s) queued; refresh to follow their status.",
        )
