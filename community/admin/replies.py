"""Cockpit screens for replies to comments and the reply templates.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from community import services
from community.admin.common import shorten
from community.models import Reply, ReplyTemplate
from lofi_site.admin_actions import for_each_selected, refusal_text
from operations.admin import audit_link_html


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
        return shorten(str(obj.comment), 70)

    @admin.display(description="Reply")
    def text_short(self, obj):
        return shorten(obj.text)

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
            self.message_user(request, refusal_text(error), messages.ERROR)
            saved = obj if obj.pk else None
        if saved is not None:
            obj.pk = saved.pk
            obj.refresh_from_db()

    def has_approve_permission(self, request):
        return request.user.has_perm(services.APPROVE_REPLY_PERMISSION)

    @admin.action(description="Approve and post on YouTube", permissions=["approve"])
    def approve(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda reply: services.reply_approve(reply=reply, actor=request.user),
            done=lambda count: f"{count} repl{'y' if count == 1 else 'ies'} approved; posting is queued.",
        )

    @admin.action(description="Reject", permissions=["approve"])
    def reject(self, request, queryset):
        for_each_selected(self, request, queryset, lambda reply: services.reply_reject(reply=reply, actor=request.user))


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "body_short", "is_active", "use_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "body"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_uses=Count("replies"))

    @admin.display(description="Text")
    def body_short(self, obj):
        return shorten(obj.body)

    @admin.display(description="Used", ordering="_uses")
    def use_count(self, obj):
        return obj._uses
