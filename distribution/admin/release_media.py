"""Cockpit screens of a release's per-platform metadata and its media (cover, thumbnails, video, clips)."""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import path
from django.utils.html import format_html

from distribution import services, views
from distribution.forms import (
    ReleaseMediaForm,
    ReleaseMetadataForm,
)
from distribution.models import (
    ReleaseMedia,
    ReleaseMetadata,
)
from distribution.services import release_media as media_services
from operations.admin import COCKPIT_CSS


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
