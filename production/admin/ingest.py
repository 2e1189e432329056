"""Cockpit screen of uploads: a several-files form, and each upload's outcome."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path

from production.admin.display import COCKPIT_CSS, track_link
from production.admin.fingerprints import verdict_badge
from production.models import IngestUpload
from production.services.ingest import ingest_duration_limits, uploads_ingest

# --- Uploads ---------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple> (the pattern Django's docs give)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "audio/*,.wav,.flac,.aif,.aiff,.mp3,.ogg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Audio files",
        help_text="WAV, FLAC, AIFF, MP3 or OGG; choose several at once. Each file is "
        "judged on its own: a refused file does not stop the others.",
    )
    artist = forms.CharField(
        required=False, max_length=120, help_text="Artist of every file (created when new). Empty: the default artist."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["multiple"] = True
        # Empty files are refused by ingest with a clear reason, not by the form with a generic one.
        self.fields["files"].allow_empty_file = True


@admin.register(IngestUpload)
class IngestUploadAdmin(admin.ModelAdmin):
    """What came in from outside. "Add" opens the several-files upload form."""

    list_display = [
        "original_filename",
        "track_display",
        "format",
        "size_display",
        "channel",
        "verdict",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["channel", "format", "created_at", "track__duplicate_verdict"]
    search_fields = ["original_filename", "sha256", "track__title"]
    list_select_related = ["track", "uploaded_by"]
    raw_id_fields = ["track", "uploaded_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "uuid",
        "track",
        "original_filename",
        "format",
        "size_bytes",
        "sha256",
        "channel",
        "uploaded_by",
        "created_at",
    ]
    fields = readonly_fields

    class Media:
        css = COCKPIT_CSS

    def has_change_permission(self, request, obj=None):
        return False  # a record of what arrived

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="production_ingest_upload"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return self.upload_view(request)  # "Add" is the upload form

    def upload_view(self, request):
        """Several files at once; afterwards a table of what happened to each."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        results = None
        if request.method == "POST" and form.is_valid():
            results = uploads_ingest(
                uploads=form.cleaned_data["files"],
                channel=IngestUpload.Channel.ADMIN,
                artist_name=form.cleaned_data["artist"],
                uploaded_by=request.user,
            )
            imported = sum(r.track is not None for r in results)
            refused = len(results) - imported
            level = messages.SUCCESS if not refused else (messages.WARNING if imported else messages.ERROR)
            self.message_user(
                request,
                f"{imported} file(s) imported as draft tracks, {refused} refused. "
                "Analysis and the duplicate check run in the background.",
                level,
            )
            form = UploadForm()
        minimum_s, maximum_s = ingest_duration_limits()
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload audio",
            "form": form,
            "results": results,
            "limits": f"{minimum_s:g} s to {maximum_s / 60:g} min",
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
        return render(request, "admin/production/ingestupload/upload_form.html", context)

    @admin.display(description="Track", ordering="track__title")
    def track_display(self, obj: IngestUpload):
        return track_link(obj.track)

    @admin.display(description="Size", ordering="size_bytes")
    def size_display(self, obj: IngestUpload):
        return f"{obj.size_bytes / 1e6:.1f} MB"

    @admin.display(description="Duplicate check", ordering="track__duplicate_verdict")
    def verdict(self, obj: IngestUpload):
        return verdict_badge(obj.track)
