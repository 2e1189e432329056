"""The radio in the cockpit: stations (with dayparts and RTMP targets inline), the play log, incidents, requests."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from radio import selectors
from radio.models import Daypart, Incident, ListenerRequest, Play, RtmpTarget, Station, StationProcess
from radio.services import stations as station_services
from radio.services.runner import station_script_text
from radio.services.watchdog import process_restart_request


class RtmpTargetForm(forms.ModelForm):
    stream_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current key.",
    )

    class Meta:
        model = RtmpTarget
        fields = ["name", "platform", "server_url", "stream_key", "enabled"]


class RtmpTargetInline(admin.TabularInline):
    model = RtmpTarget
    form = RtmpTargetForm
    extra = 0
    readonly_fields = ["has_key", "last_error", "last_error_at"]

    @admin.display(boolean=True, description="key stored")
    def has_key(self, obj: RtmpTarget) -> bool:
        return bool(obj.stream_key_encrypted)


class DaypartInline(admin.TabularInline):
    model = Daypart
    extra = 0
    autocomplete_fields = ["moods", "styles"]


class StationForm(forms.ModelForm):
    icecast_public_url = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Where listeners open the stream (a CDN or proxy); empty: http://host:port/mount.",
    )
    icecast_source_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Only for a remote Icecast (stored encrypted). Local ones use generated passwords.",
    )
    icecast_admin_password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    # No Meta: the admin builds the form's Meta from StationAdmin.fieldsets.


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    form = StationForm
    list_display = ["name", "slug", "on_air", "mode", "stream_link", "listeners", "checked_at"]
    list_filter = ["on_air", "mode"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["marked_tracks", "safety_tracks"]
    raw_id_fields = ["long_mix"]
    inlines = [DaypartInline, RtmpTargetInline]
    readonly_fields = ["listeners", "checked_at", "processes", "liquidsoap_script"]
    actions = ["restart_liquidsoap", "restart_video", "rotate_token"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "on_air", "mode", "long_mix"]}),
        (
            "Icecast",
            {
                "fields": [
                    "icecast_local",
                    "icecast_host",
                    "icecast_port",
                    "icecast_public_url",
                    "mount",
                    "audio_format",
                    "bitrate_kbps",
                    "hls_enabled",
                    "icecast_source_password",
                    "icecast_admin_password",
                ]
            },
        ),
        (
            "Programming",
            {
                "fields": [
                    "crossfade_s",
                    "loudness_target_lufs",
                    "no_repeat_hours",
                    "artist_separation_min",
                    "jingle",
                    "jingle_every_n_tracks",
                    "marked_tracks",
                    "safety_tracks",
                ]
            },
        ),
        ("Live video", {"fields": ["visual", "visual_loop", "video_resolution"]}),
        ("Status", {"fields": ["listeners", "checked_at", "processes"]}),
        ("Generated Liquidsoap script", {"classes": ["collapse"], "fields": ["liquidsoap_script"]}),
    ]

    @admin.display(description="stream")
    def stream_link(self, obj: Station) -> str:
        return format_html('<a href="{}">{}</a>', obj.stream_url, obj.stream_url)

    @admin.display(description="processes")
    def processes(self, obj: Station) -> str:
        rows = selectors.processes_of(obj).values() if obj.pk else []
        lines = [
            format_html(
                "{}: {} on {} (pid {}), {} restart(s), heartbeat {}",
                p.get_piece_display(),
                "running" if p.running else "stopped",
                p.host or "?",
                p.pid or "-",
                p.restarts,
                p.heartbeat_at or "never",
            )
            for p in rows
        ]
        return format_html("<br>".join(["{}"] * len(lines)), *lines) if lines else "Not started yet."

    @admin.display(description="script")
    def liquidsoap_script(self, obj: Station) -> str:
        if not obj.pk:
            return ""
        text = station_script_text(obj).replace(station_services.autodj_token(obj), "<token>")
        text = text.replace(station_services.icecast_passwords(obj)["source_password"], "<password>")
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)

    def save_model(self, request, obj: Station, form, change) -> None:
        super().save_model(request, obj, form, change)
        source, admin_password = (
            form.cleaned_data.get("icecast_source_password"),
            form.cleaned_data.get("icecast_admin_password"),
        )
        if source or admin_password:
            current = station_services.icecast_passwords(obj)
            station_services.station_icecast_credentials_set(
                station=obj,
                source_password=source or current["source_password"],
                admin_password=admin_password or current["admin_password"],
            )

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save()
        if formset.model is RtmpTarget:
            for inline_form in formset.forms:
                key = inline_form.cleaned_data.get("stream_key") if hasattr(inline_form, "cleaned_data") else ""
                if key and inline_form.instance.pk:
                    station_services.rtmp_target_set_key(target=inline_form.instance, stream_key=key)
        return instances

    def _restart(self, request, queryset, piece: str) -> None:
        for station in queryset:
            station_services_reason = f"asked by {request.user} in the cockpit"
            asked = process_restart_request(station=station, piece=piece, reason=station_services_reason)
            level = messages.SUCCESS if asked else messages.WARNING
            note = "its supervisor restarts it within seconds" if asked else "a restart is already pending"
            self.message_user(request, f"{station}: {piece} restart requested ({note}).", level)

    @admin.action(description="Restart Liquidsoap (audio)", permissions=["change"])
    def restart_liquidsoap(self, request, queryset) -> None:
        self._restart(request, queryset, StationProcess.Piece.LIQUIDSOAP)

    @admin.action(description="Restart the RTMP video push", permissions=["change"])
    def restart_video(self, request, queryset) -> None:
        self._restart(request, queryset, StationProcess.Piece.VIDEO)

    @admin.action(description="Rotate the AutoDJ token (restart the station afterwards)", permissions=["change"])
    def rotate_token(self, request, queryset) -> None:
        for station in queryset:
            station_services.station_token_rotate(station=station)
        self.message_user(request, "Token rotated: restart `manage.py radio` for the new script.", messages.WARNING)


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "station", "source", "started_at", "listeners", "gain_db"]
    list_filter = ["station", "source"]
    list_select_related = ["station"]
    search_fields = ["title", "artist"]
    raw_id_fields = ["track", "request"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Play._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # the play log is written by what Liquidsoap reports


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "station", "kind", "piece", "action"]
    list_filter = ["station", "kind", "piece"]
    list_select_related = ["station"]
    readonly_fields = ["station", "kind", "piece", "detail", "action", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ListenerRequest)
class ListenerRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "station", "track", "status"]
    list_filter = ["station", "status"]
    list_select_related = ["station", "track"]
    raw_id_fields = ["track"]
    readonly_fields = ["visitor"]


@admin.register(StationProcess)
class StationProcessAdmin(admin.ModelAdmin):
    list_display = ["station", "piece", "running", "host", "pid", "restarts", "heartbeat_at", "restart_requested_at"]
    list_filter = ["station", "piece", "running"]
    list_select_related = ["station"]
    readonly_fields = [f.name for f in StationProcess._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
