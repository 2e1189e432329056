"""Who did what (audit events), and what staff still has to do (checklists).

Checklists are standard operating procedures: a `ChecklistTemplate` holds the ordered steps, and a `Checklist`
is one run of it attached to any object (a release, a render batch, a `Week`) through a GenericForeignKey,
so this app never imports the apps whose objects it follows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from lofi_site.db import TimeStamped
from lofi_site.roles import EDITOR, FINANCE, VA


class AuditEvent(models.Model):
    """One state change that matters to money or to a release. Written by services, never edited."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system acted (a task, a webhook).",
    )
    verb = models.CharField(max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    summary = models.TextField()
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.object_repr}"


class Role(models.TextChoices):
    """Who is expected to do a checklist step. The values are the staff group names in lofi_site.roles."""

    EDITOR = EDITOR, "Editor"
    VA = VA, "VA"
    FINANCE = FINANCE, "Finance"


class ChecklistTemplate(TimeStamped):
    """A standard operating procedure: the steps every checklist made from it starts with."""

    class AppliesTo(models.TextChoices):
        RELEASE = "release", "Release"
        BATCH = "batch", "Render batch"
        WEEK = "week", "Week"
        OTHER = "other", "Other"

    slug = models.SlugField(
        max_length=60, unique=True, help_text="Stable name the code attaches by, e.g. 'release-qa'. Do not rename."
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    applies_to = models.CharField(
        max_length=10,
        choices=AppliesTo.choices,
        default=AppliesTo.OTHER,
        help_text="What kind of object this procedure is run on.",
    )
    default_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text="Who new checklists of this procedure go to. Empty: when every step is a VA's, the VA group "
        "in turn (whoever has the fewest open checklists).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    help_text = models.TextField(blank=True, help_text="How to do it and what 'done' means.")
    required = models.BooleanField(default=True, help_text="Required steps block the object's next stage while open.")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VA)
    applies_when = models.CharField(
        max_length=40,
        blank=True,
        help_text="Only on objects with this tag (e.g. the target platform 'distrokid'); empty: always.",
    )

    class Meta:
        ordering = ["template_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklisttemplateitem_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Week(models.Model):
    """An ISO week (Monday to Sunday), so weekly chores have an object to attach their checklist to."""

    starts_on = models.DateField(unique=True, help_text="The Monday the ISO week starts on.")

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        year, week, _ = self.starts_on.isocalendar()
        return f"{year}-W{week:02d} (from {self.starts_on:%d %b})"

    def clean(self) -> None:
        if self.starts_on and self.starts_on.weekday() != 0:
            raise ValidationError({"starts_on": "An ISO week starts on a Monday."})


class Checklist(TimeStamped):
    """One run of a template on one object. At most one per template and object."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="checklists")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField(max_length=250)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklists",
        limit_choices_to={"is_staff": True},
        help_text="Default assignee of every step not assigned to someone else.",
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="Default due date of every step.")
    completed_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Set when every required step is done."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "content_type", "object_id"], name="checklist_once_per_template_and_object"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def complete_given(items) -> bool:
        """Complete when every required step is done; a checklist of only optional steps needs all of them."""
        items = list(items)
        required = [item for item in items if item.required] or items
        return all(item.is_done for item in required)


class ChecklistItem(models.Model):
    """One step of a checklist. Assignee and due date fall back to the checklist's when empty."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VA)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_items",
        limit_choices_to={"is_staff": True},
        help_text="Empty: the checklist's assignee.",
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the checklist's due date.")
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["checklist_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklistitem_unique_position"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def effective_assignee(self):
        return self.assignee if self.assignee_id else self.checklist.assignee

    @property
    def effective_due_at(self):
        return self.due_at or self.checklist.due_at

    def may_be_ticked_by(self, user) -> bool:
        """The step's role says who may sign it off; Editors and superusers may sign off any step."""
        if user is None or not user.is_active:
            return False
        if user.is_superuser:
            return True
        groups = {group.name for group in user.groups.all()}
        return self.role in groups or EDITOR in groups


class WorkItem(ChecklistItem):
    """The "My work" screen: checklist steps seen from the person who has to do them.

    A proxy only so the cockpit can list it under its own name; permissions are ChecklistItem's.
    """

    class Meta:
        proxy = True
        verbose_name = "my work item"
        verbose_name_plural = "my work"
        # The screen checks ChecklistItem's permissions, so a second set for the proxy would be noise.
        default_permissions = ()


class OutboxMessage(models.Model):
    """A customer e-mail still to go out, written in the same transaction as the change that calls for it (an
    order paid, a refund, a sign-in request...), so the message is part of the committed state: if the broker is
    down when the change commits, the row is still here and the sweeper sends it (operations/outbox.py).

    `task` is the dotted path of the function that renders and sends the message, called with `args`; it is
    delivered at most once by whoever claims the row first (worker or sweeper)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A deliverer holds the row until then (or it failed: retried after)."
    )
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "claimed_until"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return self.description or self.task
