"""Cockpit screens of platform accounts (connect, credentials, today's quota) and the quota ledger per day."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from distribution import views
from distribution.forms import (
    PlatformAccountForm,
)
from distribution.models import (
    Platform,
    PlatformAccount,
    QuotaUsage,
)
from distribution.platforms.youtube import pacific_day
from distribution.services.youtube import account_credentials, platform_account_credentials_set


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    """Accounts and their connection. Secrets are write-only; the page shows who it is connected as."""

    form = PlatformAccountForm
    list_display = ["name", "platform", "connected_as", "is_active", "quota_today"]
    list_filter = ["platform", "is_active"]
    search_fields = ["name", "external_account_name"]
    readonly_fields = ["connection"]
    # One section per platform; an existing account shows only its own platform's (a form per platform).
    PLATFORM_SECTIONS = {
        Platform.YOUTUBE: (
            "YouTube",
            ["daily_quota_units", "client_id", "client_secret", "connection", "oauth_auth_uri", "oauth_token_uri"],
        ),
        Platform.SOUNDCLOUD: (
            "SoundCloud",
            ["client_id", "client_secret", "connection", "api_base", "authorize_url", "token_url"],
        ),
        Platform.DDEX_DISTRIBUTOR: ("DDEX distributor", ["recipient_dpid", "sender_dpid"]),
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": ["platform", "name", "is_active"]})]
        if obj is not None:
            title, fields = self.PLATFORM_SECTIONS.get(obj.platform, (None, []))
            if fields:
                fieldsets.append((f"{title} settings", {"fields": fields}))
            else:
                fieldsets.append(
                    (
                        f"{obj.get_platform_display()} settings",
                        {"fields": [], "description": "Uploaded by hand from the delivery package: nothing to set."},
                    )
                )
            return fieldsets
        seen: set[str] = set()
        for title, fields in self.PLATFORM_SECTIONS.values():  # a new account: every platform's, each once
            fresh = [f for f in fields if f not in seen and f != "connection"]
            seen.update(fresh)
            fieldsets.append((f"{title} settings", {"fields": fresh, "description": f"Only for {title}."}))
        return fieldsets

    def get_queryset(self, request):
        today = QuotaUsage.objects.filter(account=OuterRef("pk"), day=pacific_day(timezone.now()))
        return super().get_queryset(request).annotate(_units_today=Subquery(today.values("units_used")[:1]))

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/disconnect/",
                view(lambda r, object_id: views.account_disconnect_view(r, self, object_id)),
                name="distribution_platformaccount_disconnect",
            ),
        ]
        for platform in views.PROVIDERS:
            urls += [
                path(
                    f"<path:object_id>/{platform}/connect/",
                    view(
                        lambda r, object_id, platform=platform: views.account_connect_view(r, self, object_id, platform)
                    ),
                    name=f"distribution_platformaccount_{platform}_connect",
                ),
                path(
                    f"{platform}/callback/",
                    view(lambda r, platform=platform: views.account_callback_view(r, self, platform)),
                    name=f"distribution_platformaccount_{platform}_callback",
                ),
            ]
        return [*urls, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        platform_account_credentials_set(
            account=obj,
            actor=request.user,
            values={
                "client_id": form.cleaned_data.get("client_id", ""),
                "client_secret": form.cleaned_data.get("client_secret", ""),
            },
        )

    @admin.display(description="Units spent today (Pacific)")
    def quota_today(self, obj: PlatformAccount):
        if obj.platform != Platform.YOUTUBE:
            return "—"
        return f"{obj._units_today or 0} / {obj.daily_quota_units}"

    @admin.display(description="Client id")
    def client_id(self, obj: PlatformAccount):
        return "stored" if obj.credentials_encrypted else "—"

    @admin.display(description="Client secret")
    def client_secret(self, obj: PlatformAccount):
        return "stored (never shown)" if obj.credentials_encrypted else "—"

    @admin.display(description="Connection")
    def connection(self, obj: PlatformAccount):
        if obj is None or obj.pk is None:
            return "Save the account first."
        text = obj.connected_as
        if obj.connected_at:
            text += f" since {timezone.localtime(obj.connected_at):%Y-%m-%d}"
        if obj.platform not in views.PROVIDERS:
            return text
        has_client = bool((account_credentials(obj).get("client") or {}).get("client_id"))
        if not has_client:
            return f"{text}. Enter the OAuth client id and secret, save, then connect."
        url = reverse(f"admin:distribution_platformaccount_{obj.platform}_connect", args=[obj.pk])
        label = "Connect again" if obj.external_account_name else f"Connect to {obj.get_platform_display()}"
        links = format_html('{} · <a class="button" href="{}">{}</a>', text, url, label)
        if obj.is_connected:
            # A plain POST form would nest inside the change form: the button posts through `formaction`.
            disconnect = reverse("admin:distribution_platformaccount_disconnect", args=[obj.pk])
            links = format_html(
                '{} <button type="submit" class="button" formaction="{}" formnovalidate>Disconnect</button>',
                links,
                disconnect,
            )
        return links


@admin.register(QuotaUsage)
class QuotaUsageAdmin(admin.ModelAdmin):
    list_display = ["account", "day", "units_used", "exhausted_at"]
    list_filter = ["account"]
    list_select_related = ["account"]
    date_hierarchy = "day"
    readonly_fields = ["account", "day", "units_used", "exhausted_at", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
