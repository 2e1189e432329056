from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class RadioConfig(AppConfig):
    name = "radio"
    verbose_name = "Radio"

    def ready(self) -> None:
        # After every migrate and flush: the every-minute station watchdog schedule.
        standing_data("radio.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
