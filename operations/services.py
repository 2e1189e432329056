"""Operations writes: audit events, checklists and their assignments.

Other apps attach checklists to their own objects by template slug; operations never imports them.
The templates are seeded by operations/procedures.py after every migrate and flush (editors may refine their
steps in the cockpit; a checklist copies the steps when it is attached, so later edits never change running
checklists):

    "release-qa"          Release QA: attach to every catalog Release when it is created
                          (`checklist_attach(template_slug=RELEASE_QA, obj=release)`); its required steps
                          block scheduling via `selectors.checklist_blockers(release)`.
    "manual-upload"       Manual upload: attach to a Release that goes to stores without an API
                          (DistroKid web form, Bandcamp), so a VA uploads it and pastes the URLs back.
    "listen-and-approve"  Listen and approve: attach to every render batch (production.services.batch_create).
    "comment-triage"      Comment triage: one per ISO week, attached to a `Week` by
                          `weekly_checklists_ensure`, which django-q2 runs daily (its Schedule is standing
                          data in operations/procedures.py too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from lofi_site.actors import Actor, actor_user
from operations.audit_verbs import OperationsVerb
from operations.models import AuditEvent, Checklist, ChecklistItem, ChecklistTemplate, Role, Week

RELEASE_QA = "release-qa"
MANUAL_UPLOAD = "manual-upload"
LISTEN_AND_APPROVE = "listen-and-approve"
COMMENT_TRIAGE = "comment-triage"

# Weekly chores are due by Friday 17:00 local time: the working week, not the calendar week.
WEEKLY_DUE_WEEKDAY = 4
WEEKLY_DUE_TIME = time(17, 0)


class _Keep:
    """Marks an argument the caller left out, where None has a meaning of its own ("clear it")."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


def audit_log(*, actor: Actor, verb: str, obj: models.Model, summary: str, changes: dict | None = None) -> AuditEvent:
    """Record that `actor` (a user, or None for the system) did `verb` to `obj`. `verb` is a member of the
    calling app's verbs (`<app>/audit_verbs.py`, see operations.audit_verbs), so the cockpit can filter by it.

    Call it inside the service's transaction, so the event exists exactly when the change does.
    `changes` is a JSON-safe {"field": [old, new]} map where that helps a reader.
    """
    return AuditEvent.objects.create(
        actor=actor_user(actor),
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        summary=summary,
        changes=changes or {},
    )


def audit_status_change(sender, *, obj, field: str, old: str, new: str, actor: Actor, summary: str = "", **kwargs):
    """Receiver of lofi_site.status_events.status_changed: one audit event per announced status change, written
    in the announcing service's transaction."""
    labels = dict(obj._meta.get_field(field).flatchoices)
    return audit_log(
        actor=actor,
        verb=OperationsVerb.STATUS_CHANGED,
        obj=obj,
        summary=summary or f"{obj._meta.verbose_name.capitalize()} {labels.get(old, old)} → {labels.get(new, new)}.",
        changes={field: [old, new]},
    )


def _validate_assignee(user) -> None:
    if user is not None and not (user.is_active and user.is_staff):
        raise ValidationError(f"{user} is not an active staff member and cannot be assigned work.")


@transaction.atomic
def default_assignee_for(template: ChecklistTemplate):
    """Who a new checklist of `template` goes to when the caller names nobody: the template's default assignee;
    else, when every step is a VA's, the VA with the fewest open checklists (ties: the longest-standing account);
    else nobody."""
    default = template.default_assignee if template.default_assignee_id else None
    if default is not None and default.is_active:
        return default
    roles = set(template.items.values_list("role", flat=True))
    if roles != {Role.VA}:
        return None
    open_work = Count("checklists", filter=Q(checklists__completed_at__isnull=True))
    return (
        get_user_model()
        .objects.filter(groups__name=Role.VA, is_active=True, is_staff=True)
        .annotate(open_work=open_work)
        .order_by("open_work", "pk")
        .first()
    )


