from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        post_migrate.connect(_procedures_after_migrate, sender=self, dispatch_uid="operations.procedures_ensure")


def _procedures_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate (which passes its migration state as `apps`) and after flush (which empties every table and
    # passes none): the checklist templates releases, batches and weeks attach by slug, and the weekly schedule,
    # exist again. Creates only what is missing.
    from operations.procedures import procedures_ensure

    try:
        apps.get_model("operations", "ChecklistTemplateItem")
        apps.get_model("django_q", "Schedule")
    except LookupError:  # migrated back to before the tables existed
        return
    procedures_ensure(apps)
