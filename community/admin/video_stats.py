"""Cockpit screens for YouTube statistics and the analytics page.

Every write goes through community.services; screens never save a workflow field themselves.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from community import cockpit, selectors
from community.admin.common import ReadOnlyAdmin
from community.models import VideoStatsSnapshot


@admin.register(VideoStatsSnapshot)
class VideoStatsSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["day", "publication", "views", "likes", "comments"]
    list_select_related = ["publication__release", "publication__account"]
    list_filter = ["day"]
    date_hierarchy = "day"

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "analytics_url": reverse("admin:community_analytics")}
        return super().changelist_view(request, extra)

    def get_urls(self):
        return [
            path("analytics/", self.admin_site.admin_view(self.analytics_view), name="community_analytics"),
            *super().get_urls(),
        ]

    def analytics_view(self, request):
        """Views per release over time, top tracks, the charts other apps add (revenue per source, for who may
        see the ledger) and best upload times, drawn as SVG on the server."""
        analytics = cockpit.analytics_for(request, days=request.GET.get("days"))
        if analytics is None:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Analytics",
            "analytics": analytics,
            "periods": cockpit.PERIODS_DAYS,
            "opts": self.model._meta,
            "superfans": selectors.superfans(),
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/community/analytics.html", context)
