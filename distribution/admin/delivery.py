"""Cockpit screen of delivery packages: what a distributor or a store without an API receives."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html

from distribution import views
from distribution.models import (
    DeliveryPackage,
)
from distribution.services import delivery as delivery_services


@admin.register(DeliveryPackage)
class DeliveryPackageAdmin(admin.ModelAdmin):
    list_display = ["release", "account", "status", "size", "built_at", "download"]
    list_filter = ["status", "account"]
    search_fields = ["release__title", "release__upc", "message_id"]
    list_select_related = ["release", "account"]
    fields = [
        "release",
        "account",
        "status",
        "download",
        "size",
        "sha256",
        "message_id",
        "built_at",
        "error",
        "manifest",
    ]
    readonly_fields = fields
    actions = ["rebuild"]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(
                    lambda r, object_id: views.delivery_package_download_view(r, self, object_id)
                ),
                name="distribution_deliverypackage_download",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Size")
    def size(self, obj: DeliveryPackage):
        return f"{obj.size_bytes / 1_000_000:.1f} MB" if obj.size_bytes else "—"

    @admin.display(description="Download")
    def download(self, obj: DeliveryPackage):
        if obj.status != DeliveryPackage.Status.READY:
            return obj.get_status_display()
        url = reverse("admin:distribution_deliverypackage_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    @admin.action(description="Build again", permissions=["change"])
    def rebuild(self, request, queryset):
        for package in queryset.select_related("release", "account"):
            delivery_services.delivery_package_request(
                release=package.release, account=package.account, actor=request.user
            )
        self.message_user(request, "Queued.", messages.SUCCESS)
