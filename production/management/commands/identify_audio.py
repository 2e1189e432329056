"""`manage.py identify_audio FILE`: which catalogue tracks this audio comes from, and where."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from production.engine import audio_io, fingerprint
from production.engine.cli_output import stdout_kept_for_json
from production.services.fingerprints import identify


class Command(BaseCommand):
    help = (
        "Look an audio file (or an excerpt) up in the fingerprint index and print ONE JSON object: "
        '{"matches": [{"track_id", "offset_s", "confidence"}]}, best first; offset_s is where the '
        "file's start lies in the track, confidence the share of its hashes that line up (0-1)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--limit", type=int, default=10, help="At most this many matches.")

    def handle(self, *args, **options) -> None:
        with stdout_kept_for_json():
            try:
                audio_io.validate(options["file"], min_duration_s=0.0, max_duration_s=float("inf"))
                hashes = fingerprint.fingerprint_file(options["file"])
            except audio_io.AudioValidationError as error:
                raise CommandError(str(error)) from error
            matches = identify(hashes, limit=options["limit"])
        self.stdout.write(json.dumps({"matches": matches}))
