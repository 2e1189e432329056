"""Cockpit screens for the newsletter: subscribers, the lead magnet, campaigns and their deliveries.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from community import services
from community.admin.common import ReadOnlyAdmin, shorten
from community.models import Campaign, CampaignDelivery, LeadMagnet, Subscriber
from lofi_site.admin_actions import for_each_selected
from operations.admin import audit_link_html


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Addresses are only added by double opt-in on the public form, never typed in here."""

    list_display = ["email", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    actions = ["unsubscribe"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Unsubscribe", permissions=["change"])
    def unsubscribe(self, request, queryset):
        for subscriber in queryset:
            services.subscriber_unsubscribe(subscriber=subscriber)
        self.message_user(request, f"{queryset.count()} address(es) unsubscribed.")


class LeadMagnetForm(forms.ModelForm):
    upload = forms.FileField(
        label="Zip",
        required=False,
        help_text="The zip subscribers download, e.g. a built sample pack's zip (its page under Sample packs "
        "has a download button); on an existing lead magnet, a new upload replaces the current zip. Kept in "
        "private storage; confirmed subscribers get a signed link that expires.",
    )

    class Meta:
        model = LeadMagnet
        fields = ["headline", "is_active"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None and not self.instance.archive_path:
            raise ValidationError("Upload the zip subscribers will download.")
        if upload is not None:
            services.lead_magnet_upload_check(upload)
        return upload


@admin.register(LeadMagnet)
class LeadMagnetAdmin(admin.ModelAdmin):
    """The free pack new subscribers download after confirming. Upload its zip; one lead magnet is active."""

    form = LeadMagnetForm
    list_display = ["headline", "file", "size", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["file", "size", "history"]

    def get_fields(self, request, obj=None):
        return ["headline", "upload", "is_active"] + (["file", "size", "history"] if obj else [])

    @admin.display(description="Current zip", ordering="archive_name")
    def file(self, obj):
        return obj.archive_name or "—"

    @admin.display(description="Size", ordering="archive_size_bytes")
    def size(self, obj):
        return filesizeformat(obj.archive_size_bytes) if obj.archive_path else "—"

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        services.lead_magnet_save(magnet=obj, actor=request.user, upload=form.cleaned_data.get("upload"))


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Campaigns are written here and sent with the "Send" action (editors); sending runs in the background in
    batches and each recipient's outcome is listed under Campaign deliveries."""

    list_display = [
        "subject",
        "status",
        "sent_count",
        "failed_count",
        "pending_count",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["subject"]
    actions = ["send", "retry_failed"]
    readonly_fields = [
        "status",
        "created_by",
        "sent_by",
        "started_at",
        "finished_at",
        "deliveries_link",
        "history",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _sent=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.SENT)),
                _failed=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.FAILED)),
                _pending=Count("deliveries", filter=Q(deliveries__status=CampaignDelivery.Status.PENDING)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return [
                "subject",
                "text_body",
                "html_body",
                *self.readonly_fields,
            ]  # what went out stays as it was
        return self.readonly_fields

    @admin.display(description="Sent", ordering="_sent")
    def sent_count(self, obj):
        return obj._sent

    @admin.display(description="Failed", ordering="_failed")
    def failed_count(self, obj):
        return obj._failed

    @admin.display(description="Pending", ordering="_pending")
    def pending_count(self, obj):
        return obj._pending

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:community_campaigndelivery_changelist") + f"?campaign__id__exact={obj.pk}"
        return format_html('<a href="{}">Every recipient and outcome</a>', url)

    @admin.display(description="History")
    def history(self, obj):
        return audit_link_html(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_send_permission(self, request):
        return request.user.has_perm(services.SEND_CAMPAIGN_PERMISSION)

    @admin.action(description="Send to every confirmed subscriber", permissions=["send"])
    def send(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda campaign: services.campaign_send(campaign=campaign, actor=request.user),
            each_done=lambda campaign, _: f"'{campaign}' is being sent in the background.",
        )

    @admin.action(description="Retry failed deliveries", permissions=["send"])
    def retry_failed(self, request, queryset):
        for campaign in queryset:
            count = services.campaign_retry_failed(campaign=campaign, actor=request.user)
            self.message_user(request, f"'{campaign}': {count} failed deliveries queued again.")


@admin.register(CampaignDelivery)
class CampaignDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "subscriber", "status", "sent_at", "error_short"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "subscriber"]
    search_fields = ["subscriber__email"]

    @admin.display(description="Error")
    def error_short(self, obj):
        return shorten(obj.error) or "—"
