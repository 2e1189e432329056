"""Standing data: rows every install needs, put back after every `migrate` and every `flush`.

The role groups and their permissions, checklist templates, django-q2 schedules, the shop's licence tiers: an
empty table of any of them breaks a workflow. An app registers its function once, in its AppConfig.ready():

    from lofi_site.standing_data import standing_data

    standing_data("operations.procedures.procedures_ensure", order=20,
                  requires=("operations.ChecklistTemplateItem", "django_q.Schedule"))

The function takes the app registry (`apps`): after `migrate` that is the migration state, after `flush` the
running registry. It must create only what is missing, because it runs after every migrate. Functions run in
`order` (lowest first); one whose `requires` models do not exist (migrated back before they did) is skipped.
Built-in: 10 role groups (lofi_site/roles.py), so later steps may give their records to a group.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as django_apps
from django.db.models.signals import post_migrate
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class StandingData:
    order: int
    path: str  # dotted path of func(apps), imported when it runs: apps.py stays free of model imports
    requires: tuple[str, ...]


_REGISTRY: dict[str, StandingData] = {}


def standing_data(path: str, *, order: int, requires: tuple[str, ...] = ()) -> None:
    """Register the function at dotted `path` to run after every migrate and flush; registering again (a
    reloaded AppConfig) replaces the entry rather than running the function twice."""
    _REGISTRY[path] = StandingData(order=order, path=path, requires=tuple(requires))


def standing_data_registered() -> list[StandingData]:
    """Every registered entry in run order."""
    return sorted(_REGISTRY.values(), key=lambda entry: (entry.order, entry.path))


def standing_data_ensure(sender=None, apps=django_apps, **kwargs) -> list[str]:
    """The post_migrate receiver: run every registered function whose models exist. Returns the paths run."""
    ran = []
    for entry in standing_data_registered():
        try:
            for label in entry.requires:
                apps.get_model(label)
        except LookupError:  # migrated back to before the tables existed
            continue
        import_string(entry.path)(apps)
        ran.append(entry.path)
    return ran


def connect() -> None:
    """Connect the one receiver (from LofiSiteConfig.ready). post_migrate is sent once per app with models, all
    after every migration ran; riding on auth's (which owns the groups) runs the registry once per migrate."""
    standing_data("lofi_site.roles.roles_sync", order=10)
    post_migrate.connect(
        standing_data_ensure, sender=django_apps.get_app_config("auth"), dispatch_uid="lofi_site.standing_data"
    )
