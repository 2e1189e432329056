"""Operations cockpit screens: ticking on the checklist page, "My work", templates, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from operations import services
from operations.admin import audit_link_html, checklist_progress_html
from operations.models import AuditEvent, Checklist, ChecklistItem, ChecklistTemplate, Role
from tests.factories import ReleaseFactory
from tests.operations.factories import GroupFactory, template_with_steps

pytestmark = pytest.mark.django_db


def _steps(checklist: Checklist) -> dict[str, ChecklistItem]:
    return {item.title: item for item in checklist.items.all()}


def _checklist_post(
    checklist: Checklist,
    *,
    done: set[int] = frozenset(),
    notes: dict[int, str] | None = None,
    editor_fields: dict | None = None,
) -> dict:
    """The checklist change form as the browser posts it. Editors' forms also carry assignment fields."""
    items = list(checklist.items.order_by("position"))
    data = {
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for index, item in enumerate(items):
        data[f"items-{index}-id"] = item.pk
        data[f"items-{index}-checklist"] = checklist.pk
        data[f"items-{index}-note"] = (notes or {}).get(item.pk, item.note)
        if item.pk in done:
            data[f"items-{index}-done"] = "on"
        if editor_fields is not None:
            data[f"items-{index}-assignee"] = item.assignee_id or ""
            data[f"items-{index}-due_at_0"] = ""
            data[f"items-{index}-due_at_1"] = ""
    if editor_fields is not None:
        data.update(editor_fields)
    return data


def _change_url(checklist: Checklist) -> str:
    return reverse("admin:operations_checklist_change", args=[checklist.pk])


# --- Ticking on the checklist page ------------------------------------------------------------------------


def test_va_ticks_a_step_with_a_note_on_the_checklist_page(client, va, editor):
    release = ReleaseFactory()
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release, assignee=editor)
    artwork = _steps(checklist)["Check artwork text legibility"]
    client.force_login(va)

    page = client.get(_change_url(checklist))
    assert page.status_code == 200
    assert "Check artwork text legibility" in page.content.decode()

    data = _checklist_post(checklist, done={artwork.pk}, notes={artwork.pk: "Title readable at 150 px"})
    data["assignee"] = va.pk  # read-only for a VA: must be ignored
    response = client.post(_change_url(checklist), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    artwork.refresh_from_db()
    checklist.refresh_from_db()
    assert artwork.done_by == va and artwork.done_at is not None
    assert artwork.note == "Title readable at 150 px"
    assert checklist.assignee == editor
    assert AuditEvent.objects.filter(verb="checklist.step_ticked", object_id=str(release.pk)).count() == 1
    assert ChecklistItem.objects.filter(checklist=checklist, done_at__isnull=False).count() == 1


def test_va_cannot_sign_off_an_editor_step_on_the_checklist_page(client, va):
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=ReleaseFactory())
    sign_off = _steps(checklist)["Editor sign-off"]
    client.force_login(va)

    response = client.post(_change_url(checklist), _checklist_post(checklist, done={sign_off.pk}))

    assert response.status_code == 200
    assert "Editor step" in response.content.decode()
    sign_off.refresh_from_db()
    assert sign_off.done_at is None


def test_editor_assigns_the_checklist_and_reopens_a_step(client, editor, va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Step", True, Role.VA)).slug, obj=GroupFactory()
    )
    step = checklist.items.get()
    services.checklist_item_tick(item=step, user=va)
    client.force_login(editor)

    data = _checklist_post(
        checklist, done=set(), editor_fields={"assignee": va.pk, "due_at_0": "2026-12-04", "due_at_1": "17:00:00"}
    )
    response = client.post(_change_url(checklist), data)

    assert response.status_code == 302
    checklist.refresh_from_db()
    step.refresh_from_db()
    assert checklist.assignee == va
    assert timezone.localtime(checklist.due_at).strftime("%Y-%m-%d %H:%M") == "2026-12-04 17:00"
    assert step.done_at is None and checklist.completed_at is None


