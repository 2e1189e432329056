from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "Distribution"

    def ready(self) -> None:
        # After every migrate and flush: the every-minute publishing schedule and the hourly status read-back.
        standing_data("distribution.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
