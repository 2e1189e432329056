"""Checklist services and selectors: attaching, ticking, assigning, blocking, and each person's work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from operations import selectors, services
from operations.models import AuditEvent, Checklist, ChecklistItem, ChecklistTemplate, Role
from tests.factories import ReleaseFactory
from tests.operations.factories import GroupFactory, template_with_steps

pytestmark = pytest.mark.django_db


def _steps(checklist: Checklist) -> dict[str, ChecklistItem]:
    return {item.title: item for item in checklist.items.all()}


def test_the_four_procedures_are_seeded_with_required_steps():
    templates = {t.slug: t for t in ChecklistTemplate.objects.prefetch_related("items")}
    assert {"release-qa", "manual-upload", "listen-and-approve", "comment-triage"} <= set(templates)
    qa_titles = [item.title for item in templates["release-qa"].items.all()]
    assert "Check artwork text legibility" in qa_titles
    assert any("ISRC" in title and "UPC" in title for title in qa_titles)
    assert any("AI disclosure" in title for title in qa_titles)
    upload_titles = " ".join(item.title for item in templates["manual-upload"].items.all())
    assert "DistroKid" in upload_titles and "Bandcamp" in upload_titles
    for template in templates.values():
        assert any(item.required for item in template.items.all()), template.slug
        assert all(item.help_text for item in template.items.all()), template.slug


def test_attach_copies_the_template_steps_in_order_and_is_idempotent(editor):
    obj = GroupFactory()
    template = template_with_steps(("First", True, Role.VA), ("Second", False, Role.VA), ("Third", True, Role.EDITOR))

    checklist = services.checklist_attach(template_slug=template.slug, obj=obj, assignee=editor)
    again = services.checklist_attach(template_slug=template.slug, obj=obj)

    assert again.pk == checklist.pk
    assert Checklist.objects.count() == 1
    assert [(i.position, i.title, i.required, i.role) for i in checklist.items.order_by("position")] == [
        (1, "First", True, Role.VA),
        (2, "Second", False, Role.VA),
        (3, "Third", True, Role.EDITOR),
    ]
    assert checklist.items.count() == 3
    assert checklist.target == obj
    assert checklist.assignee == editor
    assert checklist.completed_at is None


def test_template_edits_do_not_change_a_running_checklist():
    obj = GroupFactory()
    template = template_with_steps(("Original", True, Role.VA))
    checklist = services.checklist_attach(template_slug=template.slug, obj=obj)

    template.items.update(title="Renamed")

    assert list(checklist.items.values_list("title", flat=True)) == ["Original"]


def test_attach_refuses_unsaved_objects_unknown_templates_and_non_staff(django_user_model):
    template = template_with_steps(("Step", True, Role.VA))
    with pytest.raises(ValidationError):
        services.checklist_attach(template_slug=template.slug, obj=GroupFactory.build())
    with pytest.raises(ValidationError):
        services.checklist_attach(template_slug="no-such-procedure", obj=GroupFactory())
    customer = django_user_model.objects.create_user("customer", password="pw-for-tests-only")
    with pytest.raises(ValidationError):
        services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=customer)
    assert Checklist.objects.count() == 0


def test_each_template_attaches_once_per_object():
    release = ReleaseFactory()
    qa = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    upload = services.checklist_attach(template_slug=services.MANUAL_UPLOAD, obj=release)
    other_release_qa = services.checklist_attach(template_slug=services.RELEASE_QA, obj=ReleaseFactory())

    assert len({qa.pk, upload.pk, other_release_qa.pk}) == 3
    assert [c.template.slug for c in selectors.checklists_for(release)] == ["manual-upload", "release-qa"]


def test_tick_records_who_when_and_note_and_a_second_tick_changes_nothing(va, editor):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Listen", True, Role.VA)).slug, obj=GroupFactory()
    )
    item = checklist.items.get()
    before = timezone.now()

    ticked = services.checklist_item_tick(item=item, user=va, note="Click at 1:32 on track 2, re-rendered")
    again = services.checklist_item_tick(item=item, user=editor)

    item.refresh_from_db()
    assert item.done_by == va
    assert before <= item.done_at <= timezone.now()
    assert item.note == "Click at 1:32 on track 2, re-rendered"
    assert again.done_at == ticked.done_at and again.done_by == va


def test_untick_reopens_the_step_and_the_checklist(va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Only", True, Role.VA)).slug, obj=GroupFactory()
    )
    item = checklist.items.get()
    services.checklist_item_tick(item=item, user=va, note="fine")
    checklist.refresh_from_db()
    assert checklist.completed_at is not None

    services.checklist_item_untick(item=item, user=va)
    services.checklist_item_untick(item=item, user=va)  # idempotent

    item.refresh_from_db()
    checklist.refresh_from_db()
    assert item.done_at is None and item.done_by is None
    assert item.note == "fine"
    assert checklist.completed_at is None


def test_checklist_completes_when_required_steps_are_done_even_with_optional_ones_open(va):
    template = template_with_steps(
        ("Required A", True, Role.VA), ("Optional", False, Role.VA), ("Required B", True, Role.VA)
    )
    checklist = services.checklist_attach(template_slug=template.slug, obj=GroupFactory())
    steps = _steps(checklist)

    services.checklist_item_tick(item=steps["Required A"], user=va)
    checklist.refresh_from_db()
    assert checklist.completed_at is None
    services.checklist_item_tick(item=steps["Required B"], user=va)
    checklist.refresh_from_db()
    assert checklist.completed_at is not None


def test_ticking_a_required_step_writes_an_audit_event_on_the_object(va):
    release = ReleaseFactory(title="Rainy Window")
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    steps = _steps(checklist)

    services.checklist_item_tick(item=steps["Check artwork text legibility"], user=va, note="Readable at 150 px")
    services.checklist_item_tick(item=steps["Check the video"], user=va)  # optional: no event
    services.checklist_item_untick(item=steps["Check artwork text legibility"], user=va)

    events = list(selectors.audit_events_for(release).order_by("id"))
    assert [e.verb for e in events] == ["checklist.step_ticked", "checklist.step_unticked"]
    assert events[0].actor == va
    assert "Check artwork text legibility" in events[0].summary and "Readable at 150 px" in events[0].summary
    assert events[0].changes["done"] == [False, True]
    assert events[1].changes["done"] == [True, False]


def test_a_va_cannot_sign_off_an_editor_step_but_an_editor_can(va, editor):
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=ReleaseFactory())
    sign_off = _steps(checklist)["Editor sign-off"]

    with pytest.raises(ValidationError):
        services.checklist_item_tick(item=sign_off, user=va)
    sign_off.refresh_from_db()
    assert sign_off.done_at is None

    services.checklist_item_tick(item=sign_off, user=editor)
    sign_off.refresh_from_db()
    assert sign_off.done_by == editor


def test_blockers_list_only_open_required_steps(va, editor):
    release = ReleaseFactory()
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    steps = _steps(checklist)
    required = [title for title, item in steps.items() if item.required]

    for title in required[:-1]:
        services.checklist_item_tick(item=steps[title], user=editor)

    blockers = selectors.checklist_blockers(release)
    assert blockers == [f"Release QA: '{required[-1]}' is not done"]
    assert not any("Check the video" in b for b in blockers)  # optional and open, but not a blocker

    services.checklist_item_tick(item=steps[required[-1]], user=editor)
    assert selectors.checklist_blockers(release) == []
    assert selectors.checklist_blockers(ReleaseFactory()) == []


def test_blockers_name_the_step_and_checklist_and_cover_every_attached_checklist():
    release = ReleaseFactory()
    services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    services.checklist_attach(template_slug=services.MANUAL_UPLOAD, obj=release)

    blockers = selectors.checklist_blockers(release)

    assert "Release QA: 'Check artwork text legibility' is not done" in blockers
    assert "Manual upload: 'Upload to Bandcamp' is not done" in blockers
    assert len(blockers) == selectors.open_required_items(release).count()


def test_required_templates_block_until_attached():
    release = ReleaseFactory()
    assert selectors.checklist_blockers(release, require=["release-qa"]) == [
        "Release QA: the checklist has not been attached"
    ]

    services.checklist_attach(template_slug="release-qa", obj=release)

    blockers = selectors.checklist_blockers(release, require=["release-qa"])
    assert blockers and all("has not been attached" not in b for b in blockers)


def test_assign_sets_assignee_and_due_date_and_keeps_the_due_date_when_left_out(editor, va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Step", True, Role.VA)).slug, obj=GroupFactory()
    )
    due = timezone.now() + timedelta(days=2)

    services.checklist_assign(checklist=checklist, user=va, due_at=due)
    services.checklist_assign(checklist=checklist, user=editor)
    checklist.refresh_from_db()
    assert checklist.assignee == editor and checklist.due_at == due

    item = checklist.items.get()
    services.checklist_assign(item=item, user=va, due_at=None)
    item.refresh_from_db()
    assert item.assignee == va and item.due_at is None
    assert item.effective_assignee == va and item.effective_due_at == due  # due date falls back


def test_assign_refuses_non_staff_and_needs_exactly_one_target(django_user_model, va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Step", True, Role.VA)).slug, obj=GroupFactory()
    )
    customer = django_user_model.objects.create_user("customer", password="pw-for-tests-only")
    with pytest.raises(ValidationError):
        services.checklist_assign(checklist=checklist, user=customer)
    with pytest.raises(ValidationError):
        services.checklist_assign(checklist=checklist, item=checklist.items.get(), user=va)
    with pytest.raises(ValidationError):
        services.checklist_assign(user=va)


def test_work_lists_only_the_users_open_steps_across_objects(va, editor):
    template = template_with_steps(("Listen", True, Role.VA), ("Tag", True, Role.VA), ("Extra", False, Role.VA))
    mine_by_checklist = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    others = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=editor)
    services.checklist_attach(template_slug=template.slug, obj=GroupFactory())  # nobody's
    # One step of someone else's checklist handed to the VA, one step of the VA's checklist handed away.
    handed_to_me = _steps(others)["Tag"]
    services.checklist_assign(item=handed_to_me, user=va)
    services.checklist_assign(item=_steps(mine_by_checklist)["Tag"], user=editor)
    services.checklist_item_tick(item=_steps(mine_by_checklist)["Listen"], user=va)

    titles = {(item.checklist_id, item.title) for item in selectors.work_items_open_for(va)}

    assert titles == {(mine_by_checklist.pk, "Extra"), (others.pk, "Tag")}


def test_a_va_holding_a_checklist_does_not_get_its_editor_steps_but_an_editor_does(va, editor):
    template = template_with_steps(("Listen", True, Role.VA), ("Sign off", True, Role.EDITOR))
    for_va = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    for_editor = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=editor)

    va_work = {(item.checklist_id, item.title) for item in selectors.work_items_open_for(va)}
    editor_work = {(item.checklist_id, item.title) for item in selectors.work_items_open_for(editor)}

    assert va_work == {(for_va.pk, "Listen")}  # "Sign off" is not theirs to tick
    assert editor_work == {(for_editor.pk, "Listen"), (for_editor.pk, "Sign off")}


def test_optional_steps_leave_the_work_list_when_their_checklist_completes(va):
    template = template_with_steps(("Must", True, Role.VA), ("Nice to have", False, Role.VA))
    checklist = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    assert selectors.work_items_open_for(va).count() == 2

    services.checklist_item_tick(item=_steps(checklist)["Must"], user=va)

    assert selectors.work_items_open_for(va).count() == 0


def test_work_is_ordered_soonest_due_first_with_undated_steps_last(va):
    template = template_with_steps(("Step", True, Role.VA))
    now = timezone.now()
    later = services.checklist_attach(
        template_slug=template.slug, obj=GroupFactory(), assignee=va, due_at=now + timedelta(days=3)
    )
    undated = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    sooner = services.checklist_attach(
        template_slug=template.slug, obj=GroupFactory(), assignee=va, due_at=now + timedelta(days=1)
    )

    order = [item.checklist_id for item in selectors.work_items_open_for(va)]
    assert order == [sooner.pk, later.pk, undated.pk]


def test_attaching_records_the_object_and_writes_no_audit_event():
    release = ReleaseFactory()
    services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    checklist = Checklist.objects.get()
    assert (checklist.content_type, checklist.object_id) == (
        ContentType.objects.get_for_model(release),
        str(release.pk),
    )
    assert checklist.title == f"Release QA: {release.title}"
    assert AuditEvent.objects.count() == 0  # only ticks of required steps matter to a release


def test_the_manual_upload_has_steps_per_target_and_goes_to_a_va_in_turn(va, django_user_model):
    from django.contrib.auth.models import Group

    second_va = django_user_model.objects.create_user(username="va2", password="x", is_staff=True)
    second_va.groups.add(Group.objects.get(name=Role.VA))
    ddex = services.checklist_attach(
        template_slug="manual-upload", obj=GroupFactory(), tags={"ddex_distributor"}, assign_default=True
    )
    both = services.checklist_attach(
        template_slug="manual-upload", obj=GroupFactory(), tags={"distrokid", "bandcamp"}, assign_default=True
    )

    ddex_steps = list(_steps(ddex))
    assert "Deliver the DDEX package to the distributor" in ddex_steps
    assert not any("DistroKid" in title or "Bandcamp" in title for title in ddex_steps)
    assert "Upload to Bandcamp" in _steps(both) and "Deliver the DDEX package to the distributor" not in _steps(both)
    assert {ddex.assignee, both.assignee} == {va, second_va}  # in turn: whoever has the fewest open checklists
