"""`manage.py radio <slug>`: run a station (Icecast when local, Liquidsoap, the RTMP push), supervised, until
SIGTERM or Ctrl-C. `manage.py radio demo` runs the demo station (seeded by `seed_demo`)."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from radio.liquidsoap.programs import MissingProgram
from radio.selectors import station_by_slug
from radio.services.runner import StationRunner
from radio.services.stations import station_on_air_set


class Command(BaseCommand):
    help = "Run a radio station: writes its Liquidsoap script and Icecast config, starts and supervises them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The station's slug (`demo` for the demo station).")
        parser.add_argument("--site-url", default=None, help="How Liquidsoap reaches the platform (default: SITE_URL).")
        parser.add_argument("--no-video", action="store_true", help="Do not start the RTMP video push.")

    def handle(self, *args, slug: str, site_url: str | None, no_video: bool, **options) -> None:
        station = station_by_slug(slug)
        if station is None:
            hint = " Run `manage.py seed_demo` first." if slug == "demo" else ""
            raise CommandError(f"No station with the slug {slug!r}.{hint}")
        runner = StationRunner(station, site_url=site_url, with_video=not no_video, out=self.stdout)
        try:
            supervisor = runner.start()
        except MissingProgram as error:
            raise CommandError(str(error)) from error

        station_on_air_set(station=station, on_air=True)

        def stop(signum, frame) -> None:
            supervisor.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"[supervisor] {station.name} on air at {station.stream_url} (Ctrl-C or SIGTERM stops every process)"
        )
        try:
            while not supervisor.stopping:
                supervisor.step()
                runner.tick()
                supervisor.wait(1.0)
        finally:
            runner.stop()
            station_on_air_set(station=station, on_air=False)  # stopped on purpose: off air, no incident
            self.stdout.write("[supervisor] stopped")
