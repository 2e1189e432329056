"""Cockpit screen for hand-made social posts of releases.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from community import services
from community.models import SocialPost
from lofi_site.admin_actions import for_each_selected, refusal_text
from operations.admin import audit_link_html, checklist_progress_html


class SocialPostForm(forms.ModelForm):
    record_posted_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Record the posted URL",
        help_text="Paste the public link once the post is live: the post then counts as published.",
    )

    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username"),
        required=False,
        label="Assign to",
        help_text="Who posts it by hand: the steps land in their My work, due at the scheduled time.",
    )

    class Meta:
        model = SocialPost
        fields = ["release", "platform", "scheduled_at"]


@admin.register(SocialPost)
class SocialPostAdmin(admin.ModelAdmin):
    """Posts a VA makes by hand: the clip and the copy-ready caption are here, the steps in the attached
    "Social post" checklist; the VA records the URL when it is live."""

    form = SocialPostForm
    list_display = ["release", "platform", "scheduled_at", "status", "posted_link"]
    list_filter = ["status", "platform"]
    list_select_related = ["release"]
    search_fields = ["release__title", "caption"]
    autocomplete_fields = ["release"]
    date_hierarchy = "scheduled_at"
    actions = ["cancel"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["release", "platform", "scheduled_at", "assignee"]
        return [
            "release",
            "platform",
            "scheduled_at",
            "status",
            "caption_copy",
            "clip_link",
            "record_posted_url",
            "posted_link",
            "posted_by",
            "posted_at",
            "checklists",
            "history",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "release",
            "platform",
            "scheduled_at",
            "status",
            "caption_copy",
            "clip_link",
            "posted_link",
            "posted_by",
            "posted_at",
            "checklists",
            "history",
        ]

    @admin.display(description="Caption (copy it as it is)")
    def caption_copy(self, obj):
        return format_html('<textarea readonly rows="8" cols="80" onclick="this.select()">{}</textarea>', obj.caption)

    @admin.display(description="Vertical clip")
    def clip_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a class="button" href="{}">Download the clip</a>',
            reverse("admin:community_socialpost_clip", args=[obj.pk]),
        )

    @admin.display(description="Posted at")
    def posted_link(self, obj):
        if not obj.posted_url:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.posted_url, obj.posted_url)

    @admin.display(description="Checklist")
    def checklists(self, obj):
        return checklist_progress_html(obj)

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                saved = services.social_post_schedule(
                    release=obj.release,
                    platform=obj.platform,
                    scheduled_at=obj.scheduled_at,
                    actor=request.user,
                    assignee=form.cleaned_data.get("assignee"),
                )
                obj.pk = saved.pk
            elif form.cleaned_data.get("record_posted_url"):
                services.social_post_record_url(
                    post=obj, actor=request.user, url=form.cleaned_data["record_posted_url"]
                )
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # no relations edited here; the service saved everything

    def get_urls(self):
        return [
            path("<int:pk>/clip/", self.admin_site.admin_view(self.clip_view), name="community_socialpost_clip"),
            *super().get_urls(),
        ]

    def clip_view(self, request, pk):
        """The release's vertical preview clip as a download, for the VA to upload by hand."""
        post = get_object_or_404(SocialPost.objects.select_related("release"), pk=pk)
        if not self.has_view_or_change_permission(request, post):
            raise PermissionDenied
        media = getattr(post.release, "media", None)
        clip = media.preview_clip if media is not None else None
        if not clip:
            raise Http404("This release has no vertical preview clip yet: render its video first.")
        name = clip.name.rsplit("/", 1)[-1]
        return FileResponse(
            clip.storage.open(clip.name, "rb"),
            as_attachment=True,
            filename=f"{post.release.title}-{post.platform}-{name}",
        )

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request, queryset):
        for_each_selected(
            self, request, queryset, lambda post: services.social_post_cancel(post=post, actor=request.user)
        )
