"""Cockpit screens of catalogue intelligence: uploads (a several-files form), duplicate checks, long-mix
renders and (with the tagger) mood models and suggestions.

catalog may not import production, so this module also extends the catalogue's Track page the way
distribution extends the Release page: `extend_track_admin()` re-registers whatever Track admin is
registered with `TrackIntelligenceAdminMixin` (spectrogram, duplicate check, next-track suggestions, mood
suggestions, "analyse again"). The Release page belongs to distribution: `release_mix_actions`
(`apply_mix_sequence`, `render_mix`) are plain admin actions for its owner to add to its `actions`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

import catalog.admin  # noqa: F401 (the Track admin this module extends must be registered first)
from lofi_site.queue import enqueue
from production.ingest_services import FINGERPRINT_TASK, ingest_duration_limits, uploads_ingest
from production.models import IngestUpload, MixRender, MoodModel, MoodSuggestion, TrackFingerprint

_COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}


def _track_link(track) -> str:
    if track is None:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("admin:catalog_track_change", args=[track.pk]), track.title)


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
        css = _COCKPIT_CSS

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
        return _track_link(obj.track)

    @admin.display(description="Size", ordering="size_bytes")
    def size_display(self, obj: IngestUpload):
        return f"{obj.size_bytes / 1e6:.1f} MB"

    @admin.display(description="Duplicate check", ordering="track__duplicate_verdict")
    def verdict(self, obj: IngestUpload):
        return verdict_badge(obj.track)


def verdict_badge(track):
    tone = {"clear": "ok", "contains": "bad", "exact": "bad", "unchecked": "warn"}[track.duplicate_verdict]
    return format_html('<span class="tone-{}">{}</span>', tone, track.get_duplicate_verdict_display())


# --- Duplicate checks ------------------------------------------------------------------------------------------


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
        css = _COCKPIT_CSS

    def has_add_permission(self, request):
        return False  # rows come from the fingerprint task

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Track", ordering="track__title")
    def track_display(self, obj: TrackFingerprint):
        return _track_link(obj.track)

    @admin.display(description="Verdict", ordering="track__duplicate_verdict")
    def verdict(self, obj: TrackFingerprint):
        return verdict_badge(obj.track)

    @admin.display(description="Best match")
    def match_display(self, obj: TrackFingerprint):
        return _track_link(obj.match_track)

    @admin.action(description="Check the selected tracks against the catalogue again", permissions=["view"])
    def check_again(self, request, queryset):
        # Harmless for anyone who may look: it reads the index and records what it finds.
        for fingerprint in queryset:
            enqueue(FINGERPRINT_TASK, fingerprint.track_id)
        self.message_user(request, f"Queued {queryset.count()} duplicate check(s).", messages.SUCCESS)


def duplicate_summary(track) -> str:
    """HTML: the verdict, and where it is not clear the catalogue track with the offset and share matched."""
    from production.fingerprint_store import duplicate_reason

    reason = duplicate_reason(track)
    if not reason:
        return verdict_badge(track)
    return format_html("{} {}", verdict_badge(track), reason)


# --- The catalogue's Track page -----------------------------------------------------------------------------------


class TrackIntelligenceAdminMixin:
    """Adds to a Track admin: the spectrogram, the duplicate check with its pointer, next-track suggestions
    and the mood tagger's suggestions (readonly blocks in a "Catalogue intelligence" section on the change
    page), and an action that queues analysis and fingerprinting again."""

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

        from production.mood_services import mood_suggestion_accept, mood_suggestion_reject

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
    from production.ingest_services import track_intelligence_enqueue

    count = 0
    for track in queryset:
        track_intelligence_enqueue(track=track)
        count += 1
    modeladmin.message_user(request, f"Queued analysis and the duplicate check of {count} track(s).", messages.SUCCESS)


def next_tracks_html(track, *, n: int = 8):
    """HTML table of the catalogue tracks that follow `track` best, with score and reasons."""
    from production.intel_selectors import next_track_suggestions

    suggestions = next_track_suggestions(track, n=n)
    if not suggestions:
        return "No catalogue track fits after this one yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                _track_link(other),
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


def extend_track_admin(site=None) -> type:
    """Re-register the Track admin (whatever class is registered now) with TrackIntelligenceAdminMixin.

    catalog may not import production, so production extends the catalogue's page, as distribution does
    for releases. Subclassing the registered class keeps any other app's extension.
    """
    from catalog.models import Track

    site = site or admin.site
    current = type(site._registry[Track])
    if issubclass(current, TrackIntelligenceAdminMixin):
        return current
    extended = type(
        "TrackIntelligenceAdmin",
        (TrackIntelligenceAdminMixin, current),
        {"__module__": __name__, "__doc__": current.__doc__},
    )
    site.unregister(Track)
    site.register(Track, extended)
    return extended


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
    production.mix_services.release_apply_mix_sequence runs per release."""
    from django.core.exceptions import ValidationError

    from production.mix_services import mix_pool_from_catalogue, release_apply_mix_sequence

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
    for release in queryset:
        try:
            order = release_apply_mix_sequence(
                release=release, target_duration_s=target_s, pool=catalogue, actor=request.user
            )
        except ValidationError as error:
            modeladmin.message_user(request, f"{release}: {' '.join(error.messages)}", messages.ERROR)
            continue
        minutes = (sum(t.duration_s or 0 for t in order)) / 60
        modeladmin.message_user(
            request,
            f"{release}: {len(order)} tracks in order, about {minutes:.0f} min before crossfades.",
            messages.SUCCESS,
        )
    return None


