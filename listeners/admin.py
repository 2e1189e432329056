"""Cockpit screens for listeners: feedback moderation (VAs), the recommender models and the A/B tests with their
report (Editors). Listener accounts show no orders: orders and money stay in monetization, Finance's screens."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from listeners import selectors, services
from listeners.models import (
    Experiment,
    ExperimentEvent,
    Feedback,
    Listener,
    MixStream,
    Playlist,
    Recommender,
    RecommenderModel,
    ReleaseAlert,
    SurfaceSetting,
)
from listeners.recommend import abtest
from lofi_site.admin_actions import for_each_selected
from lofi_site.queue import enqueue


@admin.register(Listener)
class ListenerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "is_public", "release_alerts", "is_demo", "created_at", "last_sign_in_at"]
    list_filter = ["is_public", "release_alerts", "is_demo"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["uuid", "email", "created_at", "last_sign_in_at", "is_demo"]
    fields = [
        "uuid",
        "email",
        "display_name",
        "is_public",
        "release_alerts",
        "is_demo",
        "created_at",
        "last_sign_in_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # accounts exist only through a verified sign-in link


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["title", "listener", "visibility", "updated_at"]
    list_filter = ["visibility"]
    list_select_related = ["listener"]
    search_fields = ["title"]
    raw_id_fields = ["listener"]
    readonly_fields = ["uuid", "share_token"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """The moderation queue for listeners' words, in the comment triage's states."""

    list_display = ["rating", "short_text", "release", "author", "status", "flag_list", "sentiment", "created_at"]
    list_filter = ["status", "rating"]
    list_select_related = ["release__artist", "listener"]
    search_fields = ["text", "release__title"]
    readonly_fields = ["author", "release", "rating", "text", "sentiment", "flags", "triaged_by", "triaged_at"]
    fields = ["author", "release", "rating", "text", "status", "sentiment", "flags", "triaged_by", "triaged_at"]
    actions = ["publish", "ignore", "escalate"]

    def get_queryset(self, request):
        return selectors.feedback_list()

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="text")
    def short_text(self, obj: Feedback) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.display(description="by")
    def author(self, obj: Feedback) -> str:
        return obj.listener.public_name  # the name others would see, never the address

    @admin.display(description="flags")
    def flag_list(self, obj: Feedback) -> str:
        return "; ".join(obj.flags)

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            services.feedback_triage(feedback=obj, status=obj.status, actor=request.user)

    def _triage(self, request, queryset, status: str, verb: str):
        for_each_selected(
            self,
            request,
            queryset,
            lambda f: services.feedback_triage(feedback=f, status=status, actor=request.user),
            done=f"{verb} {{count}} feedback text(s).",
        )

    @admin.action(description="Publish selected feedback", permissions=["change"])
    def publish(self, request, queryset):
        self._triage(request, queryset, Feedback.Status.PUBLISHED, "Published")

    @admin.action(description="Ignore selected feedback (spam, off-topic)", permissions=["change"])
    def ignore(self, request, queryset):
        self._triage(request, queryset, Feedback.Status.IGNORED, "Ignored")

    @admin.action(description="Escalate selected feedback to an editor", permissions=["change"])
    def escalate(self, request, queryset):
        self._triage(request, queryset, Feedback.Status.ESCALATED, "Escalated")


@admin.register(RecommenderModel)
class RecommenderModelAdmin(admin.ModelAdmin):
    list_display = ["created_at", "algorithm", "is_active", "interactions", "listener_count", "hit_rates"]
    readonly_fields = ["algorithm", "params", "interactions", "metrics", "is_active", "created_at"]
    fields = readonly_fields
    actions = ["retrain"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("listener_factors", "track_factors")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="listeners")
    def listener_count(self, obj: RecommenderModel) -> int:
        return obj.metrics.get("listeners", 0)

    @admin.display(description="hit rate @10 (learned / popular)")
    def hit_rates(self, obj: RecommenderModel) -> str:
        learned, popular = obj.metrics.get("hit_rate_at_10_learned"), obj.metrics.get("hit_rate_at_10_popular")
        if learned is None:
            return "too few listeners to evaluate"
        return f"{learned:.3f} / {popular:.3f}"

    @admin.action(description="Retrain the recommender now (in the background)", permissions=["view"])
    def retrain(self, request, queryset):
        enqueue("listeners.tasks.recommender_train_task")
        self.message_user(request, "Retraining is queued; the new model appears here when it is done.", messages.INFO)


class ExperimentForm(forms.ModelForm):
    variants = forms.MultipleChoiceField(
        choices=Recommender.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Two or more recommenders; visitors are split evenly between them by a stable hash.",
    )

    class Meta:
        model = Experiment
        fields = ["name", "slug", "surface", "variants"]

    def clean_variants(self):
        variants = self.cleaned_data["variants"]
        if len(variants) < 2:
            raise forms.ValidationError("Choose at least two recommenders to compare.")
        return list(variants)


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    form = ExperimentForm
    list_display = ["name", "surface", "variant_list", "status", "winner", "created_at"]
    list_filter = ["status", "surface"]

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["name"]} if obj is None else {}

    readonly_fields = ["status", "winner", "finished_at", "report"]
    actions = ["promote_leader"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # changing variants mid-run would reshuffle visitors and spoil the counts
            return [*self.readonly_fields, "slug", "surface", "variants"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        base = ["name", "slug", "surface", "variants"]
        return base if obj is None else [*base, "status", "winner", "finished_at", "report"]

    @admin.display(description="variants")
    def variant_list(self, obj: Experiment) -> str:
        return " vs ".join(obj.variants)

    @admin.display(description="report")
    def report(self, obj: Experiment) -> str:
        parts = []
        for metric, label in ((ExperimentEvent.Kind.CLICK, "clicked"), (ExperimentEvent.Kind.PURCHASE, "bought")):
            result = abtest.experiment_report(selectors.experiment_counts(obj, conversion=metric), metric=metric)
            rows = format_html_join(
                "",
                "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td><strong>{}</strong></td></tr>",
                (
                    (
                        r.counts.variant,
                        r.counts.visitors,
                        r.counts.impressions,
                        r.counts.clicks,
                        r.counts.plays,
                        r.counts.cart_adds,
                        r.counts.purchases,
                        r.counts.converted,
                        f"{r.conversion:.2%}",
                    )
                    for r in result.variants
                ),
            )
            verdict = "significant" if result.test.significant else "not significant"
            parts.append(
                format_html(
                    "<h3>Visitors who {}</h3><table><thead><tr><th>variant</th><th>visitors</th><th>shown</th>"
                    "<th>clicks</th><th>plays</th><th>cart adds</th><th>purchases</th><th>converted</th>"
                    "<th>conversion</th></tr></thead><tbody>{}</tbody></table>"
                    "<p>{}: statistic {}, p-value {} ({} at 5%). Leader: {}.</p>",
                    label,
                    rows,
                    result.test.method,
                    f"{result.test.statistic:.3f}",
                    f"{result.test.p_value:.4g}",
                    verdict,
                    result.leader or "none yet",
                )
            )
        return format_html_join("", "{}", ((p,) for p in parts))

    @admin.action(description="Promote the leader (by click-through) and end the experiment", permissions=["change"])
    def promote_leader(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda e: services.experiment_promote(experiment=e, actor=request.user),
            each_done=lambda e, setting: (
                f"{setting.get_recommender_display()} now serves {setting.get_surface_display()}."
            ),
        )


@admin.register(SurfaceSetting)
class SurfaceSettingAdmin(admin.ModelAdmin):
    list_display = ["surface", "recommender", "updated_at"]


@admin.register(ReleaseAlert)
class ReleaseAlertAdmin(admin.ModelAdmin):
    list_display = ["release", "status", "created_at", "finished_at"]
    list_select_related = ["release"]
    readonly_fields = ["release", "status", "finished_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MixStream)
class MixStreamAdmin(admin.ModelAdmin):
    """The mix pages' public MP3s: which are ready, which failed and why; make a failed one again."""

    list_display = ["render", "status", "duration_s", "size_bytes", "updated_at", "error"]
    list_filter = ["status"]
    list_select_related = ["render__release"]
    readonly_fields = ["render", "status", "path", "size_bytes", "duration_s", "error"]
    actions = ["make_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Make the selected streams again (in the background)", permissions=["change"])
    def make_again(self, request, queryset):
        count = 0
        for stream in queryset.exclude(status=MixStream.Status.READY):
            MixStream.objects.filter(pk=stream.pk).update(status=MixStream.Status.PENDING, error="")
            enqueue("listeners.tasks.mix_stream_make_task", stream.pk)
            count += 1
        self.message_user(request, f"{count} stream(s) queued; ready ones are left as they are.", messages.INFO)
