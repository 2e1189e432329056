"""Operations panels on the cockpit dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from lofi_site.dashboard import Panel, PanelRow, panel
from operations.selectors import work_items_open_for

SHOWN = 10


@panel(order=5)
def my_open_checklist_items(request) -> Panel | None:
    """The signed-in person's open checklist steps, soonest due first; overdue in red, due today in amber."""
    if not request.user.has_perm("operations.view_checklistitem"):
        return None
    now = timezone.now()
    items = work_items_open_for(request.user)
    shown = list(items[:SHOWN])
    total = len(shown) if len(shown) < SHOWN else items.count()
    rows = []
    for item in shown:
        due = item.effective_due
        if due is None:
            value, tone = "no due date", ""
        else:
            value = timezone.localtime(due).strftime("%a %d %b %H:%M")
            tone = "bad" if due < now else "warn" if due < now + timedelta(days=1) else ""
            value = f"{value} · overdue" if tone == "bad" else value
        rows.append(
            PanelRow(
                item.title,
                value,
                reverse("admin:operations_workitem_change", args=[item.pk]),
                tone=tone,
                detail=item.checklist.title,
            )
        )
    return Panel(
        "My open checklist items",
        rows,
        empty_text="Nothing on your list.",
        link_url=reverse("admin:operations_workitem_changelist"),
        link_text=f"My work: all {total} open step{'s' if total != 1 else ''}",
    )
