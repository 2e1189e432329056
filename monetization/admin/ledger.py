"""The revenue ledger (every amount earned or paid, CSV exports) and the distributor statement imports."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from monetization import selectors, services
from monetization.engine.money import format_money
from monetization.forms import StatementImportForm
from monetization.models import LedgerEntry, StatementImport


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
    from monetization.engine.money import exponent

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
