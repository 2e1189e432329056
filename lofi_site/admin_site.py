"""The cockpit: Django's admin site with the label's name and a dashboard as its index."""

from django.conf import settings
from django.contrib import admin

from lofi_site.dashboard import panels_for


class CockpitAdminSite(admin.AdminSite):
    index_template = "admin/cockpit_index.html"

    @property
    def site_header(self) -> str:
        return f"{settings.LABEL_NAME} cockpit"

    @property
    def site_title(self) -> str:
        return settings.LABEL_NAME

    index_title = "Dashboard"

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "panels": panels_for(request)}
        return super().index(request, extra_context)
