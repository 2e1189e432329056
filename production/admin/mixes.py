"""Long mixes in the cockpit: the Release page's actions that sequence and render a mix release, and the
mix renders' screen.

The Release page belongs to distribution: `release_mix_actions` (`apply_mix_sequence`, `render_mix`) are plain
admin actions for its owner to add to its `actions`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from lofi_site.admin_actions import for_each_selected
from production.admin.display import COCKPIT_CSS
from production.models import MixRender

# --- Actions for the Release page (added to its actions by the release screen's owner) ----------------------------


class MixSequenceForm(forms.Form):
    target_minutes = forms.FloatField(
        min_value=1, max_value=24 * 60, initial=60, help_text="About how long the mix should run."
    )
    source = forms.ChoiceField(
        choices=[
            ("release", "Put the release's own tracks in order (a mix with no tracks draws from the catalogue)"),
            ("catalogue", "Choose from every approved, duplicate-clear track"),
        ],
        initial="release",
        widget=forms.RadioSelect,
    )


class MixRenderForm(forms.Form):
    crossfade_s = forms.FloatField(min_value=0, max_value=60, initial=8.0, label="Crossfade (s)")
    ambience = forms.ChoiceField(
        choices=[(a, a.title()) for a in ("none", "rain", "cafe", "nature", "vinyl")],
        initial="none",
        help_text="A continuous bed under the whole mix.",
    )
    target_lufs = forms.FloatField(min_value=-30, max_value=-6, initial=-14.0, label="Target loudness (LUFS)")


def _action_form_page(modeladmin, request, queryset, *, form, title: str, action: str, submit: str):
    from django.contrib.admin import helpers

    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "action": action,
        "submit": submit,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return render(request, "admin/production/release_mix_action.html", context)


@admin.action(description="Sequence the selected mix releases (choose and order their tracks)", permissions=["change"])
def apply_mix_sequence(modeladmin, request, queryset):
    """Release admin action: an intermediate page asks for the target length, then
    production.services.mixes.release_apply_mix_sequence runs per release."""
    from production.services.mixes import mix_pool_from_catalogue, release_apply_mix_sequence

    form = MixSequenceForm(request.POST if "confirm" in request.POST else None)
    if not form.is_valid():
        return _action_form_page(
            modeladmin,
            request,
            queryset,
            form=form,
            title="Sequence mix releases",
            action="apply_mix_sequence",
            submit="Sequence",
        )
    target_s = form.cleaned_data["target_minutes"] * 60
    catalogue = mix_pool_from_catalogue() if form.cleaned_data["source"] == "catalogue" else None
    for_each_selected(
        modeladmin,
        request,
        queryset,
        lambda release: release_apply_mix_sequence(
            release=release, target_duration_s=target_s, pool=catalogue, actor=request.user
        ),
        each_done=lambda release, order: (
            f"{release}: {len(order)} tracks in order, "
            f"about {sum(t.duration_s or 0 for t in order) / 60:.0f} min before crossfades."
        ),
    )
    return None


@admin.action(description="Render the selected mix releases into one master", permissions=["change"])
def render_mix(modeladmin, request, queryset):
    """Release admin action: an intermediate page asks for crossfade, ambience and loudness, then one
    MixRender is queued per release (production.services.mixes.mix_render_create)."""
    from production.services.mixes import mix_render_create

    form = MixRenderForm(request.POST if "confirm" in request.POST else None)
    if not form.is_valid():
        return _action_form_page(
            modeladmin,
            request,
            queryset,
            form=form,
            title="Render mix masters",
            action="render_mix",
            submit="Queue renders",
        )
    for_each_selected(
        modeladmin,
        request,
        queryset,
        lambda release: mix_render_create(release=release, created_by=request.user, **form.cleaned_data),
        each_done=lambda release, mix: format_html(
            '{}: mix render <a href="{}">#{}</a> {}.',
            release,
            reverse("admin:production_mixrender_change", args=[mix.pk]),
            mix.pk,
            mix.get_status_display().lower(),
        ),
    )
    return None


release_mix_actions = [apply_mix_sequence, render_mix]


# --- Mix renders -------------------------------------------------------------------------------------------------


@admin.register(MixRender)
class MixRenderAdmin(admin.ModelAdmin):
    """Masters of long-mix releases: status, length, loudness and the tracklist for descriptions."""

    list_display = [
        "id",
        "release",
        "status_display",
        "duration_display",
        "integrated_lufs",
        "true_peak_dbtp",
        "ambience",
        "crossfade_s",
        "created_at",
    ]
    list_filter = ["status", "ambience", "created_at"]
    search_fields = ["release__title"]
    list_select_related = ["release", "created_by"]
    raw_id_fields = ["release", "created_by"]
    actions = ["retry"]
    readonly_fields = [
        "uuid",
        "release",
        "status_display",
        "crossfade_s",
        "ambience",
        "target_lufs",
        "true_peak_ceiling_db",
        "duration_display",
        "integrated_lufs",
        "true_peak_dbtp",
        "tracklist_display",
        "path",
        "size_bytes",
        "sha256",
        "error",
        "created_by",
        "started_at",
        "finished_at",
        "created_at",
    ]
    fields = readonly_fields

    class Media:
        css = COCKPIT_CSS

    def has_add_permission(self, request):
        return False  # created by the release page's "Render mix" action

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: MixRender):
        tone = {"succeeded": "ok", "failed": "bad", "running": "warn", "queued": ""}[obj.status]
        return format_html('<span class="tone-{}" title="{}">{}</span>', tone, obj.error, obj.get_status_display())

    @admin.display(description="Length", ordering="duration_s")
    def duration_display(self, obj: MixRender):
        if not obj.duration_s:
            return "—"
        hours, rest = divmod(round(obj.duration_s), 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"

    @admin.display(description="Tracklist")
    def tracklist_display(self, obj: MixRender):
        from production.services.mixes import mix_tracklist_text

        return format_html('<pre class="cockpit-json">{}</pre>', mix_tracklist_text(obj)) if obj.tracklist else "—"

    @admin.action(description="Retry the selected failed renders", permissions=["change"])
    def retry(self, request, queryset):
        from production.services.mixes import mix_render_retry

        retried = sum(
            mix_render_retry(mix=mix, actor=request.user).status == MixRender.Status.QUEUED
            for mix in queryset.filter(status=MixRender.Status.FAILED)
        )
        self.message_user(request, f"Queued {retried} render(s) again.", messages.SUCCESS)
