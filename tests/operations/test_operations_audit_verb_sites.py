"""Every audit event names its verb by a registered constant: no call site passes a free string (a typo would be a
silent new verb the cockpit's filter never offers), every `<App>Verb.MEMBER` exists, and no value is claimed by two
apps' classes."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from operations import audit_verbs as registry
from operations.audit_verbs import audit_verb_choices

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "lofi_site",
    "catalog",
    "production",
    "distribution",
    "monetization",
    "community",
    "operations",
    "radio",
    "listeners",
]


def _sources() -> list[Path]:
    return [p for app in APPS for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]


def _verb_arguments():
    """(file:line, the expression) of every `verb=` keyword argument and of audit_log's calls."""
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "verb":
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", keyword.value


def _registered_classes() -> dict[str, type]:
    audit_verb_choices()  # imports every app's audit_verbs.py
    return {cls.__name__: cls for cls in registry._REGISTERED.values()}


def test_no_audit_call_passes_a_free_string_as_its_verb():
    sites = list(_verb_arguments())
    free = [
        site
        for site, value in sites
        if isinstance(value, ast.JoinedStr | ast.BinOp)
        or (isinstance(value, ast.Constant) and isinstance(value.value, str))
    ]

    assert len(sites) > 60  # the scan found the apps' audit calls (about 80 today)
    assert free == []


def test_every_verb_constant_named_at_a_call_site_is_a_registered_member():
    classes = _registered_classes()
    named = [
        (site, value.value.id, value.attr)
        for site, value in _verb_arguments()
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id.endswith("Verb")
    ]

    unknown = [(site, f"{cls}.{member}") for site, cls, member in named if not hasattr(classes.get(cls), member)]
    assert {"ProductionVerb", "DistributionVerb", "ListenersVerb", "CommunityVerb", "SalesVerb"} <= set(classes)
    assert len(named) > 50
    assert unknown == []


def test_no_verb_value_is_claimed_by_two_apps():
    claimed = Counter(value for cls in _registered_classes().values() for value in cls.values)

    assert [value for value, count in claimed.items() if count > 1] == []


def test_registering_a_verb_another_app_already_names_is_refused():
    _registered_classes()

    class Clash(models.TextChoices):  # e.g. a second app calling its event "order.paid"
        ORDER_PAID = "order.paid", "Paid again"

    with pytest.raises(ImproperlyConfigured, match=r"order\.paid"):
        registry.audit_verbs(Clash)
    assert Clash not in registry._REGISTERED.values()
