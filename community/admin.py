"""Cockpit screens for community: the comment inbox and replies, commenters, reply templates, track requests,
the newsletter (subscribers, lead magnet, campaigns and deliveries), social posts and the analytics page.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from community import cockpit, selectors, services
from community.models import (
    Campaign,
    CampaignDelivery,
    Comment,
    Commenter,
    CommentSyncState,
    LeadMagnet,
    Reply,
    ReplyTemplate,
    SocialPost,
    Subscriber,
    TrackRequest,
    VideoStatsSnapshot,
)
from operations.admin import audit_link_html, checklist_progress_html

COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}


def _errors(error: ValidationError | PermissionDenied) -> str:
    return "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by tasks: staff read them, nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Comments ---------------------------------------------------------------------------------------------


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
        return _short(obj.text)

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
                    _short(r.text, 120),
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
        return _short(obj.last_error) or "—"


# --- Replies ----------------------------------------------------------------------------------------------


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Reply
        fields = ["comment", "template", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The add form has every field; on a saved reply comment and template are read-only, and so is the
        # text once posted or rejected.
        if "template" in self.fields:
            self.fields["template"].queryset = ReplyTemplate.objects.filter(is_active=True)
        if "text" in self.fields and not self.instance.pk:
            self.fields["text"].required = False
            self.fields["text"].help_text = "Leave empty to start from the template, filled in for this comment."

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not (data.get("text") or "").strip() and not data.get("template"):
            raise ValidationError("Write a reply or pick a template.")
        return data


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    """VAs draft (and edit drafts); editors approve, which queues posting. Editing approved text sends the
    reply back to draft."""

    form = ReplyForm
    list_display = ["comment_short", "text_short", "status", "drafted_by", "approved_by", "posted_at"]
    list_filter = ["status"]
    list_select_related = ["comment", "drafted_by", "approved_by"]
    search_fields = ["text", "comment__text", "comment__author_name"]
    raw_id_fields = ["comment"]
    actions = ["approve", "reject"]
    readonly_fields = [
        "status",
        "comment_text",
        "drafted_by",
        "approved_by",
        "approved_at",
        "approved_text",
        "posted_at",
        "youtube_comment_id",
        "error",
        "history",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["comment", "template", "text"]
        # The comment's text sits next to the comment; the rest of the record follows as readonly_fields lists it.
        return [
            "comment",
            "comment_text",
            "template",
            "text",
            *(name for name in self.readonly_fields if name != "comment_text"),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        locked = obj.status in (Reply.Status.POSTING, Reply.Status.POSTED, Reply.Status.REJECTED)
        return ["comment", "template", *(["text"] if locked else []), *self.readonly_fields]

    def get_changeform_initial_data(self, request):
        return {"comment": request.GET.get("comment")}

    @admin.display(description="Comment")
    def comment_short(self, obj):
        return _short(str(obj.comment), 70)

    @admin.display(description="Reply")
    def text_short(self, obj):
        return _short(obj.text)

    @admin.display(description="Comment text")
    def comment_text(self, obj):
        return obj.comment.text

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = services.reply_update(reply=obj, actor=request.user, text=form.cleaned_data["text"])
            else:
                saved = services.reply_draft(
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                    text=form.cleaned_data.get("text") or "",
                    template=form.cleaned_data.get("template"),
                )
        except ValidationError as error:
            self.message_user(request, _errors(error), messages.ERROR)
            saved = obj if obj.pk else None
        if saved is not None:
            obj.pk = saved.pk
            obj.refresh_from_db()

    def has_approve_permission(self, request):
        return request.user.has_perm(services.APPROVE_REPLY_PERMISSION)

    @admin.action(description="Approve and post on YouTube", permissions=["approve"])
    def approve(self, request, queryset):
        done = 0
        for reply in queryset:
            try:
                services.reply_approve(reply=reply, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{reply}: {_errors(error)}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} repl{'y' if done == 1 else 'ies'} approved; posting is queued.")

    @admin.action(description="Reject", permissions=["approve"])
    def reject(self, request, queryset):
        for reply in queryset:
            try:
                services.reply_reject(reply=reply, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{reply}: {_errors(error)}", messages.ERROR)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "body_short", "is_active", "use_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "body"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_uses=Count("replies"))

    @admin.display(description="Text")
    def body_short(self, obj):
        return _short(obj.body)

    @admin.display(description="Used", ordering="_uses")
    def use_count(self, obj):
        return obj._uses


# --- Track requests -----------------------------------------------------------------------------------------


@admin.register(TrackRequest)
class TrackRequestAdmin(admin.ModelAdmin):
    """Requests from the public form. "Make a render brief" creates the production render job in one click."""

    list_display = ["__str__", "votes", "status", "note_short", "render_job_link", "track", "created_at"]
    list_filter = ["status", "mood", "activity", "tempo_feel"]
    list_select_related = ["render_job", "track"]
    search_fields = ["note"]
    raw_id_fields = ["track", "release"]
    actions = ["make_brief", "mark_rendered", "mark_released"]
    readonly_fields = ["votes", "status", "render_job_link", "released_notified_at", "created_at", "history"]

    def has_add_permission(self, request):
        return False  # requests come from listeners

    def get_fields(self, request, obj=None):
        fields = [
            "mood",
            "activity",
            "tempo_feel",
            "note",
            "email",
            "status",
            "votes",
            "render_job_link",
            "track",
            "release",
            "released_notified_at",
            "created_at",
            "history",
        ]
        # The requester's address is personal data: only those who handle subscribers' addresses see it.
        return fields if request.user.has_perm("community.view_subscriber") else [f for f in fields if f != "email"]

    @admin.display(description="Note")
    def note_short(self, obj):
        return _short(obj.note, 60) or "—"

    @admin.display(description="Render job")
    def render_job_link(self, obj):
        if not obj.render_job_id:
            return "—"
        return format_html(
            '<a href="{}">#{} {}</a>',
            reverse("admin:production_renderjob_change", args=[obj.render_job_id]),
            obj.render_job_id,
            obj.render_job.get_status_display(),
        )

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def has_brief_permission(self, request):
        return all(request.user.has_perm(p) for p in services.PLAN_REQUEST_PERMISSIONS)

    @admin.action(description="Make a render brief", permissions=["brief"])
    def make_brief(self, request, queryset):
        for track_request in queryset:
            try:
                job = services.track_request_plan(track_request=track_request, actor=request.user)
                self.message_user(
                    request,
                    format_html(
                        '{}: render job <a href="{}">#{}</a> ({}).',
                        track_request,
                        reverse("admin:production_renderjob_change", args=[job.pk]),
                        job.pk,
                        job.brief_summary,
                    ),
                )
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{track_request}: {_errors(error)}", messages.ERROR)

    def _advance(self, request, queryset, status):
        for track_request in queryset:
            try:
                services.track_request_advance(track_request=track_request, status=status, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{track_request}: {_errors(error)}", messages.ERROR)

    @admin.action(description="Mark rendered", permissions=["change"])
    def mark_rendered(self, request, queryset):
        self._advance(request, queryset, TrackRequest.Status.RENDERED)

    @admin.action(description="Mark released (e-mails the requester)", permissions=["change"])
    def mark_released(self, request, queryset):
        self._advance(request, queryset, TrackRequest.Status.RELEASED)

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


# --- Newsletter -------------------------------------------------------------------------------------------


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Addresses are only added by double opt-in on the public form, never typed in here."""

    list_display = ["email", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    actions = ["unsubscribe"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Unsubscribe", permissions=["change"])
    def unsubscribe(self, request, queryset):
        for subscriber in queryset:
            services.subscriber_unsubscribe(subscriber=subscriber)
        self.message_user(request, f"{queryset.count()} address(es) unsubscribed.")


class LeadMagnetForm(forms.ModelForm):
    upload = forms.FileField(
        label="Zip",
        required=False,
        help_text="The zip subscribers download, e.g. a built sample pack's zip (its page under Sample packs "
        "has a download button); on an existing lead magnet, a new upload replaces the current zip. Kept in "
        "private storage; confirmed subscribers get a signed link that expires.",
    )

    class Meta:
        model = LeadMagnet
        fields = ["headline", "is_active"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None and not self.instance.archive_path:
            raise ValidationError("Upload the zip subscribers will download.")
        if upload is not None:
            services.lead_magnet_upload_check(upload)
        return upload


@admin.register(LeadMagnet)
class LeadMagnetAdmin(admin.ModelAdmin):
    """The free pack new subscribers download after confirming. Upload its zip; one lead magnet is active."""

    form = LeadMagnetForm
    list_display = ["headline", "file", "size", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["file", "size", "history"]

    def get_fields(self, request, obj=None):
        return ["headline", "upload", "is_active"] + (["file", "size", "history"] if obj else [])

    @admin.display(description="Current zip", ordering="archive_name")
    def file(self, obj):
        return obj.archive_name or "—"

    @admin.display(description="Size", ordering="archive_size_bytes")
    def size(self, obj):
        return filesizeformat(obj.archive_size_bytes) if obj.archive_path else "—"

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        services.lead_magnet_save(magnet=obj, actor=request.user, upload=form.cleaned_data.get("upload"))


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Campaigns are written here and sent with the "Send" action (editors); sending runs in the background in
    batches and each recipient's outcome is listed under Campaign deliveries."""

    list_display = [
        "subject",
        "status",
        "sent_count",
        "failed_count",
        "pending_count",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["subject"]
    actions = ["send", "retry_failed"]
    readonly_fields = [
        "status",
        "created_by",
        "sent_by",
        "started_at",
        "finished_at",
        "deliveries_link",
        "history",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _sent=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.SENT)),
                _failed=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.FAILED)),
                _pending=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.PENDING)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return [
                "subject",
                "text_body",
                "html_body",
                *self.readonly_fields,
            ]  # what went out stays as it was
        return self.readonly_fields

    @admin.display(description="Sent", ordering="_sent")
    def sent_count(self, obj):
        return obj._sent

    @admin.display(description="Failed", ordering="_failed")
    def failed_count(self, obj):
        return obj._failed

    @admin.display(description="Pending", ordering="_pending")
    def pending_count(self, obj):
        return obj._pending

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:community_campaigndelivery_changelist") + f"?campaign__id__exact={obj.pk}"
        return format_html('<a href="{}">Every recipient and outcome</a>', url)

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_send_permission(self, request):
        return request.user.has_perm(services.SEND_CAMPAIGN_PERMISSION)

    @admin.action(description="Send to every confirmed subscriber", permissions=["send"])
    def send(self, request, queryset):
        for campaign in queryset:
            try:
                services.campaign_send(campaign=campaign, actor=request.user)
                self.message_user(request, f"'{campaign}' is being sent in the background.")
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{campaign}: {_errors(error)}", messages.ERROR)

    @admin.action(description="Retry failed deliveries", permissions=["send"])
    def retry_failed(self, request, queryset):
        for campaign in queryset:
            count = services.campaign_retry_failed(campaign=campaign, actor=request.user)
            self.message_user(request, f"'{campaign}': {count} failed deliveries queued again.")


@admin.register(CampaignDelivery)
class CampaignDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "subscriber", "status", "sent_at", "error_short"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "subscriber"]
    search_fields = ["subscriber__email"]

    @admin.display(description="Error")
    def error_short(self, obj):
        return _short(obj.error) or "—"


