"""`manage.py render_batch`: queue a grid (or variations) of render jobs, print the batch id and job count."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Artist
from production import services
from production.engine.brief import AMBIENCES
from production.models import Batch


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


class Command(BaseCommand):
    help = (
        "Queue a batch: every style x BPM x key x mood combination, --count times each (or --variations "
        "of one brief). Job n gets seed --seed-base + n. Prints {batch_id, job_count} as JSON. A running "
        "`manage.py qcluster` renders the jobs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--styles", required=True, help="Comma-separated, e.g. jazz,cafe.")
        parser.add_argument("--bpms", required=True, help="Comma-separated, e.g. 72,82.")
        parser.add_argument("--keys", required=True, help='Comma-separated, e.g. "A minor,C major".')
        parser.add_argument("--moods", default="chill", help="Comma-separated mood slugs.")
        parser.add_argument("--count", type=int, default=1, help="Tracks per combination (or variations).")
        parser.add_argument(
            "--variations",
            action="store_true",
            help="A/B variations of ONE brief: --count renders with different seeds.",
        )
        parser.add_argument("--duration", type=float, required=True, help="Length of each track in seconds.")
        parser.add_argument("--seed-base", type=int, default=0)
        parser.add_argument("--ambience", choices=AMBIENCES, default="none")
        parser.add_argument("--artist", default="", help="Artist slug; default: each style's persona.")
        parser.add_argument("--name", default="", help="Batch name; default: made from the grid.")

    def handle(self, *args, **options) -> None:
        artist = None
        if options["artist"]:
            artist = Artist.objects.filter(slug=options["artist"]).first()
            if artist is None:
                raise CommandError(f"No artist with slug {options['artist']!r}.")
        try:
            bpms = [float(b) for b in _list(options["bpms"])]
        except ValueError as error:
            raise CommandError(f"--bpms must be numbers: {error}") from error
        styles, keys, moods = _list(options["styles"]), _list(options["keys"]), _list(options["moods"])
        name = options["name"] or (f"{'/'.join(styles)} x {len(bpms)} BPMs x {len(keys)} keys x {len(moods)} moods")
        try:
            batch = services.batch_create(
                name=name[:120],
                kind=Batch.Kind.VARIATIONS if options["variations"] else Batch.Kind.GRID,
                styles=styles,
                bpms=bpms,
                keys=keys,
                moods=moods,
                per_cell=options["count"],
                duration_s=options["duration"],
                seed_base=options["seed_base"],
                ambience=options["ambience"],
                artist=artist,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            json.dumps({"batch_id": batch.pk, "batch_uuid": str(batch.uuid), "job_count": batch.jobs.count()})
        )
