"""What the community cockpit screens share: the stylesheet, short previews, read-only records."""

from __future__ import annotations

from django.contrib import admin

COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}


def shorten(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by tasks: staff read them, nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
