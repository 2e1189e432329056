"""The cockpit's one way to run a service on each selected object of an admin action.

An action is then one call:

    @admin.action(description="Approve selected tracks", permissions=["approve"])
    def approve(self, request, queryset):
        for_each_selected(
            self, request, queryset, lambda t: services.track_approve(track=t), done="Approved {count} track(s)."
        )

A refused object (the service raised ValidationError or PermissionDenied) gets one error message naming it and
its reasons, and the other objects go on: one bad row never hides what happened to the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.safestring import SafeString

T = TypeVar("T")
R = TypeVar("R")


def refusal_text(error: ValidationError | PermissionDenied) -> str:
    """A refused write's reasons as one line for a cockpit message."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error) or "You may not do this."


def for_each_selected(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[T],
    work: Callable[[T], R],
    *,
    done: str | Callable[[int], str] = "",
    each_done: Callable[[T, R], str | SafeString] | None = None,
    counts: Callable[[R], bool] | None = None,
) -> int:
    """Run `work` (a service call) on every object, each on its own, and tell the user what happened.

    - a refusal (ValidationError, PermissionDenied) gives an error message "<object>: <reasons>";
    - `each_done(obj, result)`, when given, is a success message per object (a link to what was made, say);
    - `done`, formatted with `{count}` (or called with the count), is one success message when at least one
      object succeeded.
    `counts(result)`, when given, decides whether a success counts (a service that returns False when there
    was nothing to do). Returns how many objects counted.
    """
    count = 0
    for obj in objects:
        try:
            result = work(obj)
        except (ValidationError, PermissionDenied) as error:
            model_admin.message_user(request, f"{obj}: {refusal_text(error)}", messages.ERROR)
            continue
        if counts is None or counts(result):
            count += 1
        if each_done is not None:
            model_admin.message_user(request, each_done(obj, result), messages.SUCCESS)
    if count and done:
        text = done(count) if callable(done) else done.format(count=count)
        model_admin.message_user(request, text, messages.SUCCESS)
    return count
