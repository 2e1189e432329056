"""Cockpit screen of render batches: the grid form, their jobs inline and progress per batch."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from production import selectors, services
from production.admin.display import COCKPIT_CSS, LIVE_JS, progress_bar
from production.admin.render_jobs import RenderJobInline
from production.forms import BatchForm
from production.models import Batch, RenderJob


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
        css = COCKPIT_CSS
        js = LIVE_JS

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
        return self.view_fields

    # The saved grid reads as a table (styles, BPMs, keys and moods in words), not as JSON lists.
    view_fields = property(
        lambda self: [
            "grid_display" if name == "styles" else name
            for name in self.spec_fields
            if name not in ("bpms", "keys", "moods")
        ]
    )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.view_fields

    @admin.display(description="Grid")
    def grid_display(self, obj):
        def words(values, unit=""):
            return ", ".join(f"{v:g}{unit}" if isinstance(v, float | int) else str(v) for v in values) or "—"

        cells = max(len(obj.styles), 1) * max(len(obj.bpms), 1) * max(len(obj.keys), 1) * max(len(obj.moods), 1)
        return format_html(
            '<table class="cockpit-grid"><tbody><tr><th scope="row">Styles</th><td>{}</td></tr>'
            '<tr><th scope="row">BPMs</th><td>{}</td></tr><tr><th scope="row">Keys</th><td>{}</td></tr>'
            '<tr><th scope="row">Moods</th><td>{}</td></tr></tbody></table><p class="help">{}</p>',
            words(obj.styles),
            words(obj.bpms, " BPM"),
            words(obj.keys),
            words(obj.moods),
            f"{cells} combination(s) x {obj.per_cell} per cell = {cells * obj.per_cell} track(s)"
            if obj.kind == Batch.Kind.GRID
            else f"{obj.per_cell} variation(s) of one brief",
        )

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
        bar = progress_bar(obj.job_progress, failed=bool(obj.job_failed))
        if not (obj.job_queued or obj.job_running):
            return bar
        # Unfinished: refreshed in place from the render progress endpoint (static/cockpit/live_progress.js).
        return format_html(
            '<span class="live-progress" data-live-batch="{}" data-live-endpoint="{}">{}'
            '<span class="progress-eta"></span></span>',
            obj.pk,
            reverse("admin:production_renderjob_progress"),
            bar,
        )

    @admin.action(description="Retry the failed jobs of selected batches", permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = 0
        failed = RenderJob.objects.filter(batch__in=queryset, status=RenderJob.Status.FAILED)
        for job in failed:
            services.render_job_retry(job=job, actor=request.user)
            retried += 1
        self.message_user(request, f"Queued {retried} failed job(s) again.", messages.SUCCESS)
