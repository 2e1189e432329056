"""Orders and what they gave: licences, download links, channel allow lists, and Stripe's webhook events."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from lofi_site.admin_actions import for_each_selected
from monetization import selectors, services
from monetization.admin.common import ReadOnlyInline
from monetization.engine.money import format_money
from monetization.models import ChannelRegistration, DownloadLink, Licence, Order, OrderLine, StripeEvent


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
