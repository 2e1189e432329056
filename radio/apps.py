from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class RadioConfig(AppConfig):
    name = "radio"
    verbose_name = "Radio"

    def ready(self) -> None:
        post_migrate.connect(_procedures_after_migrate, sender=self, dispatch_uid="radio.procedures_ensure")


def _procedures_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate and after flush (transactional tests): the every-minute watchdog schedule exists again.
    from radio.procedures import procedures_ensure

    try:
        apps.get_model("django_q", "Schedule")
    except LookupError:  # migrated back to before the table existed
        return
    procedures_ensure(apps)
