"""`manage.py render_track`: render one brief now and print what was made as one JSON object."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Artist, Asset
from production import services
from production.engine.brief import AMBIENCES
from production.engine.master import PLATFORM_TARGETS


class Command(BaseCommand):
    help = (
        "Render a track synchronously (the same service the queue runs: a RenderJob and a draft Track "
        "with its files) and print ONE JSON object: track_id, files, qc, timings."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--style", required=True, help="Engine style, e.g. jazz.")
        parser.add_argument("--bpm", type=float, required=True)
        parser.add_argument("--key", required=True, help='e.g. "A minor".')
        parser.add_argument("--duration", type=float, required=True, help="Length in seconds.")
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--mood", default="chill")
        parser.add_argument("--ambience", choices=AMBIENCES, default="none")
        parser.add_argument(
            "--platform",
            choices=sorted(PLATFORM_TARGETS),
            default="youtube",
            help="Loudness target of the master: youtube and spotify -14 LUFS, apple_music -16.",
        )
        parser.add_argument(
            "--without",
            action="append",
            default=[],
            metavar="PART",
            help="Leave a part out (repeatable), e.g. --without melody.",
        )
        parser.add_argument("--title", default="")
        parser.add_argument("--artist", default="", help="Artist slug; default: the style's persona.")
        parser.add_argument("--out", type=Path, help="Also copy the 24-bit master WAV to this path.")

    def handle(self, *args, **options) -> None:
        artist = None
        if options["artist"]:
            artist = Artist.objects.filter(slug=options["artist"]).first()
            if artist is None:
                raise CommandError(f"No artist with slug {options['artist']!r}.")
        # stdout carries exactly one JSON document: logs and any chatter from libraries go to stderr.
        with _stdout_logs_to_stderr(), contextlib.redirect_stdout(sys.stderr):
            try:
                job = services.render_job_create(
                    style=options["style"],
                    bpm=options["bpm"],
                    key=options["key"],
                    duration_s=options["duration"],
                    seed=options["seed"],
                    mood=options["mood"],
                    ambience=options["ambience"],
                    layers=dict.fromkeys(options["without"], False),
                    title=options["title"],
                    artist=artist,
                    target_lufs=PLATFORM_TARGETS[options["platform"]],
                    queue=False,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            job = services.render_job_run(job=job)
        if job.track is None:
            raise CommandError(f"Render job #{job.pk} failed: {job.error}")
        assets = list(job.track.assets.all())
        files = _file_paths(assets)
        if options["out"]:
            master = next(a for a in assets if a.kind == Asset.Kind.MASTER)
            options["out"].parent.mkdir(parents=True, exist_ok=True)
            with master.open() as source, options["out"].open("wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            files["out"] = str(options["out"].resolve())
        document = {
            "track_id": job.track.pk,
            "track_uuid": str(job.track.uuid),
            "job_id": job.pk,
            "files": files,
            "qc": job.track.qc_report,
            "timings": job.timings,
        }
        self.stdout.write(json.dumps(document, indent=2))


def _file_paths(assets: list[Asset]) -> dict:
    """Where each file is: a local path when the storage is on this disk, else "storage:path"."""
    files: dict = {"stems": {}}
    for asset in assets:
        storage = storages[asset.storage]
        try:
            where = storage.path(asset.path)
        except NotImplementedError:
            where = f"{asset.storage}:{asset.path}"
        if asset.kind == Asset.Kind.STEM:
            files["stems"][asset.label] = where
        else:
            files[asset.kind] = where
    return files


@contextlib.contextmanager
def _stdout_logs_to_stderr():
    """The project logs to stdout (12-factor); for this command's run, point those handlers at stderr."""
    moved = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stdout:
            moved.append(handler)
            handler.setStream(sys.stderr)
    try:
        yield
    finally:
        for handler in moved:
            handler.setStream(sys.stdout)
