"""The cockpit's release page.

catalog imports no other app, so the release page is extended here: a mixin added to catalog's ReleaseAdmin through
catalog.admin's `catalog_page_extension`, with where and when it goes out, readiness, checklists, history,
publications per platform, metadata, media previews and the workflow actions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalog.admin import ReleaseAdmin as CatalogReleaseAdmin
from catalog.admin import catalog_page_extension
from catalog.models import Release
from distribution import selectors, services, views
from distribution.forms import (
    ReleaseCockpitForm,
)
from distribution.models import (
    API_PLATFORMS,
    MetadataPlatform,
    ReleaseMetadata,
)
from distribution.release_calendar import STATUS_TONES
from distribution.services import delivery as delivery_services
from distribution.services import release_media as media_services
from lofi_site.admin_actions import for_each_selected
from operations.admin import COCKPIT_CSS, audit_link_html, checklist_progress_html
from production.admin import release_mix_actions

# --- The release page -------------------------------------------------------------------------------------


@catalog_page_extension(Release)
class ReleaseDistributionAdminMixin:
    """The catalogue's release screen with distribution: plan, readiness, publications, metadata, media."""

    form = ReleaseCockpitForm
    change_form_template = "admin/catalog/release/distribution_change_form.html"
    list_display = [*CatalogReleaseAdmin.list_display, "publication_badges"]
    readonly_fields = [
        *CatalogReleaseAdmin.readonly_fields,
        "readiness",
        "checklists",
        "history",
        "publications_block",
        "metadata_block",
        "media_block",
    ]
    fields = None
    actions = [
        "mark_ready",
        "schedule",
        "generate_metadata",
        "regenerate_metadata",
        "generate_artwork",
        "render_video",
        "build_delivery_packages",
        "return_to_draft",
        "withdraw",
        *release_mix_actions,  # long mixes: sequence the tracklist, render one master (production)
    ]
    # Shown as buttons on the release page (each posts to release_action_view).
    PAGE_ACTIONS = (
        "mark_ready",
        "schedule",
        "generate_metadata",
        "regenerate_metadata",
        "generate_artwork",
        "render_video",
        "build_delivery_packages",
        "return_to_draft",
        "withdraw",
    )

    class Media:
        css = COCKPIT_CSS

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": CatalogReleaseAdmin.fields}),
            ("Where and when", {"fields": ["platforms", "publish_at"]}),
        ]
        if obj is not None:
            fieldsets += [
                ("Readiness", {"fields": ["readiness", "checklists", "history"]}),
                ("Publications", {"fields": ["publications_block"]}),
                ("Metadata", {"fields": ["metadata_block"]}),
                ("Media", {"fields": ["media_block"]}),
            ]
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(selectors.publications_prefetch())

    def get_urls(self):
        def action(request, object_id, name):
            return views.release_action_view(request, self, object_id, name)

        return [
            path(
                "<path:object_id>/distribution/<slug:name>/",
                self.admin_site.admin_view(action),
                name="catalog_release_distribution_action",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            available = self.get_actions(request)
            context["workflow_actions"] = [
                (
                    name,
                    available[name][2],
                    reverse("admin:catalog_release_distribution_action", args=[obj.pk, name]),
                )
                for name in self.PAGE_ACTIONS
                if name in available
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.release_prepare(release=obj, actor=request.user)
        if "platforms" in form.cleaned_data:
            services.release_plan_update(
                release=obj,
                actor=request.user,
                accounts=list(form.cleaned_data["platforms"]),
                publish_at=form.cleaned_data.get("publish_at"),
            )

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    # -- read-only blocks (also what a VA sees in place of the plan's form fields) --

    @admin.display(description="Platforms")
    def platforms(self, obj: Release):
        names = [str(a) for a in selectors.release_target_accounts(obj)]
        return ", ".join(names) or "—"

    @admin.display(description="Goes public at")
    def publish_at(self, obj: Release):
        plan = selectors.release_plan(obj)
        when = (plan.publish_at if plan else None) or services.default_publish_at(obj)
        return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "—"

    @admin.display(description="Publications")
    def publication_badges(self, obj: Release):
        return (
            format_html_join(
                " ",
                '<span class="tone-{}" title="{}">{}</span>',
                (
                    (
                        STATUS_TONES.get(p.status, "none"),
                        p.status_text,
                        f"{p.account.get_platform_display()}: {p.get_status_display().lower()}",
                    )
                    for p in obj.publications.all()
                ),
            )
            or "—"
        )

    @admin.display(description="Ready?")
    def readiness(self, obj: Release):
        if obj.status != Release.Status.DRAFT:
            return f"{obj.get_status_display()}."
        blockers = selectors.release_readiness_blockers(obj)
        targets = selectors.release_target_accounts(obj)
        if not blockers:
            names = ", ".join(f"{a} ({a.connected_as})" for a in targets) or "no target accounts yet"
            return format_html(
                '<span class="tone-ok">{}</span><div class="help">Checked: {}.</div>',
                "Everything is in place: mark it ready.",
                names,
            )
        # Connection problems link to the account page where they are fixed.
        fixes = {
            text: reverse("admin:distribution_platformaccount_change", args=[account.pk])
            for text, account in selectors.account_connection_problems(targets)
        }
        return format_html(
            '<ul class="tone-bad">{}</ul>',
            format_html_join(
                "",
                "<li>{}{}</li>",
                (
                    (b, format_html(' <a href="{}">Fix the account</a>', fixes[b]) if b in fixes else "")
                    for b in blockers
                ),
            ),
        )

    @admin.display(description="Checklists")
    def checklists(self, obj: Release):
        return checklist_progress_html(obj)

    @admin.display(description="History")
    def history(self, obj: Release):
        return audit_link_html(obj)

    @admin.display(description="Publications")
    def publications_block(self, obj: Release):
        return render_to_string(
            "distribution/release_publications.html",
            {
                "publications": selectors.release_publications(obj),
                "packages": selectors.delivery_packages_for(obj),
                "calendar_url": views.calendar_url(view="month", day=obj.release_date),
            },
        )

    @admin.display(description="Metadata")
    def metadata_block(self, obj: Release):
        rows = {m.platform: m for m in ReleaseMetadata.objects.filter(release=obj).select_related("edited_by")}
        return render_to_string(
            "distribution/release_metadata.html",
            {"rows": [(label, rows.get(value)) for value, label in MetadataPlatform.choices]},
        )

    @admin.display(description="Media")
    def media_block(self, obj: Release):
        return render_to_string("distribution/release_media.html", {"media": selectors.release_media(obj)})

    # -- actions --

    def _each(self, request, queryset, work, done: str) -> None:
        for_each_selected(self, request, queryset, work, done=done + ": {count} release(s).")

    @admin.action(description="Mark ready", permissions=["change"])
    def mark_ready(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_mark_ready(release=r, actor=request.user),
            "Marked ready",
        )

    @admin.action(description="Schedule publishing", permissions=["publish"])
    def schedule(self, request, queryset):
        self._each(request, queryset, lambda r: services.release_schedule(release=r, actor=request.user), "Scheduled")

    @admin.action(description="Generate missing metadata", permissions=["change"])
    def generate_metadata(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_metadata_generate(release=r, actor=request.user),
            "Metadata ready",
        )

    @admin.action(description="Regenerate metadata (replaces edits)", permissions=["change"])
    def regenerate_metadata(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_metadata_generate(release=r, actor=request.user, regenerate=True),
            "Metadata regenerated",
        )

    @admin.action(description="Generate new cover and thumbnails", permissions=["change"])
    def generate_artwork(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: media_services.release_artwork_request(release=r, actor=request.user),
            "Artwork queued",
        )

    @admin.action(description="Render video, preview and canvas", permissions=["change"])
    def render_video(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: media_services.release_video_request(release=r, actor=request.user),
            "Video render queued",
        )

    @admin.action(description="Build delivery packages", permissions=["change"])
    def build_delivery_packages(self, request, queryset):
        def build(release: Release) -> None:
            accounts = [a for a in selectors.release_target_accounts(release) if a.platform not in API_PLATFORMS]
            if not accounts:
                raise ValidationError("No distributor or store without an API is among its platforms.")
            for account in accounts:
                delivery_services.delivery_package_request(release=release, account=account, actor=request.user)

        self._each(request, queryset, build, "Delivery packages queued")

    @admin.action(description="Return to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: services.release_return_to_draft(release=r, actor=request.user),
            "Back to draft",
        )

    @admin.action(description="Withdraw", permissions=["publish"])
    def withdraw(self, request, queryset):
        def withdraw(release: Release) -> None:
            live = services.release_withdraw(release=release, actor=request.user)
            if live:
                self.message_user(
                    request,
                    f"{release} is still live on {', '.join(p.account.name for p in live)}: take it down there.",
                    messages.WARNING,
                )

        self._each(request, queryset, withdraw, "Withdrawn")
