from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "Distribution"

    def ready(self) -> None:
        # After every migrate and flush: the every-minute publishing schedule and the hourly status read-back.
        standing_data("distribution.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
        from lofi_site.pagecache import connect_invalidation

        # A release page shows its cover and its platform links once published.
        connect_invalidation(self.get_model(name) for name in ("ReleaseMedia", "Publication"))
