"""Cockpit screens of mood tagging: trained models with their held-out scores, and their suggestions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html, format_html_join

from lofi_site.admin_actions import refusal_text
from production.admin.display import COCKPIT_CSS, track_link
from production.models import MoodModel, MoodSuggestion

# --- Mood tagging ------------------------------------------------------------------------------------------------


def confusion_matrix_html(model: MoodModel):
    """The held-out confusion matrix as a table: rows the editors' mood, columns the tagger's."""
    if not model.labels or not model.confusion_matrix:
        return "—"
    head = format_html_join("", "<th>{}</th>", ((label,) for label in model.labels))
    rows = format_html_join(
        "",
        "<tr><th>{}</th>{}</tr>",
        (
            (
                label,
                format_html_join(
                    "",
                    '<td class="{}">{}</td>',
                    (("tone-ok" if i == j and count else "", count) for j, count in enumerate(row)),
                ),
            )
            for i, (label, row) in enumerate(zip(model.labels, model.confusion_matrix, strict=True))
        ),
    )
    return format_html(
        '<table class="cockpit-confusion"><thead><tr><th>editors ↓ / tagger →</th>{}</tr></thead>'
        "<tbody>{}</tbody></table>",
        head,
        rows,
    )


@admin.register(MoodModel)
class MoodModelAdmin(admin.ModelAdmin):
    """Trained mood taggers with their held-out figures; the newest one makes the suggestions. "Train a new
    model" queues a training run on every tagged, analysed track (or says at once why it cannot)."""

    list_display = [
        "__str__",
        "accuracy_display",
        "n_train",
        "n_test",
        "labels_display",
        "suggestion_count",
        "trained_by",
        "created_at",
    ]
    list_select_related = ["trained_by"]
    raw_id_fields = ["trained_by"]
    readonly_fields = [
        "uuid",
        "accuracy_display",
        "n_train",
        "n_test",
        "labels_display",
        "confusion_display",
        "metrics",
        "path",
        "size_bytes",
        "sha256",
        "trained_by",
        "created_at",
    ]
    fields = readonly_fields

    class Media:
        css = COCKPIT_CSS

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(pending=Count("suggestions", filter=Q(suggestions__status=MoodSuggestion.Status.PENDING)))
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def get_urls(self):
        return [
            path("train/", self.admin_site.admin_view(self.train_view), name="production_moodmodel_train"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return self.train_view(request)  # "Add" trains a model

    def train_view(self, request):
        """GET: what training would learn from (or why it cannot). POST: queue the training task."""
        from django.core.exceptions import ValidationError

        from production.services.moods import mood_model_train_enqueue, mood_training_refusal, mood_training_set

        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                mood_model_train_enqueue(actor=request.user)
            except ValidationError as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    "Training queued: the new model appears in this list when it is done "
                    "(a few minutes for a few hundred tracks).",
                    messages.SUCCESS,
                )
            return redirect("admin:production_moodmodel_changelist")
        training = mood_training_set()
        context = {
            **self.admin_site.each_context(request),
            "title": "Train the mood tagger",
            "tracks_per_mood": training.tracks_per_mood(),
            "n_tracks": len(training.track_ids),
            "not_analysed": training.not_analysed,
            "refusal": mood_training_refusal(training),
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
        return render(request, "admin/production/moodmodel/train.html", context)

    @admin.display(description="Held-out accuracy", ordering="held_out_accuracy")
    def accuracy_display(self, obj: MoodModel):
        return f"{obj.held_out_accuracy:.0%}"

    @admin.display(description="Moods")
    def labels_display(self, obj: MoodModel):
        return ", ".join(obj.labels)

    @admin.display(description="Pending suggestions", ordering="pending")
    def suggestion_count(self, obj: MoodModel):
        return obj.pending

    @admin.display(description="Confusion matrix (held-out tracks)")
    def confusion_display(self, obj: MoodModel):
        return confusion_matrix_html(obj)


@admin.register(MoodSuggestion)
class MoodSuggestionAdmin(admin.ModelAdmin):
    """The tagger's proposals: editors accept (the track gains the mood) or reject them."""

    list_display = ["track_display", "mood", "probability_display", "status", "model", "decided_by", "decided_at"]
    list_filter = ["status", "mood", "model"]
    search_fields = ["track__title", "mood__name"]
    list_select_related = ["track", "mood", "model", "decided_by"]
    raw_id_fields = ["track", "mood", "model", "decided_by"]
    actions = ["accept", "reject"]
    readonly_fields = ["track", "mood", "probability", "status", "model", "decided_by", "decided_at", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # suggestions come from the tagger

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Track", ordering="track__title")
    def track_display(self, obj: MoodSuggestion):
        return track_link(obj.track)

    @admin.display(description="Probability", ordering="probability")
    def probability_display(self, obj: MoodSuggestion):
        return f"{obj.probability:.0%}"

    @admin.action(description="Accept: add the mood to the track", permissions=["change"])
    def accept(self, request, queryset):
        from production.services.moods import mood_suggestion_accept

        for suggestion in queryset:
            mood_suggestion_accept(suggestion=suggestion, actor=request.user)
        self.message_user(request, f"Accepted {queryset.count()} suggestion(s).", messages.SUCCESS)

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        from production.services.moods import mood_suggestion_reject

        for suggestion in queryset:
            mood_suggestion_reject(suggestion=suggestion, actor=request.user)
        self.message_user(request, f"Rejected {queryset.count()} suggestion(s).", messages.SUCCESS)
