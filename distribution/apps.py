from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "Distribution"

    def ready(self) -> None:
        post_migrate.connect(_procedures_after_migrate, sender=self, dispatch_uid="distribution.procedures_ensure")


def _procedures_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate (which passes its migration state as `apps`) and after flush (which empties every table and
    # passes none): the every-minute publishing schedule and the hourly status read-back exist again.
    from distribution.procedures import procedures_ensure

    try:
        apps.get_model("django_q", "Schedule")
    except LookupError:  # migrated back to before the table existed
        return
    procedures_ensure(apps)
