"""Factories for operations tests. Checklists attach to auth Groups here: any model will do, and operations
must not depend on the other apps."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from operations.models import Checklist, ChecklistTemplate, ChecklistTemplateItem, OutboxMessage, Role, WorkItem


class GroupFactory(DjangoModelFactory):
    """A stand-in object to attach checklists to."""

    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Object {n}")


class ChecklistTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistTemplate

    slug = factory.Sequence(lambda n: f"procedure-{n}")
    name = factory.Sequence(lambda n: f"Procedure {n}")
    applies_to = ChecklistTemplate.AppliesTo.OTHER


class ChecklistTemplateItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistTemplateItem

    template = factory.SubFactory(ChecklistTemplateFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    help_text = "How to do it."
    required = True
    role = Role.VA


def template_with_steps(*steps: tuple[str, bool, str]) -> ChecklistTemplate:
    """A template whose steps are (title, required, role), in order."""
    template = ChecklistTemplateFactory()
    for position, (title, required, role) in enumerate(steps, start=1):
        ChecklistTemplateItemFactory(template=template, position=position, title=title, required=required, role=role)
    return template


class ChecklistFactory(DjangoModelFactory):
    """A checklist on a stand-in object, made directly (services.checklist_attach is what the apps use)."""

    class Meta:
        model = Checklist
        exclude = ("target_object",)

    target_object = factory.SubFactory(GroupFactory)
    template = factory.SubFactory(ChecklistTemplateFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target_object))
    object_id = factory.LazyAttribute(lambda o: str(o.target_object.pk))
    title = factory.LazyAttribute(lambda o: f"{o.template.name}: {o.target_object}")


def _newest_superuser_or_staff():
    # "My work" lists the viewer's steps only, so steps go to the newest superuser when there is one: the
    # cockpit-wide screen tests look at My work as a superuser and must see these rows.
    return User.objects.filter(is_superuser=True).order_by("-pk").first() or User.objects.create_user(
        f"staff-{User.objects.count()}", is_staff=True
    )


class WorkItemFactory(DjangoModelFactory):
    """A checklist step as "My work" shows it; assigned to the newest superuser (or a new staff member)."""

    class Meta:
        model = WorkItem

    checklist = factory.SubFactory(ChecklistFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    help_text = "How to do it."
    assignee = factory.LazyFunction(_newest_superuser_or_staff)


class OutboxMessageFactory(DjangoModelFactory):
    """A customer e-mail in the outbox, waiting to go out."""

    class Meta:
        model = OutboxMessage

    task = "monetization.tasks.magic_link_send_task"
    args = factory.LazyFunction(lambda: ["buyer@example.com"])
    description = factory.Sequence(lambda n: f"My downloads sign-in link {n}")
