from django.apps import AppConfig

from lofi_site.standing_data import standing_data


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        # After every migrate and flush: the social-post checklist template and the comment sync, statistics
        # and request schedules.
        standing_data(
            "community.procedures.procedures_ensure",
            order=30,
            requires=("operations.ChecklistTemplateItem", "django_q.Schedule"),
        )
        from community import checks  # noqa: F401 - registers the system checks
