from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class ListenersConfig(AppConfig):
    name = "listeners"
    verbose_name = "Listeners"

    def ready(self) -> None:
        post_migrate.connect(_schedules_after_migrate, sender=self, dispatch_uid="listeners.schedules_ensure")


def _schedules_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate and after flush: the nightly retraining and the alert resumption schedules exist again.
    from listeners.procedures import procedures_ensure

    try:
        apps.get_model("django_q", "Schedule")
    except LookupError:
        return
    procedures_ensure(apps)
