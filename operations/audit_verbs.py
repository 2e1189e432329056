"""The audit trail's verbs: each app names its own in `<app>/audit_verbs.py` and registers them here.

    from operations.audit_verbs import audit_verbs

    @audit_verbs
    class CommunityVerb(models.TextChoices):
        REPLY_APPROVED = "reply.approved", "Reply approved"

Services pass the member (`verb=CommunityVerb.REPLY_APPROVED`): a typo is a NameError at import time, not a
silent new verb, and the cockpit's audit list filters by the labels. Operations imports no other app: the
apps' modules are found by name, like dashboard panels.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

_REGISTERED: dict[str, type[models.TextChoices]] = {}


def audit_verbs(choices: type[models.TextChoices]) -> type[models.TextChoices]:
    """Register an app's verbs (a TextChoices class: value "<thing>.<what happened>", label for people).

    Raises ImproperlyConfigured when a value is already another class's: two apps' events would read as one.
    """
    key = f"{choices.__module__}.{choices.__qualname__}"
    for other_key, other in _REGISTERED.items():
        shared = set(choices.values) & set(other.values)
        if other_key != key and shared:
            raise ImproperlyConfigured(f"{key} claims audit verbs {sorted(shared)} that {other_key} already names.")
    _REGISTERED[key] = choices
    return choices


def audit_verb_choices() -> list[tuple[str, str]]:
    """Every registered verb as (value, label), sorted by value, after importing each app's audit_verbs.py."""
    autodiscover_modules("audit_verbs")
    return sorted({value: label for choices in _REGISTERED.values() for value, label in choices.choices}.items())


# Operations' own verbs (the checklist steps): this module is also operations' `audit_verbs.py`.
@audit_verbs
class OperationsVerb(models.TextChoices):
    # Any app's announced status change (lofi_site.status_events): a track approved or archived, say.
    STATUS_CHANGED = "status.changed", "Status changed"
    CHECKLIST_STEP_TICKED = "checklist.step_ticked", "Checklist step ticked"
    CHECKLIST_STEP_UNTICKED = "checklist.step_unticked", "Checklist step unticked"
