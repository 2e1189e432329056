from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class MonetizationConfig(AppConfig):
    name = "monetization"
    verbose_name = "Sales"

    def ready(self) -> None:
        from monetization import checks  # noqa: F401 - registers the system checks

        post_migrate.connect(_tiers_after_migrate, sender=self, dispatch_uid="monetization.default_tiers_ensure")


def _tiers_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate (which passes its migration state as `apps`) and after flush (which empties every table and
    # passes none): a shop without any licence tier gets the standard ones back (monetization/default_tiers.py).
    from monetization.default_tiers import default_tiers_ensure

    try:
        apps.get_model("monetization", "LicenceTerms")
    except LookupError:  # migrated back to before the tables existed
        return
    default_tiers_ensure(apps)
