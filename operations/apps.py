from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        # After every migrate and flush: the checklist templates releases, batches and weeks attach by slug,
        # and the weekly schedule.
        standing_data(
            "operations.procedures.procedures_ensure",
            order=20,
            requires=("operations.ChecklistTemplateItem", "django_q.Schedule"),
        )
