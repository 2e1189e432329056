"""The cockpit's per-object action helper: every selected object is tried, refusals are named, one summary."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from lofi_site.admin_actions import for_each_selected, refusal_text


def _request():
    request = RequestFactory().post("/cockpit/")
    request._messages = CookieStorage(request)
    return request


def _shown(request) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in request._messages]


def _model_admin():
    User = get_user_model()
    return admin.ModelAdmin(User, admin.site)


def _work(name: str) -> str:
    if name == "broken":
        raise ValidationError(["The title is missing.", "The artwork is missing."])
    if name == "locked":
        raise PermissionDenied("You may not approve replies.")
    return name.upper()


def test_refused_objects_are_named_with_their_reasons_and_the_others_still_run():
    request = _request()

    count = for_each_selected(
        _model_admin(), request, ["a", "broken", "b", "locked"], _work, done="Approved {count} item(s)."
    )

    assert count == 2
    assert _shown(request) == [
        (messages.ERROR, "broken: The title is missing.; The artwork is missing."),
        (messages.ERROR, "locked: You may not approve replies."),
        (messages.SUCCESS, "Approved 2 item(s)."),
    ]


def test_no_summary_when_nothing_succeeded_and_a_message_per_object_when_asked():
    request = _request()
    for_each_selected(_model_admin(), request, ["broken"], _work, done="Approved {count} item(s).")
    assert _shown(request) == [(messages.ERROR, "broken: The title is missing.; The artwork is missing.")]

    request = _request()
    count = for_each_selected(
        _model_admin(),
        request,
        ["a", "b"],
        _work,
        each_done=lambda name, result: f"{name} became {result}",
        counts=lambda result: result != "B",
        done=lambda n: f"{n} counted",
    )
    assert count == 1
    assert _shown(request) == [
        (messages.SUCCESS, "a became A"),
        (messages.SUCCESS, "b became B"),
        (messages.SUCCESS, "1 counted"),
    ]


def test_a_permission_refusal_without_words_still_says_why():
    assert refusal_text(PermissionDenied()) == "You may not do this."
