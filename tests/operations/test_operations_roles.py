"""Who may do what in operations: the groups hold exactly the permissions the cockpit relies on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_va_views_everything_ticks_steps_and_edits_nothing_else(va):
    assert va.has_perm("operations.view_checklist")
    assert va.has_perm("operations.view_checklisttemplate")
    assert va.has_perm("operations.change_checklistitem")
    assert va.has_perm("operations.view_auditevent")
    for perm in [
        "change_checklisttemplate",
        "add_checklisttemplate",
        "change_checklisttemplateitem",
        "change_checklist",
        "delete_checklist",
        "add_checklistitem",
        "delete_checklistitem",
    ]:
        assert not va.has_perm(f"operations.{perm}"), perm


def test_editor_runs_operations_but_cannot_write_the_audit_trail(editor):
    for perm in [
        "add_checklisttemplate",
        "change_checklisttemplate",
        "change_checklisttemplateitem",
        "change_checklist",
        "delete_checklist",
        "change_checklistitem",
        "view_auditevent",
    ]:
        assert editor.has_perm(f"operations.{perm}"), perm
    for perm in ["add_auditevent", "change_auditevent", "delete_auditevent"]:
        assert not editor.has_perm(f"operations.{perm}"), perm


def test_finance_reads_the_audit_trail_only(finance):
    assert finance.has_perm("operations.view_auditevent")
    assert not finance.has_perm("operations.change_checklistitem")
    assert not finance.has_perm("operations.view_checklist")
