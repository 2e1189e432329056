"""The Track page's Approve button (next to the preview, not only a list action), its QC report as checks,
and the list's preview players moved next to the titles, where they are on screen. Approval goes through
production.services.track_review, which keeps the render batch's "Listen and approve" checklist in step."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from catalog.admin import catalog_page_extension
from catalog.models import Track
from production.admin.qc_display import qc_checks_html
from production.services.track_review import track_approve_reviewed


@catalog_page_extension(Track, order=10)
class TrackApprovalAdminMixin:
    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(require_POST(self.approve_view)),
                name="catalog_track_approve",
            )
        ]
        return [*urls, *super().get_urls()]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "preview_player" in columns and "title" in columns:  # on screen, beside the title it plays
            columns.remove("preview_player")
            columns.insert(columns.index("title") + 1, "preview_player")
        return columns

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # Only for those who may approve: a VA's page offers no button that would answer 403.
        if obj is not None and obj.status == obj.Status.DRAFT and request.user.has_perm("catalog.approve_track"):
            fieldsets.insert(0, ("Approval", {"fields": ["approval"]}))
        if obj is not None:
            # QC as checks with their values; the raw JSON stays in the collapsed "Raw reports" section.
            index = next((i for i, (name, _) in enumerate(fieldsets) if name == "Raw reports"), len(fieldsets))
            fieldsets.insert(index, ("QC checks", {"fields": ["qc_checks"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "approval", "qc_checks"]

    @admin.display(description="Checks")
    def qc_checks(self, obj):
        return qc_checks_html(obj.qc_report if obj is not None else {})

    @admin.display(description="Approval")
    def approval(self, obj):
        if obj is None or obj.pk is None or obj.status != obj.Status.DRAFT:
            return "—"
        blockers = obj.approval_blockers()
        if blockers:
            return format_html(
                '<ul class="tone-bad">{}</ul>', format_html_join("", "<li>{}</li>", ((b,) for b in blockers))
            )
        url = reverse("admin:catalog_track_approve", args=[obj.pk])
        # The change page is one form: the button posts it to the approve URL (with its CSRF token).
        return format_html(
            '<button type="submit" class="button default" formaction="{}" formnovalidate>Approve this track</button>'
            ' <span class="help">Listened to it? Approving makes it available for releases.</span>',
            url,
        )

    def approve_view(self, request, object_id):
        if not request.user.has_perm("catalog.approve_track"):
            raise PermissionDenied
        track = get_object_or_404(self.model, pk=object_id)
        try:
            track_approve_reviewed(track=track, user=request.user)
            self.message_user(request, f"“{track}” is approved.", messages.SUCCESS)
        except ValidationError as error:
            self.message_user(request, f"{track}: {' '.join(error.messages)}", messages.ERROR)
        return redirect(reverse("admin:catalog_track_change", args=[track.pk]))

    @admin.action(description="Approve selected tracks", permissions=["approve"])
    def approve(self, request, queryset):
        approved = 0
        for track in queryset:
            try:
                track_approve_reviewed(track=track, user=request.user)
                approved += 1
            except ValidationError as error:
                self.message_user(request, f"{track}: {' '.join(error.messages)}", messages.ERROR)
        if approved:
            self.message_user(request, f"Approved {approved} track(s).", messages.SUCCESS)
