"""The catalogue's Track page, extended with catalogue intelligence: the spectrogram, the duplicate check,
next-track suggestions, the mood tagger's suggestions and "analyse again".

catalog may not import production, so the mixin joins the catalogue's Track page through catalog.admin's
`catalog_page_extension`, as the approval button (track_approval.py) and distribution's release page do.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from catalog.admin import catalog_page_extension
from catalog.models import Track
from production.admin.display import track_link
from production.admin.fingerprints import duplicate_summary
from production.admin.track_ear import TrackEarAdminMixin
from production.models import MoodSuggestion

# --- The catalogue's Track page -----------------------------------------------------------------------------------


@catalog_page_extension(Track, order=20)
class TrackIntelligenceAdminMixin(TrackEarAdminMixin):
    """Adds to a Track admin (besides the editor's ear, production/admin/track_ear.py): the spectrogram, the
    duplicate check with its pointer, next-track suggestions and the mood tagger's suggestions (readonly blocks
    in a "Catalogue intelligence" section on the change page), and an action that queues analysis and
    fingerprinting again."""

    INTELLIGENCE_FIELDS = ("spectrogram", "duplicate_check", "next_tracks", "mood_suggestions_block")
    # Who may decide on suggestions sees buttons; everyone else the same list without them.
    DECIDING_FIELD = "mood_suggestions_decide"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.INTELLIGENCE_FIELDS, self.DECIDING_FIELD]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        shown = {name for _, options in fieldsets for name in options.get("fields", ())}
        fields = [name for name in self.INTELLIGENCE_FIELDS if name not in shown]
        if request.user.has_perm("production.change_moodsuggestion"):
            fields = [self.DECIDING_FIELD if name == "mood_suggestions_block" else name for name in fields]
        return [*fieldsets, ("Catalogue intelligence", {"fields": fields})]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/mood-suggestion/<int:suggestion_id>/<slug:decision>/",
                self.admin_site.admin_view(self.mood_suggestion_decide_view),
                name="catalog_track_mood_suggestion_decide",
            ),
            *super().get_urls(),
        ]

    def mood_suggestion_decide_view(self, request, object_id, suggestion_id, decision):
        """POST from the Track page's Accept/Reject buttons (they submit the page's form here, CSRF token
        included); back to the Track page with a message."""
        from django.http import HttpResponseNotAllowed

        from production.services.moods import mood_suggestion_accept, mood_suggestion_reject

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("production.change_moodsuggestion") or decision not in ("accept", "reject"):
            raise PermissionDenied
        suggestion = get_object_or_404(
            MoodSuggestion.objects.select_related("mood"), pk=suggestion_id, track_id=object_id
        )
        decide = mood_suggestion_accept if decision == "accept" else mood_suggestion_reject
        decide(suggestion=suggestion, actor=request.user)
        verb = "added to the track" if decision == "accept" else "rejected"
        self.message_user(request, f"Mood {suggestion.mood.name!r} {verb}.", messages.SUCCESS)
        return redirect("admin:catalog_track_change", object_id)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            action = analyse_again
            actions[action.__name__] = (action, action.__name__, action.short_description)
        return actions

    @admin.display(description="Spectrogram")
    def spectrogram(self, obj):
        from catalog.models import Asset

        asset = obj.asset(Asset.Kind.SPECTROGRAM)
        if asset is None or not asset.url:
            return "—"
        return format_html(
            '<img class="cockpit-spectrogram" src="{}" alt="Spectrogram of {}" width="600">', asset.url, obj.title
        )

    @admin.display(description="Duplicate check")
    def duplicate_check(self, obj):
        return duplicate_summary(obj)

    @admin.display(description="Plays well next")
    def next_tracks(self, obj):
        return next_tracks_html(obj)

    @admin.display(description="Mood suggestions")
    def mood_suggestions_block(self, obj):
        return mood_suggestions_html(obj)

    @admin.display(description="Mood suggestions")
    def mood_suggestions_decide(self, obj):
        return mood_suggestions_html(obj, buttons=True)


@admin.action(description="Analyse and fingerprint the selected tracks again")
def analyse_again(modeladmin, request, queryset):
    from production.services.ingest import track_intelligence_enqueue

    count = 0
    for track in queryset:
        track_intelligence_enqueue(track=track)
        count += 1
    modeladmin.message_user(request, f"Queued analysis and the duplicate check of {count} track(s).", messages.SUCCESS)


def next_tracks_html(track, *, n: int = 8):
    """HTML table of the catalogue tracks that follow `track` best, with score and reasons."""
    from production.selectors import next_track_suggestions

    suggestions = next_track_suggestions(track, n=n)
    if not suggestions:
        return "No catalogue track fits after this one yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                track_link(other),
                f"{other.bpm:.0f}" if other.bpm else "—",
                other.camelot_code or "—",
                f"{score:.2f} — {'; '.join(reasons)}",
            )
            for other, score, reasons in suggestions
        ),
    )
    return format_html(
        '<table class="cockpit-next-tracks"><thead><tr><th>Track</th><th>BPM</th>'
        "<th>Camelot</th><th>Fit</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def mood_suggestions_html(track, *, buttons: bool = False):
    """HTML: the tagger's pending mood suggestions for `track`. With `buttons`, each has Accept and Reject
    buttons that post the page's own form (and its CSRF token) to the decide view; without, a link to the
    suggestions list."""
    pending = list(
        MoodSuggestion.objects.filter(track=track, status=MoodSuggestion.Status.PENDING)
        .select_related("mood")
        .order_by("-probability")
    )
    if not pending:
        return "No pending suggestions."
    url = f"{reverse('admin:production_moodsuggestion_changelist')}?track__id__exact={track.pk}&status__exact=pending"
    if not buttons:
        items = format_html_join(", ", "{} ({})", ((s.mood.name, f"{s.probability:.0%}") for s in pending))
        return format_html('{} — <a href="{}">accept or reject</a>', items, url)

    def decide_url(suggestion, decision):
        return reverse("admin:catalog_track_mood_suggestion_decide", args=[track.pk, suggestion.pk, decision])

    rows = format_html_join(
        "",
        '<li>{} ({}) <button type="submit" class="button" formaction="{}" formmethod="post" '
        'formnovalidate>Accept</button> <button type="submit" class="button" formaction="{}" '
        'formmethod="post" formnovalidate>Reject</button></li>',
        ((s.mood.name, f"{s.probability:.0%}", decide_url(s, "accept"), decide_url(s, "reject")) for s in pending),
    )
    return format_html('<ul class="cockpit-mood-suggestions">{}</ul><a href="{}">all suggestions</a>', rows, url)
