from django.apps import AppConfig
from django.apps import apps as django_apps

from lofi_site.standing_data import standing_data


class ListenersConfig(AppConfig):
    name = "listeners"
    verbose_name = "Listeners"

    def ready(self) -> None:
        from listeners.models import Feedback
        from lofi_site.pagecache import connect_invalidation

        # Published ratings show on release pages, which the shared page cache may hold.
        connect_invalidation([Feedback])
        # The recommenders' candidate pool is kept per process: a catalogue write in this process drops it at
        # once (other processes see the page cache's catalogue version change).
        from django.db.models.signals import post_delete, post_save

        from listeners.services.recommendations import pool_forget

        for model in django_apps.get_app_config("catalog").get_models():
            for signal, name in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(pool_forget, sender=model, dispatch_uid=f"listeners.pool:{model._meta.label}:{name}")
        # After every migrate and flush: the nightly retraining and the alert resumption schedules.
        standing_data("listeners.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
