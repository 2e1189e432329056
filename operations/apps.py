from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        # After every migrate and flush: the checklist templates releases, batches and weeks attach by slug,
        # and the weekly schedule.
        # Status changes other apps announce (catalog may not import operations) become audit events.
        from lofi_site.status_events import status_changed
        from operations.services import audit_status_change

        status_changed.connect(audit_status_change, dispatch_uid="operations.audit_status_change")
        standing_data(
            "operations.procedures.procedures_ensure",
            order=20,
            requires=("operations.ChecklistTemplateItem", "django_q.Schedule"),
        )