# --- Social posts -----------------------------------------------------------------------------------------


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
            self.message_user(request, _errors(error), messages.ERROR)

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
        for post in queryset:
            try:
                services.social_post_cancel(post=post, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{post}: {_errors(error)}", messages.ERROR)


# --- Statistics and the analytics page --------------------------------------------------------------------


@admin.register(VideoStatsSnapshot)
class VideoStatsSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["day", "publication", "views", "likes", "comments"]
    list_select_related = ["publication__release", "publication__account"]
    list_filter = ["day"]
    date_hierarchy = "day"

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "analytics_url": reverse("admin:community_analytics")}
        return super().changelist_view(request, extra)

    def get_urls(self):
        return [
            path("analytics/", self.admin_site.admin_view(self.analytics_view), name="community_analytics"),
            *super().get_urls(),
        ]

    def analytics_view(self, request):
        """Views per release over time, top tracks, the charts other apps add (revenue per source, for who may
        see the ledger) and best upload times, drawn as SVG on the server."""
        analytics = cockpit.analytics_for(request, days=request.GET.get("days"))
        if analytics is None:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Analytics",
            "analytics": analytics,
            "periods": cockpit.PERIODS_DAYS,
            "opts": self.model._meta,
            "superfans": selectors.superfans(),
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/community/analytics.html", context)
