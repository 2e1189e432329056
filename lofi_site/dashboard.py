"""Cockpit dashboard panels.

Apps add panels from their own `<app>/dashboard.py`:

    from lofi_site.dashboard import Panel, PanelRow, panel

    @panel(order=10)
    def tracks_by_status(request) -> Panel | None:
        ...

A panel function returns None when the user may not see it (permissions are checked by the panel,
because only the app knows which model the numbers come from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class PanelRow:
    label: str
    value: str | int | float = ""
    url: str = ""
    tone: str = ""  # "", "ok", "warn" or "bad": colours the value
    detail: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    rows: list[PanelRow] = field(default_factory=list)
    empty_text: str = "Nothing here."
    link_url: str = ""
    link_text: str = ""
    html: str = ""  # pre-rendered, already-escaped markup (e.g. a server-side chart); shown under the rows
    tone: str = ""  # "" or "bad": a "bad" panel is drawn red and comes first (something is switched off or broken)


PanelFunc = Callable[[HttpRequest], Panel | None]
_PANELS: list[tuple[int, str, PanelFunc]] = []


def panel(*, order: int) -> Callable[[PanelFunc], PanelFunc]:
    def register(func: PanelFunc) -> PanelFunc:
        key = f"{func.__module__}.{func.__qualname__}"
        if all(existing != key for _, existing, _ in _PANELS):  # re-imports must not double a panel
            _PANELS.append((order, key, func))
            _PANELS.sort(key=lambda item: (item[0], item[1]))
        return func

    return register


def panels_for(request: HttpRequest) -> list[Panel]:
    shown = [p for _, _, func in _PANELS if (p := func(request)) is not None]
    return sorted(shown, key=lambda p: p.tone != "bad")  # alarms first; otherwise the registered order