def test_nobody_adds_checklists_by_hand(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:operations_checklist_add")).status_code == 403


# --- Templates ------------------------------------------------------------------------------------------


def test_va_reads_the_procedures_but_cannot_edit_them(client, va):
    template = ChecklistTemplate.objects.get(slug="release-qa")
    client.force_login(va)

    assert client.get(reverse("admin:operations_checklisttemplate_changelist")).status_code == 200
    page = client.get(reverse("admin:operations_checklisttemplate_change", args=[template.pk]))
    assert page.status_code == 200
    assert "Check artwork text legibility" in page.content.decode()
    assert client.get(reverse("admin:operations_checklisttemplate_add")).status_code == 403
    response = client.post(
        reverse("admin:operations_checklisttemplate_change", args=[template.pk]),
        {"name": "Hijacked", "applies_to": "release", "description": ""},
    )
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "Release QA"


def test_editor_adds_a_step_to_a_procedure(client, editor):
    template = template_with_steps(("Existing", True, Role.VA))
    existing = template.items.get()
    client.force_login(editor)
    data = {
        "name": template.name,
        "applies_to": template.applies_to,
        "description": "",
        "items-TOTAL_FORMS": 2,
        "items-INITIAL_FORMS": 1,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "items-0-id": existing.pk,
        "items-0-template": template.pk,
        "items-0-position": 1,
        "items-0-title": "Existing",
        "items-0-help_text": "",
        "items-0-required": "on",
        "items-0-role": Role.VA,
        "items-1-template": template.pk,
        "items-1-position": 2,
        "items-1-title": "Check the store preview",
        "items-1-help_text": "Open the store page.",
        "items-1-role": Role.VA,
    }

    response = client.post(reverse("admin:operations_checklisttemplate_change", args=[template.pk]), data)

    assert response.status_code == 302
    assert list(template.items.order_by("position").values_list("title", "required")) == [
        ("Existing", True),
        ("Check the store preview", False),
    ]


# --- My work ------------------------------------------------------------------------------------------------


def test_my_work_lists_only_my_open_steps_across_objects(client, va, editor):
    template = template_with_steps(("Listen through", True, Role.VA), ("Paste the URL", True, Role.VA))
    release = ReleaseFactory(title="Midnight Tram")
    on_release = services.checklist_attach(template_slug=template.slug, obj=release, assignee=va)
    on_group = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=editor)
    services.checklist_item_tick(item=_steps(on_group)["Listen through"], user=va)
    client.force_login(va)

    response = client.get(reverse("admin:operations_workitem_changelist"))

    assert response.status_code == 200
    shown = {(item.checklist_id, item.title) for item in response.context["cl"].result_list}
    assert shown == {
        (on_release.pk, "Listen through"),
        (on_release.pk, "Paste the URL"),
        (on_group.pk, "Paste the URL"),
    }
    body = response.content.decode()
    assert "My work" in body
    # Each step links to the object it is about: the release's own page.
    assert reverse("admin:catalog_release_change", args=[release.pk]) in body


def test_my_work_highlights_overdue_steps(client, va):
    template = template_with_steps(("Late step", True, Role.VA))
    services.checklist_attach(
        template_slug=template.slug, obj=GroupFactory(), assignee=va, due_at=timezone.now() - timedelta(hours=2)
    )
    client.force_login(va)

    body = client.get(reverse("admin:operations_workitem_changelist")).content.decode()

    assert 'class="tone-bad"' in body and "overdue" in body


def test_my_work_shows_done_steps_on_request(client, va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Done one", True, Role.VA)).slug, obj=GroupFactory(), assignee=va
    )
    services.checklist_item_tick(item=checklist.items.get(), user=va)
    client.force_login(va)
    url = reverse("admin:operations_workitem_changelist")

    assert list(client.get(url).context["cl"].result_list) == []
    assert [i.title for i in client.get(url, {"state": "done"}).context["cl"].result_list] == ["Done one"]


def test_va_ticks_from_my_work(client, va):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Tag", True, Role.VA)).slug, obj=GroupFactory(), assignee=va
    )
    step = checklist.items.get()
    client.force_login(va)
    url = reverse("admin:operations_workitem_change", args=[step.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"done": "on", "note": "Tagged lofi, jazz, rain"})

    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_by == va and step.note == "Tagged lofi, jazz, rain"


def test_my_work_bulk_tick_action(client, va):
    template = template_with_steps(("One", True, Role.VA), ("Two", True, Role.VA), ("Sign", True, Role.EDITOR))
    checklist = services.checklist_attach(template_slug=template.slug, obj=GroupFactory(), assignee=va)
    client.force_login(va)

    client.post(
        reverse("admin:operations_workitem_changelist"),
        {"action": "tick", "_selected_action": [i.pk for i in checklist.items.all()]},
    )

    assert dict(checklist.items.values_list("title", "done_by")) == {"One": va.pk, "Two": va.pk, "Sign": None}


def test_someone_elses_step_is_not_reachable_from_my_work(client, va, editor):
    checklist = services.checklist_attach(
        template_slug=template_with_steps(("Theirs", True, Role.VA)).slug, obj=GroupFactory(), assignee=editor
    )
    client.force_login(va)

    response = client.post(
        reverse("admin:operations_workitem_change", args=[checklist.items.get().pk]), {"done": "on", "note": ""}
    )

    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert checklist.items.get().done_at is None


# --- Audit trail ----------------------------------------------------------------------------------------


def _event(obj, verb="release.scheduled") -> AuditEvent:
    return services.audit_log(actor=None, verb=verb, obj=obj, summary=f"{verb} on {obj}")


def test_audit_trail_is_read_only_even_for_a_superuser(client, superuser):
    event = _event(ReleaseFactory())
    client.force_login(superuser)

    assert client.get(reverse("admin:operations_auditevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:operations_auditevent_add")).status_code == 403
    response = client.post(reverse("admin:operations_auditevent_change", args=[event.pk]), {"summary": "edited"})
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:operations_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    event.refresh_from_db()
    assert event.summary == "release.scheduled on " + str(event.target)


