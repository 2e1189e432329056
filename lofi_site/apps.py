from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.module_loading import autodiscover_modules


class CockpitAdminConfig(AdminConfig):
    """Every `@admin.register` in the apps lands on the label's cockpit site."""

    default_site = "lofi_site.admin_site.CockpitAdminSite"


class LofiSiteConfig(AppConfig):
    name = "lofi_site"
    verbose_name = "Label platform"

    def ready(self) -> None:
        # Each app contributes its cockpit panels from its own `dashboard.py`.
        autodiscover_modules("dashboard")
