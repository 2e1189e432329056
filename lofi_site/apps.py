from django.apps import AppConfig
from django.apps import apps as django_apps
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
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
        # Role groups, checklist templates, schedules, licence tiers: back after every migrate and flush.
        from lofi_site import standing_data

        standing_data.connect()
        # Without Redis the default cache is a database table: `migrate` creates it, so `make run` needs no step.
        from lofi_site.cache import create_cache_table_after_migrate

        post_migrate.connect(
            create_cache_table_after_migrate,
            sender=django_apps.get_app_config("auth"),
            dispatch_uid="lofi_site.cache_table",
        )
