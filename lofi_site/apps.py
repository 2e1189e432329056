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
        # post_migrate is sent once per app that has models; this one has none, so ride on auth's (which owns
        # the groups). roles_sync creates every app's permissions itself, so the apps' order does not matter.
        post_migrate.connect(
            _roles_after_migrate, sender=django_apps.get_app_config("auth"), dispatch_uid="lofi_site.roles_sync"
        )
        # Without Redis the default cache is a database table: `migrate` creates it, so `make run` needs no step.
        from lofi_site.cache import create_cache_table_after_migrate

        post_migrate.connect(
            create_cache_table_after_migrate,
            sender=django_apps.get_app_config("auth"),
            dispatch_uid="lofi_site.cache_table",
        )


def _roles_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate (which passes its migration state as `apps`) and after flush (which empties the auth tables
    # and passes none): the groups hold exactly their permissions.
    from lofi_site.roles import roles_sync

    roles_sync(apps)