def test_audit_link_filters_the_trail_to_one_object(client, editor):
    release, other = ReleaseFactory(title="Dusk Loop"), ReleaseFactory()
    _event(release)
    _event(release, "release.published")
    _event(other)
    client.force_login(editor)

    link = audit_link_html(release)
    assert "(2 events)" in link
    url = link.split('href="')[1].split('"')[0].replace("&amp;", "&")
    response = client.get(url)

    assert response.status_code == 200
    assert {e.object_id for e in response.context["cl"].result_list} == {str(release.pk)}
    assert len(response.context["cl"].result_list) == 2
    assert "History of Dusk Loop" in response.content.decode()


def test_audit_search_by_object_id_and_filter_by_content_type(client, editor):
    release = ReleaseFactory(title="Dusk")  # no digits in titles: the search also reads names, summaries
    _event(release)
    _event(ReleaseFactory(title="Dawn"))
    client.force_login(editor)
    url = reverse("admin:operations_auditevent_changelist")
    release_type = ContentType.objects.get_for_model(release)

    by_id = client.get(url, {"q": str(release.pk)}).context["cl"].result_list
    by_type = client.get(url, {"content_type__id__exact": release_type.pk}).context["cl"].result_list

    assert [e.object_id for e in by_id] == [str(release.pk)]
    assert len(by_type) == 2


def test_people_see_only_the_history_of_what_they_may_view(client, va, superuser):
    _event(ReleaseFactory(), "release.scheduled")
    _event(GroupFactory(), "group.renamed")  # VAs may not view auth groups
    url = reverse("admin:operations_auditevent_changelist")

    client.force_login(va)
    assert [e.verb for e in client.get(url).context["cl"].result_list] == ["release.scheduled"]
    client.force_login(superuser)
    assert {e.verb for e in client.get(url).context["cl"].result_list} == {"release.scheduled", "group.renamed"}


# --- Helpers for other apps' admins and the dashboard ----------------------------------------------------


def test_checklist_progress_block_shows_done_total_and_open_required_steps(editor):
    release = ReleaseFactory()
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    steps = _steps(checklist)
    services.checklist_item_tick(item=steps["Check artwork text legibility"], user=editor)

    html = checklist_progress_html(release)

    total = len(steps)
    assert f"1/{total}" in html
    assert reverse("admin:operations_checklist_change", args=[checklist.pk]) in html
    assert "Check ISRC on every track and UPC on the release" in html
    assert "Check artwork text legibility" not in html  # done, so no longer listed as open
    assert "No checklist is attached" in checklist_progress_html(ReleaseFactory())


def test_dashboard_lists_my_open_steps_with_overdue_in_red(client, va, editor):
    template = template_with_steps(("Reply to questions", True, Role.VA))
    services.checklist_attach(
        template_slug=template.slug, obj=GroupFactory(), assignee=va, due_at=timezone.now() - timedelta(days=1)
    )
    services.checklist_attach(
        template_slug=template_with_steps(("Not mine", True, Role.VA)).slug, obj=GroupFactory(), assignee=editor
    )
    client.force_login(va)

    body = client.get(reverse("admin:index")).content.decode()

    assert "My open checklist items" in body
    assert "Reply to questions" in body and "Not mine" not in body
    assert "tone-bad" in body.split("My open checklist items")[1].split("</section>")[0]


# --- Query counts -----------------------------------------------------------------------------------------


def _many_checklists(assignee, count: int = 12) -> None:
    template = template_with_steps(("A", True, Role.VA), ("B", True, Role.VA), ("C", False, Role.VA))
    for _ in range(count):
        checklist = services.checklist_attach(
            template_slug=template.slug,
            obj=ReleaseFactory(),
            assignee=assignee,
            due_at=timezone.now() + timedelta(days=1),
        )
        services.checklist_item_tick(item=checklist.items.first(), user=assignee)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:operations_checklist_changelist",
        "admin:operations_workitem_changelist",
        "admin:operations_auditevent_changelist",
        "admin:operations_checklisttemplate_changelist",
    ],
)
def test_changelists_run_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries, url_name):
    _many_checklists(editor)
    client.force_login(editor)
    client.get(reverse(url_name))  # warm the permission and content type caches of this process

    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 2


def test_checklist_page_runs_a_fixed_number_of_queries_and_offers_only_staff(
    client, editor, va, django_user_model, django_assert_max_num_queries
):
    # A customer, not staff (a name no app or menu uses: the listeners app's nav entry says "listeners").
    django_user_model.objects.create_user("customer-ada", password="pw-for-tests-only")
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=ReleaseFactory(), assignee=editor)
    client.force_login(editor)

    # Ten steps, each with an assignee picker: the staff list is read once, not once per step.
    with django_assert_max_num_queries(12):
        response = client.get(_change_url(checklist))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count(f'<option value="{va.pk}"') == checklist.items.count() + 1
    assert "customer-ada" not in body


def test_a_release_checklist_names_the_release_by_its_title(client, editor):
    release = ReleaseFactory(title="Window Seat Tapes")
    checklist = services.checklist_attach(template_slug=services.RELEASE_QA, obj=release)
    client.force_login(editor)

    page = client.get(_change_url(checklist)).content.decode()

    assert "Release “Window Seat Tapes”</a>" in page and f">release {release.pk}</a>" not in page
