"""Demo seed step of the radio (lofi_site/demo.py): the `demo` station `make radio` runs, with the demo tracks in
its rotation. It goes on air only when `make radio` starts it; nothing here pretends it is broadcasting."""

from __future__ import annotations

from catalog.models import Asset, Track
from lofi_site.demo import Out, demo_step
from radio.models import Daypart, Station

DEMO_SLUG = "demo"


@demo_step(order=90)
def demo_station(out: Out) -> None:
    """Create the demo station once (later runs keep an editor's changes) and mark the approved demo renders
    for it, so it plays them before any release of theirs is out. They are also its safety playlist."""
    station, created = Station.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Lantern Radio (demo)",
            "description": "The label's demo tracks around the clock.",
            "mount": "/demo",
            "icecast_port": 8010,
            "crossfade_s": 4.0,
            "loudness_target_lufs": -16.0,
            # three short demo tracks: windows short enough that the rotation still turns
            "no_repeat_hours": 0.01,
            "artist_separation_min": 0.0,
        },
    )
    if created:
        Daypart.objects.create(station=station, name="All day", start_hour=0, end_hour=24)
    demo_tracks = Track.objects.filter(
        source=Track.Source.GENERATED,
        status__in=[Track.Status.APPROVED, Track.Status.RELEASED],
        assets__kind=Asset.Kind.MASTER,
    ).distinct()
    station.marked_tracks.add(*demo_tracks)
    station.safety_tracks.add(*demo_tracks)
    count = station.marked_tracks.count()
    verb = "created" if created else "already there"
    out(f"  station {station.name!r} {verb}: {count} track(s) in rotation; `make radio` puts it on air")
