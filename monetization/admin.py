"""Cockpit screens for sales. Finance sees everything here; Editors only licence tiers and sample packs;
VAs nothing (their group holds no permission of this app)."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from lofi_site.admin_actions import for_each_selected
from monetization import selectors, services
from monetization.forms import LicenceTierForm, StatementImportForm
from monetization.models import (
    ChannelRegistration,
    DownloadLink,
    LedgerEntry,
    Licence,
    LicenceTerms,
    LicenceTier,
    Order,
    OrderLine,
    SamplePack,
    SamplePackItem,
    StatementImport,
    StripeEvent,
)
from monetization.money import format_money


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- What the storefront sells ------------------------------------------------------------------------------


class LicenceTermsInline(ReadOnlyInline):
    model = LicenceTerms
    fields = ["version", "published_at", "excerpt"]
    readonly_fields = fields
    verbose_name_plural = "Terms versions (licences keep the version they were sold under)"

    @admin.display(description="Text")
    def excerpt(self, obj: LicenceTerms):
        return obj.text[:160] + ("…" if len(obj.text) > 160 else "")


@admin.register(LicenceTier)
class LicenceTierAdmin(admin.ModelAdmin):
    form = LicenceTierForm
    list_display = ["name", "scope", "price", "max_channels", "is_active", "position", "terms_version"]
    list_filter = ["scope", "is_active"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LicenceTermsInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "scope", "is_active", "position"]}),
        (
            "Price",
            {
                "fields": ["price_minor", "currency"],
                "description": "In minor units: 2900 is 29.00. Used for track licences; sample packs carry "
                "their own price.",
            },
        ),
        ("Plain-language summary", {"fields": ["summary", "permits", "excludes", "max_channels"]}),
        ("Legal terms", {"fields": ["terms_text"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("terms_versions")

    @admin.display(description="Price", ordering="price_minor")
    def price(self, obj: LicenceTier):
        return obj.price_display if obj.scope == LicenceTier.Scope.TRACK else "per pack"

    @admin.display(description="Terms")
    def terms_version(self, obj: LicenceTier):
        current = obj.current_terms()
        return f"v{current.version}" if current else "—"

    def save_model(self, request, obj, form, change):
        services.licence_tier_save(tier=obj, terms_text=form.cleaned_data.get("terms_text", ""), actor=request.user)


class SamplePackItemInline(ReadOnlyInline):
    model = SamplePackItem
    fields = ["filename", "kind", "instrument", "bpm", "key", "duration_s", "size_bytes"]
    readonly_fields = fields
    verbose_name_plural = "Contents of the last build"


@admin.register(SamplePack)
class SamplePackAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "status", "is_published", "price", "file_count", "built_at"]
    list_filter = ["status", "is_published"]
    search_fields = ["title", "code", "slug"]
    list_select_related = ["tier"]
    autocomplete_fields = ["tracks", "tier"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "build_error", "built_at", "archive_size_bytes", "archive_download", "demo_player"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "code", "description", "is_published"]}),
        (
            "Source material",
            {
                "fields": ["tracks", "loop_bars"],
                "description": "Loops, one-shots and MIDI are cut from these tracks' stems, MIDI and "
                "master. Use the “Build” action after changing them.",
            },
        ),
        ("Sale", {"fields": ["tier", "price_minor", "currency"]}),
        (
            "Build",
            {"fields": ["status", "build_error", "built_at", "archive_size_bytes", "archive_download", "demo_player"]},
        ),
    ]
    inlines = [SamplePackItemInline]
    actions = ["build"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description="Price", ordering="price_minor")
    def price(self, obj: SamplePack):
        return obj.price_display

    @admin.display(description="Files", ordering="n_items")
    def file_count(self, obj: SamplePack):
        return obj.n_items

    @admin.display(description="Zip")
    def archive_download(self, obj: SamplePack):
        # Staff check a build here, or download it to use as the newsletter's free pack (community's lead magnet).
        if not obj.pk or obj.status != SamplePack.Status.READY or not obj.archive_path:
            return "—"
        url = reverse("admin:monetization_samplepack_archive", args=[obj.pk])
        return format_html('<a class="button" href="{}">Download {}</a>', url, obj.archive_filename)

    def get_urls(self):
        view = self.admin_site.admin_view(self.archive_view)
        return [path("<int:pk>/archive/", view, name="monetization_samplepack_archive"), *super().get_urls()]

    def archive_view(self, request, pk):
        """The built zip from private storage, for staff who may view sample packs."""
        pack = SamplePack.objects.filter(pk=pk).first()
        if pack is None or not self.has_view_or_change_permission(request, pack):
            raise PermissionDenied
        if pack.status != SamplePack.Status.READY or not pack.archive_path:
            raise Http404("This pack has not been built.")
        return FileResponse(
            storages["private"].open(pack.archive_path, "rb"), as_attachment=True, filename=pack.archive_filename
        )

    @admin.display(description="Demo")
    def demo_player(self, obj: SamplePack):
        if not obj.demo_url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', obj.demo_url)

    def save_model(self, request, obj, form, change):
        services.sample_pack_save(pack=obj, actor=request.user)

    @admin.action(description="Build the selected packs (in the background)", permissions=["change"])
    def build(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda pack: services.sample_pack_request_build(pack=pack, actor=request.user),
            done="{count} pack(s) queued; refresh to follow their status.",
        )


# --- Orders and licences ------------------------------------------------------------------------------------


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["description", "tier", "terms", "amount", "licence_code"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tier", "terms__tier", "order", "licence")

    @admin.display(description="Price")
    def amount(self, obj: OrderLine):
        return format_money(obj.unit_amount_minor, obj.order.currency)

    @admin.display(description="Licence")
    def licence_code(self, obj: OrderLine):
        licence = getattr(obj, "licence", None)
        if licence is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:monetization_licence_change", args=[licence.pk]),
            licence.code,
            licence.get_status_display(),
        )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "email", "status", "total", "refunded", "paid_at", "created_at"]
    list_filter = ["status", "currency", ("paid_at", admin.DateFieldListFilter)]
    search_fields = ["email", "licensee_name", "uuid", "stripe_session_id", "stripe_payment_intent_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "uuid",
        "email",
        "licensee_name",
        "status",
        "currency",
        "total_minor",
        "amount_refunded_minor",
        "stripe_session_id",
        "stripe_payment_intent_id",
        "paid_at",
        "refunded_at",
        "failure_reason",
        "confirmation_sent_at",
        "refund_notice_sent_at",
        "created_at",
    ]
    exclude = ["checkout_url"]
    inlines = [OrderLineInline]
    actions = ["resend_confirmation", "fresh_links"]

    def has_add_permission(self, request):
        return False  # orders come from the storefront's checkout only

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger and the licences point at orders

    @admin.display(description="Total", ordering="total_minor")
    def total(self, obj: Order):
        return obj.total_display

    @admin.display(description="Refunded", ordering="amount_refunded_minor")
    def refunded(self, obj: Order):
        return format_money(obj.amount_refunded_minor, obj.currency) if obj.amount_refunded_minor else "—"

    @admin.action(description="Re-send the confirmation e-mail", permissions=["change"])
    def resend_confirmation(self, request, queryset):
        count = sum(1 for order in queryset if services.order_confirmation_resend(order=order, actor=request.user))
        self.message_user(request, f"{count} confirmation e-mail(s) queued.", messages.SUCCESS)

    @admin.action(description="E-mail fresh download links to the buyer", permissions=["change"])
    def fresh_links(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda order: services.order_download_links_send(order=order, actor=request.user),
            done="Fresh download links issued and being e-mailed for {count} order(s).",
        )


class DownloadLinkInline(ReadOnlyInline):
    model = DownloadLink
    fields = [
        "kind",
        "created_at",
        "expires_at",
        "download_count",
        "max_downloads",
        "disabled_at",
        "last_downloaded_at",
    ]
    readonly_fields = fields


class ChannelInline(ReadOnlyInline):
    model = ChannelRegistration
    fields = ["channel_id", "created_at"]
    readonly_fields = fields


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["code", "subject", "tier", "status", "licensee_email", "created_at"]
    list_filter = ["status", "tier"]
    search_fields = ["code", "licensee_email", "licensee_name", "track__title", "track__isrc", "pack__title"]
    list_select_related = ["track__artist", "pack", "tier"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "code",
        "uuid",
        "order_line",
        "track",
        "pack",
        "tier",
        "terms",
        "licensee_name",
        "licensee_email",
        "status",
        "revoked_at",
        "revoke_reason",
        "certificate_path",
        "created_at",
        "verification",
    ]
    inlines = [ChannelInline, DownloadLinkInline]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # licences are issued by paid orders only

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Licensed work")
    def subject(self, obj: Licence):
        return obj.subject_title

    @admin.display(description="Public verification page")
    def verification(self, obj: Licence):
        url = obj.get_absolute_url()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.action(description="Revoke the selected licences", permissions=["change"])
    def revoke(self, request, queryset):
        for licence in queryset:
            services.licence_revoke(
                licence=licence, reason=f"Revoked in the cockpit by {request.user}.", actor=request.user
            )
        self.message_user(request, "Revoked; their downloads stop and verification shows them revoked.")


@admin.register(ChannelRegistration)
class ChannelRegistrationAdmin(admin.ModelAdmin):
    list_display = ["channel_id", "licence", "tier", "licence_status", "created_at"]
    list_filter = ["licence__status", "licence__tier"]
    search_fields = ["channel_id", "licence__code"]
    list_select_related = ["licence__tier"]
    raw_id_fields = ["licence"]
    change_list_template = "admin/monetization/channelregistration/change_list.html"

    def has_add_permission(self, request):
        return False  # buyers register channels from My downloads

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Tier")
    def tier(self, obj: ChannelRegistration):
        return obj.licence.tier.name

    @admin.display(description="Licence")
    def licence_status(self, obj: ChannelRegistration):
        return obj.licence.get_status_display()

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="monetization_channel_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The Content ID allow list: every channel covered by at least one valid licence, once."""
        if not request.user.has_perm("monetization.view_channelregistration"):
            raise PermissionDenied
        rows = selectors.active_channel_allowlist()
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="allowlist-{timezone.localdate():%Y%m%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(["channel_id", "licence_codes", "tiers", "registered_since"])
        for row in rows:
            writer.writerow(
                [
                    row["channel_id"],
                    " ".join(row["licence_codes"]),
                    "; ".join(row["tiers"]),
                    row["since"].date().isoformat(),
                ]
            )
        return response


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "outcome"]
    readonly_fields = ["event_id", "type", "received_at", "processed_at", "outcome", "payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- The revenue ledger -------------------------------------------------------------------------------------


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream a CSV row by row: a year of ledger entries never sits in memory as one string."""

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _minor_to_decimal_text(amount_minor: int, currency: str) -> str:
    from monetization.money import exponent

    digits = exponent(currency)
    return f"{amount_minor / 10**digits:.{digits}f}"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = [
        "booked_on",
        "source",
        "kind",
        "amount",
        "track",
        "release",
        "isrc",
        "order_link",
        "description",
    ]
    list_filter = ["source", "kind", "currency"]
    search_fields = ["isrc", "description", "track__title", "release__title", "external_ref"]
    list_select_related = ["track", "release", "order"]
    date_hierarchy = "booked_on"
    readonly_fields = [
        "booked_on",
        "source",
        "kind",
        "amount_minor",
        "currency",
        "track",
        "release",
        "pack",
        "isrc",
        "units",
        "order",
        "statement",
        "description",
        "external_ref",
        "created_at",
    ]
    change_list_template = "admin/monetization/ledgerentry/change_list.html"
    actions = ["export_selected"]

    def has_add_permission(self, request):
        return False  # entries come from payments, refunds and statement imports

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Amount", ordering="amount_minor")
    def amount(self, obj: LedgerEntry):
        return obj.amount_display

    @admin.display(description="Order")
    def order_link(self, obj: LedgerEntry):
        if not obj.order_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:monetization_order_change", args=[obj.order_id]),
            obj.order.reference,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="monetization_ledger_report"),
            path("export/", view(self.export_view), name="monetization_ledger_export"),
            *super().get_urls(),
        ]

    def _month(self, request) -> dt.date:
        try:
            return dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            return timezone.localdate().replace(day=1)

    def report_view(self, request):
        """Monthly net revenue per track, release or source, with totals per currency; CSV on request."""
        if not request.user.has_perm("monetization.view_ledgerentry"):
            raise PermissionDenied
        month = self._month(request)
        group = request.GET.get("group") if request.GET.get("group") in selectors.REPORT_GROUPS else "track"
        rows = selectors.ledger_month_report(month=month, group_by=group)
        if request.GET.get("format") == "csv":
            if not request.user.has_perm("monetization.export_ledger"):
                raise PermissionDenied
            return _csv_response(
                f"revenue-{month:%Y-%m}-by-{group}.csv",
                [group, "currency", "sales", "refunds", "platform_royalties", "net", "units"],
                (
                    [
                        r["name"],
                        r["currency"].upper(),
                        *(_minor_to_decimal_text(r[k], r["currency"]) for k in ("sale", "refund", "royalty", "net")),
                        r["units"],
                    ]
                    for r in rows
                ),
            )
        totals: dict[str, dict] = {}
        for row in rows:
            total = totals.setdefault(row["currency"], {"sale": 0, "refund": 0, "royalty": 0, "net": 0})
            for key in total:
                total[key] += row[key]
        display = [
            {
                **r,
                **{f"{k}_display": format_money(r[k], r["currency"]) for k in ("sale", "refund", "royalty", "net")},
            }
            for r in rows
        ]
        total_display = [
            {"currency": c.upper(), **{k: format_money(v, c) for k, v in t.items()}} for c, t in sorted(totals.items())
        ]
        months = selectors.ledger_months()
        if month not in months:
            months = sorted([*months, month], reverse=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revenue report — {month:%B %Y}",
            "opts": self.model._meta,
            "rows": display,
            "totals": total_display,
            "month": month,
            "months": months,
            "group": group,
            "groups": selectors.REPORT_GROUPS,
            "can_export": request.user.has_perm("monetization.export_ledger"),
        }
        return TemplateResponse(request, "admin/monetization/ledgerentry/report.html", context)

    def export_view(self, request):
        """Every entry of a month (or all, with month=all) as CSV, for the accountant."""
        if not request.user.has_perm("monetization.export_ledger"):
            raise PermissionDenied
        qs = LedgerEntry.objects.select_related("track", "release", "order", "pack").order_by("booked_on", "id")
        label = "all"
        if request.GET.get("month") != "all":
            month = self._month(request)
            end = (month + dt.timedelta(days=32)).replace(day=1)
            qs = qs.filter(booked_on__gte=month, booked_on__lt=end)
            label = f"{month:%Y-%m}"
        return self._export(qs, f"ledger-{label}.csv")

    @admin.action(description="Export the selected entries as CSV", permissions=["export"])
    def export_selected(self, request, queryset):
        return self._export(
            queryset.select_related("track", "release", "order", "pack").order_by("booked_on", "id"),
            "ledger-selection.csv",
        )

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("monetization.export_ledger")

    def _export(self, qs, filename: str):
        return _csv_response(
            filename,
            [
                "date",
                "source",
                "kind",
                "amount",
                "currency",
                "isrc",
                "track",
                "release",
                "sample_pack",
                "order",
                "units",
                "description",
                "reference",
            ],
            (
                [
                    e.booked_on.isoformat(),
                    e.source,
                    e.kind,
                    _minor_to_decimal_text(e.amount_minor, e.currency),
                    e.currency.upper(),
                    e.isrc,
                    e.track.title if e.track else "",
                    e.release.title if e.release else "",
                    e.pack.title if e.pack else "",
                    e.order.reference if e.order else "",
                    e.units if e.units is not None else "",
                    e.description,
                    e.external_ref,
                ]
                for e in qs.iterator(chunk_size=2000)
            ),
        )


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "source",
        "period",
        "rows_read",
        "rows_matched",
        "rows_unmatched",
        "rows_skipped",
        "imported_by",
        "created_at",
    ]
    list_filter = ["source"]
    list_select_related = ["imported_by"]
    readonly_fields = [
        "source",
        "period",
        "currency",
        "file_name",
        "sha256",
        "rows_read",
        "rows_matched",
        "rows_unmatched",
        "rows_skipped",
        "unmatched_isrcs",
        "imported_by",
        "created_at",
    ]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # its ledger entries point at it

    def add_view(self, request, form_url="", extra_context=None):
        """Upload a report: parsed and booked at once (reports are read streaming, so even large ones are
        quick), with a summary of what matched."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = services.statement_import(
                    source=form.cleaned_data["source"],
                    period=form.cleaned_data["period"],
                    currency=form.cleaned_data["currency"],
                    file=upload.file,
                    file_name=upload.name,
                    actor=request.user,
                )
            except (ValidationError, ValueError) as error:
                form.add_error("file", " ".join(getattr(error, "messages", [str(error)])))
            else:
                self.message_user(
                    request,
                    f"Imported {record}: {record.rows_matched} row(s) matched a track, "
                    f"{record.rows_unmatched} did not ({len(record.unmatched_isrcs)} ISRCs), "
                    f"{record.rows_skipped} skipped.",
                    messages.SUCCESS if not record.rows_unmatched else messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:monetization_statementimport_change", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a platform statement",
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": True,
        }
        return render(request, "admin/monetization/statementimport/import_form.html", context)
