from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community import checks  # noqa: F401 - registers the system checks

        post_migrate.connect(_procedures_after_migrate, sender=self, dispatch_uid="community.procedures_ensure")


def _procedures_after_migrate(sender, apps=django_apps, **kwargs) -> None:
    # After migrate (which passes its migration state as `apps`) and after flush (which empties every table and
    # passes none): the social-post template and the comment sync, statistics and request schedules exist again.
    # Creates only what is missing.
    from community.procedures import procedures_ensure

    try:
        apps.get_model("operations", "ChecklistTemplateItem")
        apps.get_model("django_q", "Schedule")
    except LookupError:  # migrated back to before the tables existed
        return
    procedures_ensure(apps)
