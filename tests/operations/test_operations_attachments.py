"""Checklists are attached where they belong, by the services of the apps that own the objects: "Listen and
approve" on every render batch, "Release QA" on every release being prepared (and "Comment triage" weekly,
see test_operations_weekly.py)."""

from __future__ import annotations

import pytest

from distribution.services import release_prepare
from operations import selectors
from operations.models import Role
from production.services import batch_create
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def _batch(**kwargs):
    return batch_create(
        name="Week 12", styles=["jazz"], bpms=[72], keys=["A minor"], moods=["chill"], duration_s=30, **kwargs
    )


def test_a_render_batch_gets_listen_and_approve_on_its_commissioners_list(editor):
    batch = _batch(created_by=editor)

    (checklist,) = selectors.checklists_for(batch)
    assert checklist.template.slug == "listen-and-approve" and checklist.assignee == editor
    steps = list(checklist.items.all())
    assert {step.role for step in steps} == {Role.VA, Role.EDITOR}
    assert any(step.title == "Approve the keepers" and step.required for step in steps)
    assert set(selectors.work_items_open_for(editor)) == set(steps)


def test_a_batch_made_by_a_script_is_unassigned_until_an_editor_hands_it_out():
    batch = _batch()

    (checklist,) = selectors.checklists_for(batch)
    assert checklist.assignee is None and checklist.completed_at is None


def test_a_prepared_release_gets_release_qa_once_and_its_required_steps_block_it():
    release = ReleaseFactory()

    release_prepare(release=release)
    release_prepare(release=release)

    (checklist,) = selectors.checklists_for(release)
    assert checklist.template.slug == "release-qa"
    blockers = selectors.checklist_blockers(release)
    assert "Release QA: 'Check artwork text legibility' is not done" in blockers
    assert "Release QA: 'Editor sign-off' is not done" in blockers
