"""Cockpit screens of duplicate checks: each track's fingerprint verdict and the catalogue track it matched."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from lofi_site.queue import enqueue
from production.admin.display import COCKPIT_CSS, track_link
from production.models import TrackFingerprint
from production.services.ingest import FINGERPRINT_TASK


def verdict_badge(track):
    tone = {"clear": "ok", "contains": "bad", "exact": "bad", "unchecked": "warn"}[track.duplicate_verdict]
    return format_html('<span class="tone-{}">{}</span>', tone, track.get_duplicate_verdict_display())


@admin.register(TrackFingerprint)
class TrackFingerprintAdmin(admin.ModelAdmin):
    """Every fingerprinted track and what its last check against earlier catalogue tracks found."""

    list_display = [
        "track_display",
        "verdict",
        "match_display",
        "match_offset_s",
        "match_confidence",
        "hash_count",
        "duration_s",
        "checked_at",
    ]
    list_filter = ["track__duplicate_verdict", "checked_at"]
    search_fields = ["track__title", "match_track__title"]
    list_select_related = ["track", "match_track"]
    raw_id_fields = ["track", "match_track"]
    actions = ["check_again"]

    class Media:
        css = COCKPIT_CSS

    def has_add_permission(self, request):
        return False  # rows come from the fingerprint task

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Track", ordering="track__title")
    def track_display(self, obj: TrackFingerprint):
        return track_link(obj.track)

    @admin.display(description="Verdict", ordering="track__duplicate_verdict")
    def verdict(self, obj: TrackFingerprint):
        return verdict_badge(obj.track)

    @admin.display(description="Best match")
    def match_display(self, obj: TrackFingerprint):
        return track_link(obj.match_track)

    @admin.action(description="Check the selected tracks against the catalogue again", permissions=["view"])
    def check_again(self, request, queryset):
        # Harmless for anyone who may look: it reads the index and records what it finds.
        for fingerprint in queryset:
            enqueue(FINGERPRINT_TASK, fingerprint.track_id, bulk=True)
        self.message_user(request, f"Queued {queryset.count()} duplicate check(s).", messages.SUCCESS)


def duplicate_summary(track) -> str:
    """HTML: the verdict, and where it is not clear the catalogue track with the offset and share matched."""
    from production.services.fingerprints import duplicate_reason

    reason = duplicate_reason(track)
    if not reason:
        return verdict_badge(track)
    return format_html("{} {}", verdict_badge(track), reason)