@transaction.atomic
def checklist_attach(
    *,
    template_slug: str,
    obj: models.Model,
    assignee=None,
    due_at: datetime | None = None,
    tags: Iterable[str] | None = None,
    assign_default: bool = False,
) -> Checklist:
    """Attach the checklist `template_slug` to `obj` (any saved model instance) and return it.

    Idempotent: at most one checklist per template and object exists (a database constraint); a second call
    returns the existing checklist unchanged, whatever `assignee` and `due_at` say (use `checklist_assign`
    to change them). A new checklist gets a copy of the template's steps, in order. Proxy models share the
    checklists of their concrete model: it is the same row.
    With `tags` (e.g. the target platforms of a release), a step tagged `applies_when` is copied only when its
    tag is among them; untagged steps always are (without `tags`, every step is). With `assign_default` and no
    `assignee`, the checklist goes to default_assignee_for(template), so it shows in someone's "My work".
    Raises ValidationError for an unsaved object, an unknown template or a non-staff assignee.
    """
    if obj.pk is None:
        raise ValidationError("Save the object before attaching a checklist to it.")
    template = ChecklistTemplate.objects.filter(slug=template_slug).first()
    if template is None:
        raise ValidationError(f"There is no checklist template '{template_slug}'.")
    key = {"template": template, "content_type": ContentType.objects.get_for_model(obj), "object_id": str(obj.pk)}
    existing = Checklist.objects.filter(**key).first()
    if existing is not None:
        return existing
    _validate_assignee(assignee)
    if assignee is None and assign_default:
        assignee = default_assignee_for(template)
    checklist = Checklist(**key, title=f"{template.name}: {obj}"[:250], assignee=assignee, due_at=due_at)
    checklist.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: a concurrent attach may win the race to the constraint
            checklist.save()
    except IntegrityError:
        return Checklist.objects.get(**key)
    steps = list(template.items.order_by("position"))
    if tags is not None:
        wanted = set(tags)
        steps = [step for step in steps if not step.applies_when or step.applies_when in wanted]
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                checklist=checklist,
                position=step.position,
                title=step.title,
                help_text=step.help_text,
                required=step.required,
                role=step.role,
            )
            for step in steps
        ]
    )
    if not steps:
        # Nothing to do is done: keep `completed_at` consistent with `Checklist.complete_given`.
        checklist.completed_at = timezone.now()
        checklist.save(update_fields=["completed_at", "updated_at"])
    return checklist


def _lock_item(item: ChecklistItem) -> ChecklistItem:
    """Lock the checklist, then the step, so two ticks of a checklist's last steps see each other."""
    Checklist.objects.select_for_update().filter(pk=item.checklist_id).first()
    return ChecklistItem.objects.select_for_update(of=("self",)).select_related("checklist__template").get(pk=item.pk)


def _checklist_completion_refresh(checklist: Checklist) -> None:
    complete = Checklist.complete_given(checklist.items.all())
    if complete and checklist.completed_at is None:
        checklist.completed_at = timezone.now()
    elif not complete and checklist.completed_at is not None:
        checklist.completed_at = None
    else:
        return
    checklist.save(update_fields=["completed_at", "updated_at"])


def _audit_step(*, item: ChecklistItem, user, verb: str, summary: str) -> None:
    checklist = item.checklist
    # The history belongs to the object the checklist is about (a release's history shows its QA sign-offs);
    # if that object is gone, to the checklist itself.
    target = checklist.target or checklist
    audit_log(
        actor=user,
        verb=verb,
        obj=target,
        summary=summary,
        changes={
            "checklist": checklist.template.slug,
            "step": item.title,
            "done": [verb == "checklist.step_unticked", verb == "checklist.step_ticked"],
        },
    )


@transaction.atomic
def checklist_item_tick(*, item: ChecklistItem, user, note: str = "") -> ChecklistItem:
    """Mark a step done by `user` now, with an optional note; return the saved step.

    Guarantees: `done_by`/`done_at` record who and when; the checklist's `completed_at` is set once every
    required step is done; ticking a required step writes an audit event on the checklist's object.
    Idempotent: ticking a done step keeps its who and when (a different non-empty note replaces the note).
    Raises ValidationError when the step's role is not the user's (only Editors sign off Editor steps).
    """
    item = _lock_item(item)
    if not item.may_be_ticked_by(user):
        raise ValidationError(f"'{item.title}' is a {item.get_role_display()} step; {user} may not tick it.")
    if item.is_done:
        if note and note != item.note:
            item.note = note
            item.full_clean()
            item.save(update_fields=["note"])
        return item
    item.done_at = timezone.now()
    item.done_by = user
    item.note = note or item.note  # keep a note written while the step was open
    item.full_clean()
    item.save(update_fields=["done_at", "done_by", "note"])
    _checklist_completion_refresh(item.checklist)
    if item.required:
        summary = f"{item.checklist.template.name}: '{item.title}' done" + (f" — {note}" if note else "")
        _audit_step(item=item, user=user, verb=OperationsVerb.CHECKLIST_STEP_TICKED, summary=summary)
    return item


