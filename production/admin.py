"""Cockpit screens for production: render jobs with live progress, batches, and the style presets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

import production.intel_admin  # noqa: F401 (registers the catalogue-intelligence screens)
from production import selectors, services
from production.forms import BatchForm, RenderJobForm, StylePresetForm
from production.models import Batch, RenderJob, StylePreset

_COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}
_STATUS_TONE = {
    RenderJob.Status.SUCCEEDED: "ok",
    RenderJob.Status.FAILED: "bad",
    RenderJob.Status.RUNNING: "warn",
    RenderJob.Status.QUEUED: "",
}


def progress_bar(percent: float | None, *, failed: bool = False):
    value = round(percent or 0)
    return format_html(
        '<span class="progress{}" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        'aria-valuenow="{}" title="{}%"><span style="width: {}%"></span></span> {}%',
        " failed" if failed else "",
        value,
        value,
        value,
        value,
    )


def _settings_dict(settings) -> dict:
    """An engine settings dataclass as JSON-ready values (its per-part maps are read-only mapping proxies)."""
    return {
        f.name: dict(value) if isinstance(value := getattr(settings, f.name), Mapping) else value
        for f in dataclasses.fields(settings)
    }


def _pretty_json(value) -> str:
    return format_html('<pre class="cockpit-json">{}</pre>', json.dumps(value, indent=2, sort_keys=True))


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
    list_select_related = ["track", "batch"]
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
        "batch",
        "attempts",
        "started_at",
        "finished_at",
        "timings_display",
        "overrides_display",
        "created_by",
        "created_at",
    ]

    class Media:
        css = _COCKPIT_CSS

    def get_queryset(self, request):
        return selectors.render_job_list()

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["title", "artist"]}),
                ("Brief", {"fields": ["style", "bpm", "key", "duration_s", "seed", "mood", "ambience", "layers_off"]}),
                ("Loudness", {"classes": ["collapse"], "fields": ["target_lufs", "true_peak_ceiling_db"]}),
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
        )
        obj.pk = job.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.display(description="Brief", ordering="style")
    def brief_display(self, obj: RenderJob):
        return obj.title or obj.brief_summary

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: RenderJob):
        return format_html('<span class="tone-{}">{}</span>', _STATUS_TONE[obj.status], obj.get_status_display())

    @admin.display(description="Progress", ordering="progress")
    def progress_display(self, obj: RenderJob):
        return progress_bar(obj.progress, failed=obj.status == RenderJob.Status.FAILED)

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
        if obj.track is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:catalog_track_change", args=[obj.track.pk]), obj.track.title
        )

    @admin.display(description="Timings (s)")
    def timings_display(self, obj: RenderJob):
        return _pretty_json(obj.timings) if obj.timings else "—"

    @admin.display(description="Preset overrides used")
    def overrides_display(self, obj: RenderJob):
        return _pretty_json(obj.overrides_used) if obj.overrides_used else "—"

    @admin.action(description="Retry selected failed jobs", permissions=["change"])
    def retry(self, request, queryset):
        retried = 0
        for job in queryset:
            try:
                services.render_job_retry(job=job, actor=request.user)
                retried += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if retried:
            self.message_user(request, f"Queued {retried} job(s) again.", messages.SUCCESS)


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
        return progress_bar(obj.progress, failed=obj.status == RenderJob.Status.FAILED)


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    form = BatchForm
    list_display = [
        "name",
        "kind",
        "job_count",
        "queued",
        "running",
        "succeeded",
        "failed",
        "progress_display",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "created_at"]
    search_fields = ["name"]
    list_select_related = ["artist", "created_by"]
    autocomplete_fields = ["artist"]
    actions = ["retry_failed"]
    inlines = [RenderJobInline]
    spec_fields = [
        "name",
        "kind",
        "styles",
        "bpms",
        "keys",
        "moods",
        "per_cell",
        "duration_s",
        "seed_base",
        "ambience",
        "layers",
        "artist",
        "created_by",
        "created_at",
    ]

    class Media:
        css = _COCKPIT_CSS

    def get_queryset(self, request):
        return selectors.batch_list()

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "name",
                "kind",
                "styles",
                "bpms",
                "keys",
                "moods",
                "per_cell",
                "duration_s",
                "seed_base",
                "ambience",
                "layers_off",
                "artist",
            ]
        return self.spec_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.spec_fields

    def has_change_permission(self, request, obj=None):
        # A batch is fixed once its jobs exist: its page is read-only; failed jobs are retried by action.
        return obj is None and super().has_change_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        batch = services.batch_create(**form.service_arguments(), created_by=request.user)
        obj.pk = batch.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.display(description="Jobs", ordering="job_count")
    def job_count(self, obj):
        return obj.job_count

    @admin.display(description="Queued", ordering="job_queued")
    def queued(self, obj):
        return obj.job_queued

    @admin.display(description="Running", ordering="job_running")
    def running(self, obj):
        return obj.job_running

    @admin.display(description="Done", ordering="job_succeeded")
    def succeeded(self, obj):
        return obj.job_succeeded

    @admin.display(description="Failed", ordering="job_failed")
    def failed(self, obj):
        if not obj.job_failed:
            return 0
        url = f"{reverse('admin:production_renderjob_changelist')}?batch__exact={obj.pk}&status__exact=failed"
        return format_html('<a class="tone-bad" href="{}">{}</a>', url, obj.job_failed)

    @admin.display(description="Progress", ordering="job_progress")
    def progress_display(self, obj):
        return progress_bar(obj.job_progress, failed=bool(obj.job_failed))

    @admin.action(description="Retry the failed jobs of selected batches", permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = 0
        failed = RenderJob.objects.filter(batch__in=queryset, status=RenderJob.Status.FAILED)
        for job in failed:
            services.render_job_retry(job=job, actor=request.user)
            retried += 1
        self.message_user(request, f"Queued {retried} failed job(s) again.", messages.SUCCESS)


@admin.register(StylePreset)
class StylePresetAdmin(admin.ModelAdmin):
    """Editors tune a style here; the engine checks every override when the form is saved."""

    form = StylePresetForm
    list_display = ["style", "composition_summary", "fx_summary", "updated_at"]
    search_fields = ["style", "notes"]
    fields = ["style", "composition_overrides", "fx_overrides", "notes", "composition_defaults", "fx_defaults"]
    readonly_fields = ["composition_defaults", "fx_defaults"]

    def get_readonly_fields(self, request, obj=None):
        # The style a row tunes is fixed once created; change the overrides, not what they apply to.
        return [*self.readonly_fields, "style"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.style_preset_save(preset=obj, actor=request.user)

    @admin.display(description="Composition overrides")
    def composition_summary(self, obj: StylePreset):
        return ", ".join(sorted(obj.composition_overrides)) or "defaults"

    @admin.display(description="FX overrides")
    def fx_summary(self, obj: StylePreset):
        return ", ".join(sorted(obj.fx_overrides)) or "defaults"

    @admin.display(description="Engine composition defaults")
    def composition_defaults(self, obj: StylePreset):
        from production.engine.styles import preset_for

        if not obj.style:
            return "Choose a style and save to see its defaults."
        defaults = _settings_dict(preset_for(obj.style))
        defaults.pop("name", None)
        return _pretty_json(defaults)

    @admin.display(description="Engine FX defaults")
    def fx_defaults(self, obj: StylePreset):
        from production.engine.fx import fx_settings_for

        if not obj.style:
            return "Choose a style and save to see its defaults."
        return _pretty_json(_settings_dict(fx_settings_for(obj.style)))
