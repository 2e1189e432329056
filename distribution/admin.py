"""Cockpit screens of distribution, and the cockpit's release page.

catalog imports no other app, so the release page is extended here: `admin.site.unregister(Release)` and a
subclass of catalog's ReleaseAdmin adding where and when it goes out, readiness, checklists, history,
publications per platform, metadata, media previews and the workflow actions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalog.admin import ReleaseAdmin as CatalogReleaseAdmin
from catalog.models import Release
from distribution import selectors, services, views
from distribution.forms import (
    PlatformAccountForm,
    PublicationUrlForm,
    ReleaseCockpitForm,
    ReleaseMediaForm,
    ReleaseMetadataForm,
)
from distribution.models import (
    API_PLATFORMS,
    DeliveryPackage,
    MetadataPlatform,
    Platform,
    PlatformAccount,
    Publication,
    PublicationAttempt,
    QuotaUsage,
    ReleaseMedia,
    ReleaseMetadata,
)
from distribution.platforms.youtube import pacific_day
from distribution.release_calendar import STATUS_TONES
from distribution.services import delivery as delivery_services
from distribution.services import release_media as media_services
from distribution.services.youtube import account_credentials, platform_account_credentials_set
from lofi_site.admin_actions import for_each_selected
from operations.admin import COCKPIT_CSS, audit_link_html, checklist_progress_html
from production.admin import release_mix_actions


def _status_html(publication: Publication):
    return format_html(
        '<span class="tone-{}">{}</span>',
        STATUS_TONES.get(publication.status, "none"),
        publication.status_text,
    )


# --- The release page -------------------------------------------------------------------------------------

admin.site.unregister(Release)


@admin.register(Release)
class ReleaseCockpitAdmin(CatalogReleaseAdmin):
    """The catalogue's release screen with distribution: plan, readiness, publications, metadata, media."""

    form = ReleaseCockpitForm
    change_form_template = "admin/catalog/release/distribution_change_form.html"
    list_display = [*CatalogReleaseAdmin.list_display, "publication_badges"]
    readonly_fields = [
        *CatalogReleaseAdmin.readonly_fields,
        "readiness",
        "checklists",
        "history",
        "publications_block",
        "metadata_block",
        "media_block",
    ]
    fields = None
    actions = [
        "mark_ready",
        "schedule",
        "generate_metadata",
        "regenerate_metadata",
        "generate_artwork",
        "render_video",
        "build_delivery_packages",
        "return_to_draft",
        "withdraw",
        *release_mix_actions,  # long mixes: sequence the tracklist, render one master (production)
    ]
    # Shown as buttons on the release page (each posts to release_action_view).
    PAGE_ACTIONS = (
        "mark_ready",
        "schedule",
        "generate_metadata",
        "regenerate_metadata",
        "generate_artwork",
        "render_video",
        "build_delivery_packages",
        "return_to_draft",
        "withdraw",
    )

    class Media:
        css = COCKPIT_CSS

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": CatalogReleaseAdmin.fields}),
            ("Where and when", {"fields": ["platforms", "publish_at"]}),
        ]
        if obj is not None:
            fieldsets += [
                ("Readiness", {"fields": ["readiness", "checklists", "history"]}),
                ("Publications", {"fields": ["publications_block"]}),
                ("Metadata", {"fields": ["metadata_block"]}),
                ("Media", {"fields": ["media_block"]}),
            ]
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(selectors.publications_prefetch())

    def get_urls(self):
        def action(request, object_id, name):
            return views.release_action_view(request, self, object_id, name)

        return [
            path(
                "<path:object_id>/distribution/<slug:name>/",
                self.admin_site.admin_view(action),
                name="catalog_release_distribution_action",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            available = self.get_actions(request)
            context["workflow_actions"] = [
                (
                    name,
                    available[name][2],
                    reverse("admin:catalog_release_distribution_action", args=[obj.pk, name]),
                )
                for name in self.PAGE_ACTIONS
                if name in available
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.release_prepare(release=obj, actor=request.user)
        if "platforms" in form.cleaned_data:
            services.release_plan_update(
                release=obj,
                actor=request.user,
                accounts=list(form.cleaned_data["platforms"]),
                publish_at=form.cleaned_data.get("publish_at"),
            )

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    # -- read-only blocks (also what a VA sees in place of the plan's form fields) --

    @admin.display(description="Platforms")
    def platforms(self, obj: Release):
        names = [str(a) for a in selectors.release_target_accounts(obj)]
        return ", ".join(names) or "—"

    @admin.display(description="Goes public at")
    def publish_at(self, obj: Release):
        plan = selectors.release_plan(obj)
        when = (plan.publish_at if plan else None) or services.default_publish_at(obj)
        return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "—"

    @admin.display(description="Publications")
    def publication_badges(self, obj: Release):
        return (
            format_html_join(
                " ",
                '<span class="tone-{}" title="{}">{}</span>',
                (
                    (
                        STATUS_TONES.get(p.status, "none"),
                        p.status_text,
                        f"{p.account.get_platform_display()}: {p.get_status_display().lower()}",
                    )
                    for p in obj.publications.all()
                ),
            )
            or "—"
        )

    @admin.display(description="Ready?")
    def readiness(self, obj: Release):
        if obj.status != Release.Status.DRAFT:
            return f"{obj.get_status_display()}."
        blockers = selectors.release_readiness_blockers(obj)
        if not blockers:
            return format_html('<span class="tone-ok">{}</span>', "Everything is in place: mark it ready.")
        return format_html(
            '<ul class="tone-bad">{}</ul>', format_html_join("", "<li>{}</li>", ((b,) for b in blockers))
        )

    @admin.display(description="Checklists")
    def checklists(self, obj: Release):
        return checklist_progress_html(obj)

    @admin.display(description="History")
    def history(self, obj: Release):
        return audit_link_html(obj)

    @admin.display(description="Publications")
    def publications_block(self, obj: Release):
        return render_to_string(
            "distribution/release_publications.html",
            {
                "publications": selectors.release_publications(obj),
                "packages": selectors.delivery_packages_for(obj),
                "calendar_url": views.calendar_url(view="month", day=obj.release_date),
            },
        )

    @admin.display(description="Metadata")
    def metadata_block(self, obj: Release):
        rows = {m.platform: m for m in ReleaseMetadata.objects.filter(release=obj).select_related("edited_by")}
        return render_to_string(
            "distribution/release_metadata.html",
            {"rows": [(label, rows.get(value)) for value, label in MetadataPlatform.choices]},
        )

    @admin.display(description="Media")
    def media_block(self, obj: Release):
        return render_to_string("distribution/release_media.html", {"media": selectors.release_media(obj)})

    # -- actions --

    def _each(self, request, queryset, work, done: str) -> None:
        for_each_selected(self, request, queryset, work, done=done + ": {count} release(s).")

    @admin.action(description="Mark ready", permissions=["change"])
    def mark_ready(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_mark_ready(release=r, actor=request.user),
            "Marked ready",
        )

    @admin.action(description="Schedule publishing", permissions=["publish"])
    def schedule(self, request, queryset):
        self._each(request, queryset, lambda r: services.release_schedule(release=r, actor=request.user), "Scheduled")

    @admin.action(description="Generate missing metadata", permissions=["change"])
    def generate_metadata(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_metadata_generate(release=r, actor=request.user),
            "Metadata ready",
        )

    @admin.action(description="Regenerate metadata (replaces edits)", permissions=["change"])
    def regenerate_metadata(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_metadata_generate(release=r, actor=request.user, regenerate=True),
            "Metadata regenerated",
        )

    @admin.action(description="Generate new cover and thumbnails", permissions=["change"])
    def generate_artwork(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: media_services.release_artwork_request(release=r, actor=request.user),
            "Artwork queued",
        )

    @admin.action(description="Render video, preview and canvas", permissions=["change"])
    def render_video(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: media_services.release_video_request(release=r, actor=request.user),
            "Video render queued",
        )

    @admin.action(description="Build delivery packages", permissions=["change"])
    def build_delivery_packages(self, request, queryset):
        def build(release: Release) -> None:
            accounts = [a for a in selectors.release_target_accounts(release) if a.platform not in API_PLATFORMS]
            if not accounts:
                raise ValidationError("No distributor or store without an API is among its platforms.")
            for account in accounts:
                delivery_services.delivery_package_request(release=release, account=account, actor=request.user)

        self._each(request, queryset, build, "Delivery packages queued")

    @admin.action(description="Return to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_return_to_draft(release=r, actor=request.user),
            "Back to draft",
        )

    @admin.action(description="Withdraw", permissions=["publish"])
    def withdraw(self, request, queryset):
        def withdraw(release: Release) -> None:
            live = services.release_withdraw(release=release, actor=request.user)
            if live:
                self.message_user(
                    request,
                    f"{release} is still live on {', '.join(p.account.name for p in live)}: take it down there.",
                    messages.WARNING,
                )

        self._each(request, queryset, withdraw, "Withdrawn")


# --- Publications -----------------------------------------------------------------------------------------


class PublicationAttemptInline(admin.TabularInline):
    model = PublicationAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "finished_at", "outcome", "error", "detail"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Status per release and platform. VAs record the URL of manual uploads; editors retry or cancel."""

    form = PublicationUrlForm
    change_list_template = "admin/distribution/publication/change_list.html"
    list_display = [
        "release",
        "platform",
        "account",
        "status_display",
        "scheduled_at",
        "attempts",
        "external_link",
    ]
    list_filter = ["status", "account__platform", "account"]
    search_fields = ["release__title", "external_id", "account__name"]
    list_select_related = ["release__artist", "account"]
    date_hierarchy = "scheduled_at"
    inlines = [PublicationAttemptInline]
    actions = ["retry", "retry_fresh_upload", "cancel"]
    READONLY = [
        "release",
        "account",
        "status_display",
        "scheduled_at",
        "run_at",
        "external_link",
        "external_id",
        "attempts",
        "last_error",
        "published_at",
        "steps",
        "remote_state",
        "remote_checked_at",
        "manual_help",
    ]

    class Media:
        css = COCKPIT_CSS

    def get_fields(self, request, obj=None):
        return [
            "release",
            "account",
            "status_display",
            "scheduled_at",
            "run_at",
            "external_url",
            *self.READONLY[5:],
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in (Publication.Status.MANUAL, Publication.Status.FAILED):
            return self.READONLY
        return [*self.READONLY, "external_url"]

    def get_urls(self):
        return [
            path(
                "calendar/",
                self.admin_site.admin_view(lambda r: views.release_calendar_view(r, self)),
                name="distribution_publication_calendar",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False  # scheduling a release creates its publications

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled ones stay for the record

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(services.RETRY_PERMISSION)

    def save_model(self, request, obj, form, change):
        if "external_url" in form.cleaned_data:  # only manual and failed publications take a URL by hand
            services.publication_record_url(publication=obj, actor=request.user, url=form.cleaned_data["external_url"])

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calendar_url": views.calendar_url()}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Platform", ordering="account__platform")
    def platform(self, obj: Publication):
        return obj.account.get_platform_display()

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Publication):
        return _status_html(obj)

    @admin.display(description="On the platform")
    def external_link(self, obj: Publication):
        if not obj.external_url:
            return obj.external_id or "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.external_url,
            obj.external_id or obj.external_url,
        )

    @admin.display(description="How to upload it")
    def manual_help(self, obj: Publication):
        if obj.account.has_upload_api:
            return "Uploaded by the publish task."
        release = obj.release
        metadata = ReleaseMetadata.objects.filter(release=release, platform=MetadataPlatform.DISTRIBUTOR).first()
        return render_to_string(
            "distribution/manual_upload.html",
            {
                "publication": obj,
                "release": release,
                "metadata": metadata,
                "tracks": selectors.release_tracks(release),
                "packages": [p for p in selectors.delivery_packages_for(release) if p.account_id == obj.account_id],
                "release_url": reverse("admin:catalog_release_change", args=[release.pk]),
            },
        )

    def _each(self, request, queryset, work, done: str) -> None:
        objects = queryset.select_related("release", "account")
        for_each_selected(self, request, objects, work, done=done + ": {count} publication(s).")

    @admin.action(description="Retry now", permissions=["publish"])
    def retry(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: services.publication_retry(publication=p, actor=request.user),
            "Queued again",
        )

    @admin.action(description="Retry with a fresh upload (SoundCloud)", permissions=["publish"])
    def retry_fresh_upload(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: services.publication_retry(publication=p, actor=request.user, fresh_upload=True),
            "Queued again with a fresh upload",
        )

    @admin.action(description="Cancel", permissions=["publish"])
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: services.publication_cancel(publication=p, actor=request.user),
            "Cancelled",
        )


# --- Platform accounts ------------------------------------------------------------------------------------


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    """Accounts and their connection. Secrets are write-only; the page shows who it is connected as."""

    form = PlatformAccountForm
    list_display = ["name", "platform", "connected_as", "is_active", "quota_today"]
    list_filter = ["platform", "is_active"]
    search_fields = ["name", "external_account_name"]
    fields = [
        "platform",
        "name",
        "is_active",
        "daily_quota_units",
        "config",
        "client_id",
        "client_secret",
        "connection",
    ]
    readonly_fields = ["connection"]

    def get_queryset(self, request):
        today = QuotaUsage.objects.filter(account=OuterRef("pk"), day=pacific_day(timezone.now()))
        return super().get_queryset(request).annotate(_units_today=Subquery(today.values("units_used")[:1]))

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/disconnect/",
                view(lambda r, object_id: views.account_disconnect_view(r, self, object_id)),
                name="distribution_platformaccount_disconnect",
            ),
        ]
        for platform in views.PROVIDERS:
            urls += [
                path(
                    f"<path:object_id>/{platform}/connect/",
                    view(
                        lambda r, object_id, platform=platform: views.account_connect_view(r, self, object_id, platform)
                    ),
                    name=f"distribution_platformaccount_{platform}_connect",
                ),
                path(
                    f"{platform}/callback/",
                    view(lambda r, platform=platform: views.account_callback_view(r, self, platform)),
                    name=f"distribution_platformaccount_{platform}_callback",
                ),
            ]
        return [*urls, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        platform_account_credentials_set(
            account=obj,
            actor=request.user,
            values={
                "client_id": form.cleaned_data.get("client_id", ""),
                "client_secret": form.cleaned_data.get("client_secret", ""),
            },
        )

    @admin.display(description="Units spent today (Pacific)")
    def quota_today(self, obj: PlatformAccount):
        if obj.platform != Platform.YOUTUBE:
            return "—"
        return f"{obj._units_today or 0} / {obj.daily_quota_units}"

    @admin.display(description="Client id")
    def client_id(self, obj: PlatformAccount):
        return "stored" if obj.credentials_encrypted else "—"

    @admin.display(description="Client secret")
    def client_secret(self, obj: PlatformAccount):
        return "stored (never shown)" if obj.credentials_encrypted else "—"

    @admin.display(description="Connection")
    def connection(self, obj: PlatformAccount):
        if obj is None or obj.pk is None:
            return "Save the account first."
        text = obj.connected_as
        if obj.connected_at:
            text += f" since {timezone.localtime(obj.connected_at):%Y-%m-%d}"
        if obj.platform not in views.PROVIDERS:
            return text
        has_client = bool((account_credentials(obj).get("client") or {}).get("client_id"))
        if not has_client:
            return f"{text}. Enter the OAuth client id and secret, save, then connect."
        url = reverse(f"admin:distribution_platformaccount_{obj.platform}_connect", args=[obj.pk])
        label = "Connect again" if obj.external_account_name else f"Connect to {obj.get_platform_display()}"
        links = format_html('{} · <a class="button" href="{}">{}</a>', text, url, label)
        if obj.is_connected:
            # A plain POST form would nest inside the change form: the button posts through `formaction`.
            disconnect = reverse("admin:distribution_platformaccount_disconnect", args=[obj.pk])
            links = format_html(
                '{} <button type="submit" class="button" formaction="{}" formnovalidate>Disconnect</button>',
                links,
                disconnect,
            )
        return links


# --- Metadata, media, packages, quota ---------------------------------------------------------------------


@admin.register(ReleaseMetadata)
class ReleaseMetadataAdmin(admin.ModelAdmin):
    """Per-platform titles, descriptions and tags; generated from the release page, edited here."""

    form = ReleaseMetadataForm
    list_display = ["title", "release", "platform", "edited_by", "generated_at"]
    list_filter = ["platform"]
    search_fields = ["title", "release__title"]
    list_select_related = ["release", "edited_by"]
    fields = [
        "release",
        "platform",
        "title",
        "description",
        "tags",
        "chapters",
        "ai_disclosure",
        "activity",
        "generated_at",
        "edited_by",
    ]
    readonly_fields = [
        "release",
        "platform",
        "chapters",
        "ai_disclosure",
        "activity",
        "generated_at",
        "edited_by",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.release_metadata_update(
            metadata=obj, actor=request.user, title=obj.title, description=obj.description, tags=obj.tags
        )


@admin.register(ReleaseMedia)
class ReleaseMediaAdmin(admin.ModelAdmin):
    """Thumbnails (upload your own A/B pair, or pick which one YouTube gets) and the rendered videos."""

    form = ReleaseMediaForm
    list_display = ["release", "video_status", "thumbnail_choice", "thumbnail_preview", "video_rendered_at"]
    list_filter = ["video_status"]
    search_fields = ["release__title"]
    list_select_related = ["release"]
    fields = [
        "release",
        "thumbnail_a",
        "thumbnail_b",
        "thumbnail_choice",
        "previews",
        "video_status",
        "video_error",
        "video_rendered_at",
        "preview_note",
    ]
    readonly_fields = [
        "release",
        "previews",
        "video_status",
        "video_error",
        "video_rendered_at",
        "preview_note",
    ]

    class Media:
        css = COCKPIT_CSS

    def get_urls(self):
        return [
            path(
                "<path:object_id>/video/",
                self.admin_site.admin_view(lambda r, object_id: views.release_video_download_view(r, self, object_id)),
                name="distribution_releasemedia_video",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        media_services.release_media_update(media=obj, actor=request.user, changed=list(form.changed_data))

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, obj: ReleaseMedia):
        thumbnail = obj.chosen_thumbnail
        if not thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" width="96" height="54">', thumbnail.url)

    @admin.display(description="Previews")
    def previews(self, obj: ReleaseMedia):
        return render_to_string("distribution/release_media.html", {"media": obj})


@admin.register(DeliveryPackage)
class DeliveryPackageAdmin(admin.ModelAdmin):
    list_display = ["release", "account", "status", "size", "built_at", "download"]
    list_filter = ["status", "account"]
    search_fields = ["release__title", "release__upc", "message_id"]
    list_select_related = ["release", "account"]
    fields = [
        "release",
        "account",
        "status",
        "download",
        "size",
        "sha256",
        "message_id",
        "built_at",
        "error",
        "manifest",
    ]
    readonly_fields = fields
    actions = ["rebuild"]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(
                    lambda r, object_id: views.delivery_package_download_view(r, self, object_id)
                ),
                name="distribution_deliverypackage_download",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Size")
    def size(self, obj: DeliveryPackage):
        return f"{obj.size_bytes / 1_000_000:.1f} MB" if obj.size_bytes else "—"

    @admin.display(description="Download")
    def download(self, obj: DeliveryPackage):
        if obj.status != DeliveryPackage.Status.READY:
            return obj.get_status_display()
        url = reverse("admin:distribution_deliverypackage_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    @admin.action(description="Build again", permissions=["change"])
    def rebuild(self, request, queryset):
        for package in queryset.select_related("release", "account"):
            delivery_services.delivery_package_request(
                release=package.release, account=package.account, actor=request.user
            )
        self.message_user(request, "Queued.", messages.SUCCESS)


@admin.register(QuotaUsage)
class QuotaUsageAdmin(admin.ModelAdmin):
    list_display = ["account", "day", "units_used", "exhausted_at"]
    list_filter = ["account"]
    list_select_related = ["account"]
    date_hierarchy = "day"
    readonly_fields = ["account", "day", "units_used", "exhausted_at", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
