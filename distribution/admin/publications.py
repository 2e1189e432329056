"""Cockpit screen of publications: each release's way out to one platform, its attempts, retry and cancel."""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html

from distribution import selectors, services, views
from distribution.forms import (
    PublicationUrlForm,
)
from distribution.models import (
    MetadataPlatform,
    Publication,
    PublicationAttempt,
    ReleaseMetadata,
)
from distribution.release_calendar import STATUS_TONES
from lofi_site.admin_actions import for_each_selected
from operations.admin import COCKPIT_CSS


def _status_html(publication: Publication):
    return format_html(
        '<span class="tone-{}">{}</span>',
        STATUS_TONES.get(publication.status, "none"),
        publication.status_text,
    )


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
