"""`manage.py radio_config <slug>`: print the Liquidsoap script `manage.py radio` would run for the station."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from radio.selectors import station_by_slug
from radio.services.runner import station_script_text


class Command(BaseCommand):
    help = "Print a station's generated Liquidsoap script."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--site-url", default=None, help="How Liquidsoap reaches the platform (default: SITE_URL).")

    def handle(self, *args, slug: str, site_url: str | None, **options) -> None:
        station = station_by_slug(slug)
        if station is None:
            raise CommandError(f"No station with the slug {slug!r}.")
        self.stdout.write(station_script_text(station, site_url=site_url), ending="")
