"""Operations reads: an object's history and checklists, and each person's open work.

Checklist template slugs (see operations.services): "release-qa", "manual-upload" (releases),
"listen-and-approve" (render batches), "comment-triage" (weekly). Other apps pass their own model
instances; nothing here imports them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce

from lofi_site.roles import EDITOR
from operations.models import AuditEvent, Checklist, ChecklistItem, ChecklistTemplate


def audit_events_for(obj: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    ).select_related("actor")


def _attached_to(obj: models.Model, prefix: str = "") -> Q:
    # Checklists follow the row, so a proxy model sees its concrete model's checklists.
    return Q(**{f"{prefix}content_type": ContentType.objects.get_for_model(obj), f"{prefix}object_id": str(obj.pk)})


def checklists_for(obj: models.Model) -> QuerySet[Checklist]:
    """The checklists attached to `obj`, by template name, each with its steps in order."""
    steps = ChecklistItem.objects.select_related("assignee", "done_by").order_by("position")
    return (
        Checklist.objects.filter(_attached_to(obj))
        .select_related("template", "assignee")
        .prefetch_related(Prefetch("items", queryset=steps))
        .order_by("template__name", "id")
    )


def open_required_items(obj: models.Model) -> QuerySet[ChecklistItem]:
    """Required steps not yet done on any checklist attached to `obj`."""
    return (
        ChecklistItem.objects.filter(_attached_to(obj, "checklist__"), required=True, done_at__isnull=True)
        .select_related("checklist__template")
        .order_by("checklist__template__name", "position")
    )


def checklist_blockers(obj: models.Model, *, require: Iterable[str] = ()) -> list[str]:
    """Why `obj` may not move on, one sentence per reason; empty when nothing blocks.

    Every open required step blocks ("Release QA: 'Check artwork text legibility' is not done"). Template
    slugs in `require` also block while no checklist of that template is attached to `obj`.
    """
    blockers = [f"{item.checklist.template.name}: '{item.title}' is not done" for item in open_required_items(obj)]
    require = list(require)
    if require:
        attached = set(Checklist.objects.filter(_attached_to(obj)).values_list("template__slug", flat=True))
        names = dict(ChecklistTemplate.objects.filter(slug__in=require).values_list("slug", "name"))
        blockers += [
            f"{names.get(slug, slug)}: the checklist has not been attached" for slug in require if slug not in attached
        ]
    return blockers


# Soonest due first; steps without a due date last.
WORK_ORDERING: list[str | OrderBy] = [F("effective_due").asc(nulls_last=True), "checklist_id", "position"]


def work_items_for(user, *, items: QuerySet[ChecklistItem] | None = None) -> QuerySet[ChecklistItem]:
    """Every step assigned to `user`: directly, or through its checklist when the step has no assignee and its
    role is one the user may sign off (a VA who has a release's QA checklist does not get its "Editor sign-off",
    which they could not tick; Editors may sign off any step).

    Annotated with `effective_due` (the step's due date, else the checklist's); soonest due first, steps
    without a due date last. `items` narrows the starting queryset (the cockpit passes its proxy model's).
    """
    items = ChecklistItem.objects.all() if items is None else items
    inherited = Q(assignee__isnull=True, checklist__assignee=user)
    if not user.is_superuser:
        roles = set(user.groups.values_list("name", flat=True))
        if EDITOR not in roles:
            inherited &= Q(role__in=roles)
    return (
        items.filter(Q(assignee=user) | inherited)
        .annotate(effective_due=Coalesce("due_at", "checklist__due_at"))
        .select_related("checklist__template", "checklist__content_type", "checklist__assignee", "assignee", "done_by")
        .order_by(*WORK_ORDERING)
    )


def only_open(items: QuerySet[ChecklistItem]) -> QuerySet[ChecklistItem]:
    """Steps still to do. Optional steps left over on a completed checklist are nobody's work any more."""
    return items.filter(done_at__isnull=True).exclude(required=False, checklist__completed_at__isnull=False)


def work_items_open_for(user) -> QuerySet[ChecklistItem]:
    """The steps `user` still has to do, across all objects, soonest due first."""
    return only_open(work_items_for(user))
