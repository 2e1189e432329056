"""`manage.py analyze_audio FILE`: measure one file and print the figures; the database is not touched."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from production.engine import analysis, audio_io
from production.engine.cli_output import stdout_kept_for_json
from production.engine.jsonsafe import json_safe


class Command(BaseCommand):
    help = (
        "Analyse an audio file and print ONE JSON object: duration_s, sample_rate, channels, "
        "integrated_lufs, true_peak_dbtp, loudness_range_lu, bpm, bpm_confidence, key, mode, "
        "key_confidence, camelot, energy, spectral_centroid_hz. Writes nothing to the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, **options) -> None:
        with stdout_kept_for_json():
            try:
                # Any length goes (no ingest limits), but the file must decode completely.
                audio_io.validate(options["file"], min_duration_s=0.0, max_duration_s=float("inf"))
                result = analysis.analyze(options["file"])
            except audio_io.AudioValidationError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(json_safe(result.to_dict())))
