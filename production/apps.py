from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = "Production"

    def ready(self) -> None:
        # After every migrate and flush: the every-minute sweep of render jobs whose worker stopped.
        standing_data("production.procedures.procedures_ensure", order=30, requires=("django_q.Schedule",))
        # And one style preset row per engine style (the rows the cockpit's preset screen edits).
        standing_data(
            "production.services.style_presets.style_presets_ensure", order=30, requires=("production.StylePreset",)
        )
