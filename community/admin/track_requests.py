"""Cockpit screen for listeners' track requests.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from community import services
from community.admin.common import shorten
from community.models import TrackRequest
from lofi_site.admin_actions import for_each_selected, refusal_text
from operations.admin import audit_link_html


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
        return shorten(obj.note, 60) or "—"

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
        for_each_selected(
            self,
            request,
            queryset,
            lambda track_request: services.track_request_plan(track_request=track_request, actor=request.user),
            each_done=lambda track_request, job: format_html(
                '{}: render job <a href="{}">#{}</a> ({}).',
                track_request,
                reverse("admin:production_renderjob_change", args=[job.pk]),
                job.pk,
                job.brief_summary,
            ),
        )

    def _advance(self, request, queryset, status):
        for_each_selected(
            self,
            request,
            queryset,
            lambda track_request: services.track_request_advance(
                track_request=track_request, status=status, actor=request.user
            ),
        )

    @admin.action(description="Mark rendered", permissions=["change"])
    def mark_rendered(self, request, queryset):
        self._advance(request, queryset, TrackRequest.Status.RENDERED)

    @admin.action(description="Mark released (e-mails the requester)", permissions=["change"])
    def mark_released(self, request, queryset):
        self._advance(request, queryset, TrackRequest.Status.RELEASED)

    def save_model(self, request, obj, form, change):
        # The form validated the values; the service saves them with an audit event (the workflow fields are
        # read-only here and move through the actions).
        editable = services.TRACK_REQUEST_EDITABLE
        edited = {name: form.cleaned_data[name] for name in form.changed_data if name in editable}
        try:
            services.track_request_update(track_request=obj, actor=request.user, **edited)
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
