from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class ListenersConfig(AppConfig):
    name = "listeners"
    verbose_name = "Listeners"

    def ready(self) -> None:
        from listeners.models import Feedback
        from lofi_site.pagecache import connect_invalidation

        # Published ratings show on release pages, which the shared page cache may hold.
        connect_invalidation([Feedback])
        # After every migrate and flush: the nightly retraining and the alert resumption schedules.
        standing_data("listeners.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
