"""django-q2 entry points of the radio: thin, each calls one service."""

from __future__ import annotations


def stations_watchdog_task() -> None:
    """Scheduled every minute (radio/procedures.py): checks every on-air station and asks for restarts."""
    from radio.services.watchdog import stations_watchdog_run

    stations_watchdog_run()