@admin.action(description="Render the selected mix releases into one master", permissions=["change"])
def render_mix(modeladmin, request, queryset):
    """Release admin action: an intermediate page asks for crossfade, ambience and loudness, then one
    MixRender is queued per release (production.mix_services.mix_render_create)."""
    from django.core.exceptions import ValidationError

    from production.mix_services import mix_render_create

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
    for release in queryset:
        try:
            mix = mix_render_create(release=release, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            modeladmin.message_user(request, f"{release}: {' '.join(error.messages)}", messages.ERROR)
            continue
        url = reverse("admin:production_mixrender_change", args=[mix.pk])
        modeladmin.message_user(
            request,
            format_html(
                '{}: mix render <a href="{}">#{}</a> {}.', release, url, mix.pk, mix.get_status_display().lower()
            ),
            messages.SUCCESS,
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
        css = _COCKPIT_CSS

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
        from production.mix_services import mix_tracklist_text

        return format_html('<pre class="cockpit-json">{}</pre>', mix_tracklist_text(obj)) if obj.tracklist else "—"

    @admin.action(description="Retry the selected failed renders", permissions=["change"])
    def retry(self, request, queryset):
        from production.mix_services import mix_render_retry

        retried = sum(
            mix_render_retry(mix=mix, actor=request.user).status == MixRender.Status.QUEUED
            for mix in queryset.filter(status=MixRender.Status.FAILED)
        )
        self.message_user(request, f"Queued {retried} render(s) again.", messages.SUCCESS)


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
        css = _COCKPIT_CSS

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

        from production.mood_services import mood_model_train_enqueue, mood_training_refusal, mood_training_set

        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                mood_model_train_enqueue(actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
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
        return _track_link(obj.track)

    @admin.display(description="Probability", ordering="probability")
    def probability_display(self, obj: MoodSuggestion):
        return f"{obj.probability:.0%}"

    @admin.action(description="Accept: add the mood to the track", permissions=["change"])
    def accept(self, request, queryset):
        from production.mood_services import mood_suggestion_accept

        for suggestion in queryset:
            mood_suggestion_accept(suggestion=suggestion, actor=request.user)
        self.message_user(request, f"Accepted {queryset.count()} suggestion(s).", messages.SUCCESS)

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        from production.mood_services import mood_suggestion_reject

        for suggestion in queryset:
            mood_suggestion_reject(suggestion=suggestion, actor=request.user)
        self.message_user(request, f"Rejected {queryset.count()} suggestion(s).", messages.SUCCESS)


extend_track_admin()
