"""`manage.py radio_loop_video <slug> --hours 8 --out loop.mp4`: the station's long mix as an N-hour VOD video with
chapters, and the chapter lines for the upload's description."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from radio.selectors import station_by_slug
from radio.services.loops import LoopVideoError, long_mix_loop_video_render


class Command(BaseCommand):
    help = "Render a station's long mix, repeated to fill N hours, as one MP4 with chapters."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--hours", type=float, default=8.0)
        parser.add_argument("--out", required=True, help="Where to write the MP4.")
        parser.add_argument(
            "--effect", default="rain", help="The release-video loop effect: grain, rain, particles or zoom."
        )

    def handle(self, *args, slug: str, hours: float, out: str, effect: str, **options) -> None:
        station = station_by_slug(slug)
        if station is None:
            raise CommandError(f"No station with the slug {slug!r}.")
        try:
            video = long_mix_loop_video_render(station=station, hours=hours, out_path=Path(out), effect=effect)
        except (LoopVideoError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{video.path}: {video.duration_s / 3600:.2f} h, the mix {video.repeats} time(s)")
        self.stdout.write("Chapters for the description:")
        self.stdout.write(video.description)
