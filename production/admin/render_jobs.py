"""Cockpit screen of render jobs: the brief form, live progress, timings and retry."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from lofi_site.admin_actions import for_each_selected
from production import selectors, services
from production.admin.display import COCKPIT_CSS, LIVE_JS, live_progress, pretty_json
from production.forms import RenderJobForm
from production.models import RenderJob

STALLED_HINT = "Its worker stopped; it is queued again within a minute (or Retry now)."
_STATUS_TONE = {
    RenderJob.Status.SUCCEEDED: "ok",
    RenderJob.Status.FAILED: "bad",
    RenderJob.Status.RUNNING: "warn",
    RenderJob.Status.QUEUED: "",
}


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    """Jobs are created here (one brief) or by a batch; after that they are a read-only record of the run."""

    form = RenderJobForm
    list_display = [
        "id",
        "brief_display",
        "mood",
        "status_display",
        "progress_display",
        "error_display",
        "track_link",
        "batch",
        "created_at",
    ]
    list_display_links = ["id", "brief_display"]
    list_filter = ["status", "style", "ambience", "created_at"]
    search_fields = ["title", "style", "key", "mood", "error", "track__title"]
    list_select_related = ["track", "batch", "reused_from"]
    autocomplete_fields = ["artist"]
    raw_id_fields = ["batch"]
    actions = ["retry"]
    date_hierarchy = "created_at"
    run_fields = [
        "uuid",
        "status",
        "progress_display",
        "error_display_full",
        "track_link",
        "force_render",
        "batch",
        "attempts",
        "worker",
        "started_at",
        "finished_at",
        "timings_display",
        "overrides_display",
        "created_by",
        "created_at",
    ]

    class Media:
        css = COCKPIT_CSS
        js = LIVE_JS

    def get_queryset(self, request):
        return selectors.render_job_list()

    def get_urls(self):
        from django.core.exceptions import PermissionDenied
        from django.urls import path

        from production.progress import render_progress_view

        def progress(request):
            if not self.has_view_permission(request):
                raise PermissionDenied
            return render_progress_view(request)

        urls = [path("progress/", self.admin_site.admin_view(progress), name="production_renderjob_progress")]
        return [*urls, *super().get_urls()]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["title", "artist"]}),
                ("Brief", {"fields": ["style", "bpm", "key", "duration_s", "seed", "mood", "ambience", "layers_off"]}),
                ("Loudness", {"classes": ["collapse"], "fields": ["target_lufs", "true_peak_ceiling_db"]}),
                ("Render cache", {"classes": ["collapse"], "fields": ["force_render"]}),
            ]
        return [
            (
                "Brief",
                {
                    "fields": [
                        "title",
                        "artist",
                        "style",
                        "bpm",
                        "key",
                        "duration_s",
                        "seed",
                        "mood",
                        "ambience",
                        "layers",
                        "target_lufs",
                        "true_peak_ceiling_db",
                    ]
                },
            ),
            ("Run", {"fields": self.run_fields}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "title",
            "artist",
            "style",
            "bpm",
            "key",
            "duration_s",
            "seed",
            "mood",
            "ambience",
            "layers",
            "target_lufs",
            "true_peak_ceiling_db",
            *self.run_fields,
        ]

    def has_change_permission(self, request, obj=None):
        # A job is a record of a run: its page is read-only. Changing means retrying (a list action).
        return obj is None and super().has_change_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        job = services.render_job_create(
            style=obj.style,
            bpm=obj.bpm,
            key=obj.key,
            duration_s=obj.duration_s,
            seed=obj.seed,
            mood=obj.mood,
            ambience=obj.ambience,
            layers=obj.layers,
            title=obj.title,
            artist=obj.artist,
            target_lufs=obj.target_lufs,
            true_peak_ceiling_db=obj.true_peak_ceiling_db,
            created_by=request.user,
            force_render=obj.force_render,
        )
        obj.pk = job.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.display(description="Brief", ordering="style")
    def brief_display(self, obj: RenderJob):
        return obj.title or obj.brief_summary

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: RenderJob):
        if obj.is_stalled:  # running, but its worker stopped sending heartbeats: the sweep requeues it
            return format_html('<span class="tone-bad" title="{}">Stalled</span>', STALLED_HINT)
        return format_html('<span class="tone-{}">{}</span>', _STATUS_TONE[obj.status], obj.get_status_display())

    @admin.display(description="Progress", ordering="progress")
    def progress_display(self, obj: RenderJob):
        return live_progress(obj)

    @admin.display(description="Error")
    def error_display(self, obj: RenderJob):
        if not obj.error:
            return "—"
        return format_html('<span class="tone-bad" title="{}">{}</span>', obj.error, Truncator(obj.error).chars(80))

    @admin.display(description="Error")
    def error_display_full(self, obj: RenderJob):
        return format_html('<pre class="tone-bad">{}</pre>', obj.error) if obj.error else "—"

    @admin.display(description="Track")
    def track_link(self, obj: RenderJob):
        if obj.track is None and obj.reused_from is not None:
            return format_html(
                'reused from <a href="{}">{}</a>',
                reverse("admin:catalog_track_change", args=[obj.reused_from.pk]),
                obj.reused_from.title,
            )
        if obj.track is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:catalog_track_change", args=[obj.track.pk]), obj.track.title
        )

    @admin.display(description="Timings (s)")
    def timings_display(self, obj: RenderJob):
        return pretty_json(obj.timings) if obj.timings else "—"

    @admin.display(description="Preset overrides used")
    def overrides_display(self, obj: RenderJob):
        return pretty_json(obj.overrides_used) if obj.overrides_used else "—"

    @admin.action(description="Retry selected failed jobs", permissions=["change"])
    def retry(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda job: services.render_job_retry(job=job, actor=request.user),
            done="Queued {count} job(s) again.",
        )


class RenderJobInline(admin.TabularInline):
    model = RenderJob
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["brief_display", "status", "progress_display", "error", "track"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("track")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Brief")
    def brief_display(self, obj: RenderJob):
        return obj.brief_summary

    @admin.display(description="Progress")
    def progress_display(self, obj: RenderJob):
        return live_progress(obj)