@transaction.atomic
def checklist_item_untick(*, item: ChecklistItem, user) -> ChecklistItem:
    """Reopen a done step (the note stays, it often says why). Idempotent on an open step.

    Reopening a required step reopens its checklist and writes an audit event, because it blocks again.
    """
    item = _lock_item(item)
    if not item.may_be_ticked_by(user):
        raise ValidationError(f"'{item.title}' is a {item.get_role_display()} step; {user} may not reopen it.")
    if not item.is_done:
        return item
    item.done_at = None
    item.done_by = None
    item.save(update_fields=["done_at", "done_by"])
    _checklist_completion_refresh(item.checklist)
    if item.required:
        _audit_step(
            item=item,
            user=user,
            verb=OperationsVerb.CHECKLIST_STEP_UNTICKED,
            summary=f"{item.checklist.template.name}: '{item.title}' reopened",
        )
    return item


@transaction.atomic
def checklist_item_note_set(*, item: ChecklistItem, note: str) -> ChecklistItem:
    """Replace a step's note (e.g. "waiting for the artwork fix") without ticking it."""
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.note != note:
        item.note = note
        item.full_clean()
        item.save(update_fields=["note"])
    return item


@transaction.atomic
def checklist_assign(
    *,
    checklist: Checklist | None = None,
    item: ChecklistItem | None = None,
    user,
    due_at: datetime | _Keep | None = KEEP,
) -> Checklist | ChecklistItem:
    """Assign a whole checklist or one step to `user` (None unassigns) and optionally set its due date.

    Pass exactly one of `checklist` or `item`. Leaving `due_at` out keeps the due date; None clears it.
    A checklist's assignee and due date apply to every step that has none of its own.
    Raises ValidationError for a non-staff user.
    """
    if (checklist is None) == (item is None):
        raise ValidationError("Assign either a checklist or a checklist step.")
    _validate_assignee(user)
    model = Checklist if checklist is not None else ChecklistItem
    target = checklist if checklist is not None else item
    assert target is not None  # exactly one was passed, checked above
    row = model.objects.select_for_update().get(pk=target.pk)
    row.assignee = user
    fields = ["assignee"]
    if not isinstance(due_at, _Keep):
        row.due_at = due_at
        fields.append("due_at")
    if model is Checklist:
        fields.append("updated_at")
    row.full_clean(validate_constraints=False)
    row.save(update_fields=fields)
    return row


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@transaction.atomic
def week_ensure(*, day: date) -> Week:
    """The `Week` row of the ISO week containing `day` (created once)."""
    week, _ = Week.objects.get_or_create(starts_on=_week_monday(day))
    return week


@transaction.atomic
def weekly_checklists_ensure(*, week_start: date) -> list[Checklist]:
    """Make sure the weekly checklists of the ISO week containing `week_start` exist; return them.

    Today that is "Comment triage", due Friday 17:00 (local time) of that week and assigned to whoever had
    the most recent one, so the same VA keeps the job until an editor reassigns it. Idempotent: run daily by
    django-q2 (operations.tasks.weekly_checklists_ensure_task), it creates each week's checklist once.
    """
    week = week_ensure(day=week_start)
    week_type = ContentType.objects.get_for_model(Week)
    previous = (
        Checklist.objects.filter(template__slug=COMMENT_TRIAGE, content_type=week_type)
        .exclude(object_id=str(week.pk))
        .select_related("assignee")
        .order_by("-created_at")
        .first()
    )
    assignee = previous.assignee if previous else None
    if assignee is not None and not (assignee.is_active and assignee.is_staff):
        assignee = None  # they left the team: an editor assigns the week by hand
    due_day = week.starts_on + timedelta(days=WEEKLY_DUE_WEEKDAY)
    due_at = timezone.make_aware(datetime.combine(due_day, WEEKLY_DUE_TIME))
    return [checklist_attach(template_slug=COMMENT_TRIAGE, obj=week, assignee=assignee, due_at=due_at)]
