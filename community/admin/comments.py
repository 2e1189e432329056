"""Cockpit screens for YouTube comments: the comment inbox, commenters and the sync state per video.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from community import services
from community.admin.common import ReadOnlyAdmin, shorten
from community.models import Comment, Commenter, CommentSyncState


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The comment inbox. VAs triage with the actions; replies are drafted from the comment's page."""

    list_display = [
        "author_name",
        "text_short",
        "video",
        "sentiment_display",
        "flags_display",
        "status",
        "published_at",
    ]
    list_filter = [
        "status",
        "sentiment_label",
        "is_spam",
        "is_abusive",
        "commenter__is_superfan",
        "publication__account",
    ]
    list_select_related = ["publication__release", "publication__account", "commenter"]
    search_fields = ["text", "author_name"]
    date_hierarchy = "published_at"
    actions = ["mark_needs_reply", "mark_ignored", "mark_escalated", "mark_new"]
    fields = [
        "author_name",
        "commenter",
        "video",
        "text",
        "published_at",
        "like_count",
        "reply_count",
        "sentiment",
        "sentiment_label",
        "is_spam",
        "is_abusive",
        "flags",
        "status",
        "triaged_by",
        "triaged_at",
        "replies_display",
    ]
    readonly_fields = [f for f in fields if f != "status"]

    def has_add_permission(self, request):
        return False  # comments come from YouTube

    def has_delete_permission(self, request, obj=None):
        return False  # marking "ignored" keeps the sync from bringing it back unseen

    @admin.display(description="Comment")
    def text_short(self, obj):
        return shorten(obj.text)

    @admin.display(description="Video", ordering="publication__release__title")
    def video(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.publication.external_url or "#",
            obj.publication.release.title,
        )

    @admin.display(description="Sentiment", ordering="sentiment")
    def sentiment_display(self, obj):
        tone = {"positive": "ok", "negative": "bad"}.get(obj.sentiment_label, "")
        return format_html(
            '<span class="tone-{}">{} ({})</span>',
            tone,
            obj.get_sentiment_label_display(),
            f"{obj.sentiment:+.2f}",
        )

    @admin.display(description="Flags")
    def flags_display(self, obj):
        marks = [
            label
            for on, label in (
                (obj.is_spam, "spam"),
                (obj.is_abusive, "abuse"),
                (obj.commenter.is_superfan, "superfan"),
            )
            if on
        ]
        return ", ".join(marks) or "—"

    @admin.display(description="Replies")
    def replies_display(self, obj):
        rows = format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>: {}',
            (
                (
                    reverse("admin:community_reply_change", args=[r.pk]),
                    r.get_status_display(),
                    shorten(r.text, 120),
                )
                for r in obj.replies.all()
            ),
        )
        draft = reverse("admin:community_reply_add") + f"?comment={obj.pk}"
        return format_html('{}<p><a class="button" href="{}">Draft a reply</a></p>', rows, draft)

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            services.comment_triage(comment=obj, status=obj.status, actor=request.user)

    def _triage(self, request, queryset, status):
        for comment in queryset:
            services.comment_triage(comment=comment, status=status, actor=request.user)
        self.message_user(request, f"{queryset.count()} comment(s) marked {Comment.Status(status).label.lower()}.")

    @admin.action(description="Mark: needs a reply", permissions=["change"])
    def mark_needs_reply(self, request, queryset):
        self._triage(request, queryset, Comment.Status.NEEDS_REPLY)

    @admin.action(description="Mark: ignored", permissions=["change"])
    def mark_ignored(self, request, queryset):
        self._triage(request, queryset, Comment.Status.IGNORED)

    @admin.action(description="Mark: escalate to an editor", permissions=["change"])
    def mark_escalated(self, request, queryset):
        self._triage(request, queryset, Comment.Status.ESCALATED)

    @admin.action(description="Mark: new", permissions=["change"])
    def mark_new(self, request, queryset):
        self._triage(request, queryset, Comment.Status.NEW)


@admin.register(Commenter)
class CommenterAdmin(ReadOnlyAdmin):
    list_display = [
        "display_name",
        "comment_count",
        "positive_count",
        "positive_videos",
        "is_superfan",
        "last_comment_at",
    ]
    list_filter = ["is_superfan"]
    search_fields = ["display_name", "channel_id"]


@admin.register(CommentSyncState)
class CommentSyncStateAdmin(ReadOnlyAdmin):
    list_display = ["publication", "newest_published_at", "last_synced_at", "pages_read", "error_short"]
    list_select_related = ["publication__release", "publication__account"]

    @admin.display(description="Last error")
    def error_short(self, obj):
        return shorten(obj.last_error) or "—"
