"""Radio on the cockpit: a dashboard panel (each station up or down, now playing, listeners, last incident) and
plays per track on the analytics page."""

from __future__ import annotations

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from lofi_site import charts
from lofi_site.analytics import AnalyticsChart, Period, analytics_chart
from lofi_site.dashboard import Panel, PanelRow, panel
from radio import selectors
from radio.models import Station, StationProcess
from radio.services.watchdog import SUPERVISOR_STALE

Piece = StationProcess.Piece


def _state(station: Station, now: datetime) -> tuple[str, str]:
    """(label, tone) of a station: on air, off air, or down (and which piece)."""
    processes = selectors.processes_of(station)
    supervisor = processes.get(Piece.SUPERVISOR)
    alive = (
        supervisor
        and supervisor.running
        and supervisor.heartbeat_at
        and supervisor.heartbeat_at > now - SUPERVISOR_STALE
    )
    if not alive:
        return ("Down: supervisor not running", "bad") if station.on_air else ("Off air", "")
    stopped = [p.get_piece_display() for p in processes.values() if p.piece != Piece.SUPERVISOR and not p.running]
    if stopped:
        return f"Down: {', '.join(stopped)} restarting", "bad"
    return "On air", "ok"


@panel(order=45)
def radio_stations(request) -> Panel | None:
    if not request.user.has_perm("radio.view_station"):
        return None
    now = timezone.now()
    rows = []
    for station in Station.objects.order_by("name"):
        state, tone = _state(station, now)
        playing = selectors.now_playing(station)
        incident = selectors.last_incident(station)
        details = [
            f"now: {playing.title}" + (f" · {playing.artist}" if playing.artist else "") if playing.title else ""
        ]
        details.append(f"{playing.listeners} listening" if playing.listeners is not None else "")
        if incident is not None:
            when = timezone.localtime(incident.created_at).strftime("%d %b %H:%M")
            details.append(f"last incident {when}: {incident.get_kind_display()}")
        rows.append(
            PanelRow(
                station.name,
                state,
                reverse("admin:radio_station_change", args=[station.pk]),
                tone=tone,
                detail=" — ".join(d for d in details if d),
            )
        )
    return Panel(
        "Radio stations",
        rows,
        empty_text="No station yet.",
        link_url=reverse("admin:radio_incident_changelist"),
        link_text="Incidents",
    )


@analytics_chart(order=60)
def radio_plays_per_track(request, period: Period) -> AnalyticsChart | None:
    if not request.user.has_perm("radio.view_play"):
        return None
    tz = timezone.get_current_timezone()
    since = datetime.combine(period.start, time.min, tzinfo=tz)
    until = datetime.combine(period.end, time.min, tzinfo=tz)
    top = selectors.plays_per_track(since, until)
    items = [(f"{row['track__title']} — {row['track__artist__name']}", row["plays"]) for row in top]
    svg = charts.bar_chart(items, title="Radio plays per track", empty_text="No radio plays in this period.")
    return AnalyticsChart(
        title="Radio plays per track",
        svg=mark_safe(svg),
        rows=[(label, str(plays)) for label, plays in items],
        help_text="Tracks that started on any station (as Liquidsoap reported them), most played first.",
    )
